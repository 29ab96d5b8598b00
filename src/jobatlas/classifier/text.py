"""Normalize messy job text: HTML, capitals, abbreviations, plurals, slashes, resume layout."""

from __future__ import annotations

import html
import re
import unicodedata

from jobatlas.classifier.abbreviations import ABBREVIATIONS, CAPITALS_ONLY

_TAG = re.compile(r"<[^>]{0,200}>")
_BLOCK_TAG = re.compile(r"(?i)<\s*(?:br|/p|/div|/li|/h\d|/tr)\b[^>]{0,200}>")
_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9+#']*")
_UNINFLECTED = ("ss", "us", "is", "ics", "news", "ous")
_NON_LETTER = re.compile(r"[\W\d_]+")
_HEAD_STOP = re.compile(r"\s*(?:\(|,|\s-\s|\s–\s|\||:).*$", re.S)


def clean_markup(text: str) -> str:
    """Return text with HTML entities decoded, tags removed and Unicode compatibility-folded."""
    text = html.unescape(html.unescape(text))
    text = _BLOCK_TAG.sub("\n", text)
    text = _TAG.sub(" ", text)
    text = unicodedata.normalize("NFKC", text)
    if text.replace("\n", "").isprintable():  # the usual case, checked at C speed
        return text
    return "".join(ch if ch.isprintable() or ch == "\n" else " " for ch in text)


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
    if capitals_ok and token.isupper() and lower in CAPITALS_ONLY:
        return CAPITALS_ONLY[lower]
    # Plural abbreviations: "RNs", "CNAs".
    if len(lower) > 2 and token[-1] == "s" and token[:-1].isupper() and lower[:-1] in ABBREVIATIONS:
        return ABBREVIATIONS[lower[:-1]]
    return singular(lower)


def normalize_text(text: str) -> str:
    """Return lower-case words: markup removed, abbreviations expanded, plurals made singular.

    Slashes, hyphens and other punctuation separate words, so "Landscape/Irrigation Laborer"
    becomes ``"landscape irrigation laborer"``; accents are dropped ("Cajera" and "Cajéra"
    are one word); letters of other scripts are not kept. Capitals-only abbreviations ("IT",
    "OR") are expanded only when the text is not written entirely in capitals.
    """
    text = fold_accents(clean_markup(text))
    letters = _NON_LETTER.sub("", text)
    # A letter that lower() changes is a capital; map() keeps the count at C speed.
    capitals = sum(map(str.__ne__, letters, letters.lower())) if letters else 0
    shouting = bool(letters) and capitals > 0.7 * len(letters)
    words = [_expand(token, not shouting) for token in _TOKEN.findall(text)]
    return " ".join(words)


def title_head(title: str) -> str:
    """Return the part of a title that names the job: before any parenthesis, comma or dash."""
    head = _HEAD_STOP.sub("", clean_markup(title).strip())
    return head or title


_SECTION_SPLIT = re.compile(r"\n\s*\n|\n(?=\s*[-*•·▪●]\s)|\n")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?;])\s+")


def segment(text: str, max_segments: int = 64) -> list[str]:
    """Split a long text (posting, resume) into lines and sentences worth classifying alone.

    Each past job on a resume usually sits on its own line ("Forklift Operator, ABC Co,
    2019-2021"), so lines are kept whole; long lines are split into sentences.
    """
    pieces: list[str] = []
    for line in clean_markup(text).split("\n"):
        line = line.strip(" \t-*•·▪●|")
        if not line:
            continue
        if len(line) > 200:
            pieces.extend(s for s in _SENTENCE_SPLIT.split(line) if s.strip())
        else:
            pieces.append(line)
    return pieces[:max_segments]
