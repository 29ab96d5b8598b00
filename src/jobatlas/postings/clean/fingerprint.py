"""Fingerprint a posting's content so that exact reposts and cross-posts can be found."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import re
import unicodedata
from typing import Any

from jobatlas.postings.records import Posting

# A word is a run of letters: digits, underscores, punctuation and spaces all separate words.
_WORD = re.compile(r"[^\W\d_]+")
_ASCII_WORD = re.compile(r"[a-z]+")


def normalize_text(text: str) -> str:
    """Return ``text`` case-folded, with numbers, punctuation and whitespace folded.

    Reposts change phone extensions, dates, pay by a dollar and spacing; folding those keeps the
    same ad on the same fingerprint.
    """
    return " ".join(text_words(text))


@functools.lru_cache(maxsize=64)
def text_words(text: str) -> tuple[str, ...]:
    """Return the words of the normalized text (see :func:`normalize_text`)."""
    # Cached because storing a posting fingerprints its text and then shingles the same text;
    # a small cache is enough since both happen one posting at a time.
    if text.isascii():
        # NFKC leaves ASCII unchanged and casefold is lower(); the plain class is twice as fast.
        return tuple(_ASCII_WORD.findall(text.lower()))
    return tuple(_WORD.findall(unicodedata.normalize("NFKC", text).casefold()))


def content_fingerprint(title: str, body: str) -> str:
    """Return a 32-hex-digit hash of the normalized title and body."""
    content = normalize_text(title) + "\n" + normalize_text(body)
    return hashlib.blake2b(content.encode("utf-8"), digest_size=16).hexdigest()


def fingerprint(posting: Posting) -> Posting:
    """Set the posting's ``fingerprint`` from its title and body."""
    changes = fingerprint_changes(posting)
    return dataclasses.replace(posting, **changes) if changes else posting


def fingerprint_changes(posting: Posting) -> dict[str, Any]:
    """Return the fields :func:`fingerprint` changes."""
    value = content_fingerprint(posting.title, posting.body)
    return {} if value == posting.fingerprint else {"fingerprint": value}
