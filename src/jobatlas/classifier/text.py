"""Normalize messy job text: HTML, capitals, abbreviations, plurals, slashes, resume layout."""

from __future__ import annotations

import html
import re
import unicodedata

from jobatlas.classifier.abbreviations import ABBREVIATIONS, CAPITALS_ONLY
from jobatlas.classifier.ad_wording import strip_ad_wording
from jobatlas.classifier.employers import employer_words
from jobatlas.classifier.spanish import spanish_job_word

_TAG = re.compile(r"<[^>]{0,200}>")
_BLOCK_TAG = re.compile(r"(?i)<\s*(?:br|/p|/div|/li|/h\d|/tr)\b[^>]{0,200}>")
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9+#']*")
_UNINFLECTED = ("ss", "us", "is", "ics", "news", "ous")
_NON_LETTER = re.compile(r"[\W\d_]+")
# A requirement ("Driver with CDL", "Cook w/ experience") follows the job, as a qualifier does.
_HEAD_STOP = re.compile(r"\s*(?:\(|,|\s-\s|\s–\s|\||:|\s(?:with|w/)\s).*$", re.S | re.I)
# Initials written with dots ("C.N.A.", "R.N", "e.g."): single letters joined by dots.
_DOTTED = re.compile(r"(?<![\w.])[A-Za-z](?:\.[A-Za-z])+\.?(?![\w])")
# A dot then a letter, which any such run holds: searched first (a literal first character
# is found at C speed), so the text of a resume full of sentences skips the pattern above.
_DOT_LETTER = re.compile(r"\.[A-Za-z]")
# Gendered and neutral forms of one compound job word ("forewoman", "foreperson", "foremen"
# are all "foreman"); the stem must be a word of its own, so "woman" or "omen" stay.
_COMPOUND_FORM = re.compile(r"^([a-z]{3,}?)(?:woman|women|person|persons|people|men)$")
_NOT_COMPOUNDS = frozenset({"abdomen", "albumen", "acumen", "bitumen", "cyclamen", "regimen",
                            "specimen"})


def clean_markup(text: str) -> str:
    """Return text with HTML entities decoded, tags removed and Unicode compatibility-folded."""
    text = html.unescape(html.unescape(text))
    text = _BLOCK_TAG.sub("\n", text)
    text = _TAG.sub(" ", text)
    text = unicodedata.normalize("NFKC", text)
    if "." in text and _DOT_LETTER.search(text):
        text = _DOTTED.sub(_join_initials, text)
    if text.replace("\n", "").isprintable():  # the usual case, checked at C speed
        return text
    return "".join(ch if ch.isprintable() or ch == "\n" else " " for ch in text)


def _join_initials(match: re.Match) -> str:
    # "C.N.A." reads as "CNA"; without this the letters fall apart into one-letter words.
    return match.group().replace(".", "")


def fold_accents(text: str) -> str:
    """Return text with accents removed ("Niñera" -> "Ninera", "École" -> "Ecole").

    Training text is English and ASCII; without folding, an accented letter would split a
    word in two ("ni", "era") and the word would match nothing.
    """
    if text.isascii():  # the usual case, checked at C speed
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def singular(word: str) -> str:
    """Return a crude singular of an English word; training and input share the same crudeness."""
    if len(word) <= 3 or not word.endswith("s") or word.endswith(_UNINFLECTED):
        return word
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("sses", "ches", "shes", "xes", "zes")):
        return word[:-2]
    return word[:-1]


def _expand(token: str, capitals_ok: bool) -> str:
    lower = token.lower().replace("'", "")
    if lower in ABBREVIATIONS:
        return ABBREVIATIONS[lower]
    english = spanish_job_word(lower)
    if english is not None:
        return english
    workplace = employer_words(lower)
    if workplace is not None:
        return workplace
    if capitals_ok and token.isupper() and lower in CAPITALS_ONLY:
        return CAPITALS_ONLY[lower]
    # Plural abbreviations: "RNs", "CNAs".
    if len(lower) > 2 and token[-1] == "s" and token[:-1].isupper() and lower[:-1] in ABBREVIATIONS:
        return ABBREVIATIONS[lower[:-1]]
    return singular(compound_job_word(lower))


def compound_job_word(word: str) -> str:
    """Return the "-man" form of a gendered or neutral compound ("saleswoman", "foreperson",
    "repairmen" -> "salesman", "foreman", "repairman"); other words unchanged.

    Postings and resumes write every form, O*NET titles mostly one of them, so all forms
    share one word and its n-grams.
    """
    match = _COMPOUND_FORM.match(word)
    if match is None or word in _NOT_COMPOUNDS:
        return word
    return match.group(1) + "man"


# Expanded form of each token seen, one table per capitals rule: a resume repeats its words,
# and a batch of titles repeats "driver" and "assistant" thousands of times. Bounded.
_EXPANDED: dict[bool, dict[str, str]] = {True: {}, False: {}}
EXPANDED_CACHE_SIZE = 100_000
_ASCII_LOWER = bytes(range(ord("a"), ord("z") + 1))


