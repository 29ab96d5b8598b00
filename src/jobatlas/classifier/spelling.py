"""Correct misspelled words of job text to the training vocabulary ("Forklft Opertor").

A misspelled word matches no word n-gram and few character n-grams, so a title with a typo
scores like a title the model has never seen. Each unknown word of five letters or more is
replaced by the known word closest in optimal-string-alignment distance (an edit is one
insertion, deletion, substitution or swap of neighbouring letters): at most one edit for
words under eight letters, two for longer ones; among equally close words, the one found in
most training texts. Words with no known word that close are left as they are, and so are
words of ordinary English that O*NET happens not to use ("diner", "grilled"): one edit from a
job word ("liner", "drilled") is not a typo when the word is common. Word frequencies come
from ``wordfreq`` (its English list, loaded on the first unknown word). Before any of that, an
unknown verb form whose base form is known becomes the base form ("drove" -> "drive",
"mopped" -> "mop"): O*NET's tasks say what is done in the base form.

Every word of the training texts is known and left alone; corrections go to the single
words of the fitted word n-gram vocabulary (words of at least two training texts), whose
document frequencies are read back from the idf.
"""

from __future__ import annotations

import weakref
from collections import defaultdict

from rapidfuzz import process
from rapidfuzz.distance import OSA

MIN_LETTERS = 5
LONG_WORD = 8  # from this many letters on, two edits are allowed
CACHE_SIZE = 100_000
# Zipf frequency (log10 of uses per billion words) from which a word counts as English:
# 2.5 is about one use in three million words; typos, even common ones ("recieving" 2.1,
# "maintanence" 1.2), are rarer.
ENGLISH_ZIPF = 2.5


class Speller:
    """Replace unknown words of normalized text by their closest known word."""

    def __init__(self, frequency: dict[str, float], known=()):
        # ``frequency``: word a typo may become -> how common it is (only the order matters);
        # ``known``: more words never corrected (those of a single training text).
        self.known = frozenset(frequency).union(known)
        self._frequency = frequency
        by_length: dict[int, list[str]] = defaultdict(list)
        for word in frequency:
            if word.isalpha():
                by_length[len(word)].append(word)
        self._by_length = dict(by_length)
        self._cache: dict[str, str] = {}

    def correct(self, text: str) -> str:
        """Return normalized ``text`` with each unknown word corrected (the usual text has
        none, found with one set operation; then ``text`` itself comes back)."""
        words = text.split()
        unknown = set(words).difference(self.known)
        if not unknown:
            return text
        # Most unknown words of a resume are names, places and numbers, which stay.
        fixed = {w: c for w in unknown if (c := self.correct_word(w)) != w}
        return " ".join([fixed.get(w, w) for w in words]) if fixed else text

    def correct_word(self, word: str) -> str:
        """Return the known word closest to ``word``, or ``word`` when none is close."""
        fixed = self._cache.get(word)
        if fixed is None:
            fixed = self._closest(word)
            if len(self._cache) >= CACHE_SIZE:
                self._cache.clear()
            self._cache[word] = fixed
        return fixed

    def _closest(self, word: str) -> str:
        if not word.isalpha() or word in self.known:
            return word
        base = self._base_form(word)
        if base is not None:
            return base
        if len(word) < MIN_LETTERS or is_english_word(word):
            return word
        edits = 2 if len(word) >= LONG_WORD else 1
        choices = [known for length in range(len(word) - edits, len(word) + edits + 1)
                   for known in self._by_length.get(length, ())]
        found = process.extract(word, choices, scorer=OSA.distance, score_cutoff=edits,
                                limit=None)
        if not found:
            return word
        # Fewest edits first, then the word of most training texts, then alphabetical.
        best = min(found, key=lambda hit: (hit[1], -self._frequency[hit[0]], hit[0]))
        return best[0]

    def _base_form(self, word: str) -> str | None:
        """Return the known base form of an unknown verb form ("drove" -> "drive", "mopped" ->
        "mop", "mopping" -> "mop"), else None.

        O*NET tasks are written in the base form ("Drive trucks", "Mop floors"); people
        describe their work in the past tense ("I drove a truck"), which shares few letters
        with it: "I drove a truck" gave Heavy and Tractor-Trailer Truck Drivers only 0.25.
        """
        for base in _base_candidates(word):
            if base in self._frequency:
                return base
        return None


# Irregular past forms of verbs of work; regular ones ("cleaned", "stocked") follow rules.
IRREGULAR_PAST = {
    "drove": "drive", "driven": "drive", "built": "build", "sewn": "sew", "fed": "feed",
    "taught": "teach", "swept": "sweep", "dug": "dig", "hung": "hang", "laid": "lay",
    "sold": "sell", "bought": "buy", "brought": "bring", "caught": "catch", "held": "hold",
    "kept": "keep", "led": "lead", "made": "make", "ran": "run", "rode": "ride", "sent": "send",
    "spent": "spend", "stood": "stand", "took": "take", "wore": "wear", "wrote": "write",
    "written": "write", "grew": "grow", "grown": "grow", "drew": "draw", "flew": "fly",
    "threw": "throw", "thrown": "throw", "spoke": "speak", "dealt": "deal", "paid": "pay",
    "fought": "fight", "froze": "freeze", "frozen": "freeze", "shook": "shake", "woven": "weave",
    "wove": "weave", "bent": "bend", "lit": "light", "split": "split", "cut": "cut",
}


def _base_candidates(word: str):
    """Yield base forms an English verb form may have, most likely first."""
    if word in IRREGULAR_PAST:
        yield IRREGULAR_PAST[word]
    for suffix in ("ed", "ing"):
        stem = word[:-len(suffix)]
        if not word.endswith(suffix) or len(stem) < 3:  # "reed" is no form of "re"
            continue
        yield stem  # fixed, picked, cleaning
        yield stem + "e"  # baked, using
        if stem[-1] == stem[-2]:
            yield stem[:-1]  # mopped, shipping
        if suffix == "ed" and stem.endswith("i"):
            yield stem[:-1] + "y"  # carried


def is_english_word(word: str) -> bool:
    """Whether ``word`` is common enough in English not to be a typo."""
    from wordfreq import zipf_frequency  # its word list costs 37 MB: only when needed

    return zipf_frequency(word, "en") >= ENGLISH_ZIPF


_SPELLERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def speller_for(word_vectorizer, known=()) -> Speller:
    """Return the speller of a fitted word n-gram ``TfidfVectorizer`` (built once, cached),
    with the words ``known`` besides its vocabulary."""
    speller = _SPELLERS.get(word_vectorizer)
    if speller is None:
        idf = word_vectorizer.idf_
        # A lower idf means more training texts hold the word.
        frequency = {gram: -float(idf[column])
                     for gram, column in word_vectorizer.vocabulary_.items() if " " not in gram}
        speller = _SPELLERS[word_vectorizer] = Speller(frequency, known)
    return speller