def normalize_text(text: str) -> str:
    """Return lower-case words: markup removed, abbreviations expanded, Spanish job words in
    English ("cocinero" -> "cook"), plurals made singular.

    Slashes, hyphens and other punctuation separate words, so "Landscape/Irrigation Laborer"
    becomes ``"landscape irrigation laborer"``; accents are dropped ("Cajera" and "Cajéra"
    are one word); letters of other scripts are not kept. Capitals-only abbreviations ("IT",
    "OR") are expanded only when the text is not written entirely in capitals.
    """
    text = strip_ad_wording(fold_accents(clean_markup(text)))
    letters = _NON_LETTER.sub("", text)
    capitals_ok = not letters or _capitals(letters) <= 0.7 * len(letters)
    tokens = _TOKEN.findall(text)
    cache = _EXPANDED[capitals_ok]
    words = list(map(cache.get, tokens))
    if None in words:
        if len(cache) >= EXPANDED_CACHE_SIZE:
            cache.clear()
        for i, token in enumerate(tokens):
            if words[i] is None:
                words[i] = cache[token] = _expand(token, capitals_ok)
    return " ".join(words)


def _capitals(letters: str) -> int:
    """Return how many of ``letters`` (letters only) are capitals, at C speed."""
    if letters.isascii():
        return len(letters.encode("ascii").translate(None, _ASCII_LOWER))
    # A letter that lower() changes is a capital.
    return sum(map(str.__ne__, letters, letters.lower()))


def title_head(title: str) -> str:
    """Return the part of a title that names the job: before any parenthesis, comma, dash or
    requirement ("Driver with CDL", "Cook w/ experience")."""
    head = _HEAD_STOP.sub("", clean_markup(title).strip())
    return head or title


_BULLETS = "-*•·▪●"
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_SENTENCE_END = (".", "!", "?", ";")
_SECTION_HEADERS = frozenset({
    "experience", "work experience", "professional experience", "employment",
    "employment history", "work history", "job history", "education", "skill", "summary",
    "professional summary", "objective", "reference", "certification", "license",
    "licenses and certification", "certifications and license", "contact", "profile",
    "qualification", "award", "volunteer", "volunteer experience", "language", "interest",
    "training", "resume", "curriculum vitae",
})
# Sections whose short lines name no job the person held or wants: "Lamar High School" under
# EDUCATION read as a title gave Secondary School Teachers 0.32, third on a cook's resume.
# Certifications and licenses stay: "CNA License" and "Forklift Certified" say what one does.
_NO_JOB_SECTIONS = frozenset({"education", "reference", "contact", "award", "language",
                              "interest"})
# Field labels of postings ("Pay: $17-$20/hr", "Requirements: valid license"): what follows is
# no job ("Pay" alone gave Parking Enforcement Workers 0.10, third on a landscaping ad).
_FIELD_LABELS = frozenset({
    "pay", "salary", "wage", "compensation", "rate", "rate of pay", "requirement", "benefit",
    "schedule", "hour", "work hour", "location", "address", "phone", "email", "duty",
    "responsibility", "job duty", "job type", "employment type", "shift", "start date", "apply",
    "how to apply", "job description", "description", "company", "employer",
})
# Labels whose value is the job: "Position: Line Cook", "Job Title: Forklift Operator".
_JOB_LABEL = re.compile(r"^\s*(?:job\s+title|title|position|job|role|occupation|puesto)\s*:\s*",
                        re.I)
# Contact lines: an e-mail or web address, a phone number, a state and ZIP code.
_CONTACT = re.compile(r"@|\bwww\.|https?:|\(?\b\d{3}\)?[\s.-]\d{3}[\s.-]\d{4}\b"
                      r"|\b[A-Z]{2}\s+\d{5}(?:-\d{4})?\b")


def title_lines(text: str, max_words: int) -> list[str]:
    """Return the job-title part of the lines of a resume or posting that name a job.

    A short line names a job ("Forklift Operator, ABC Co, 2019-2021" gives "Forklift
    Operator"); a sentence, a section header ("EXPERIENCE") or a bullet does not: bullets list
    duties, unless one is a job line (it holds a year) or a few words ("Cashier"). Neither do
    contact lines, nor lines under a header of schooling, references, awards, languages or
    interests, or under a posting's field label ("Pay:", "Requirements:"), until the next
    header. "Position: Line Cook" gives "Line Cook".
    """
    heads = []
    listing_jobs = True
    for raw in clean_markup(text).split("\n"):
        raw = raw.strip()
        line = raw.strip(" \t|" + _BULLETS)
        if not line or len(line.split()) > max_words or _CONTACT.search(line):
            continue
        if raw[0] in _BULLETS and len(line.split()) > 3 and not _YEAR.search(line):
            continue
        head = title_head(_JOB_LABEL.sub("", line))
        header = normalize_text(head)
        if header in _FIELD_LABELS:
            # "Pay: $15/hr" is one line to skip; "Duties:" alone heads the lines below it.
            if not line[len(head):].strip(" :-–|,"):
                listing_jobs = False
            continue
        if header in _SECTION_HEADERS:
            listing_jobs = header not in _NO_JOB_SECTIONS
            continue
        if head.endswith(_SENTENCE_END) or not listing_jobs:
            continue
        heads.append(head)
    return heads
