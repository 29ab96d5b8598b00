"""Fingerprint a posting's content so that exact reposts and cross-posts can be found."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import unicodedata

from jobatlas.postings.records import Posting

_NON_WORD = re.compile(r"[\W_]+")
_DIGITS = re.compile(r"\d+")


def normalize_text(text: str) -> str:
    """Return ``text`` case-folded, with numbers, punctuation and whitespace folded.

    Reposts change phone extensions, dates, pay by a dollar and spacing; folding those keeps the
    same ad on the same fingerprint.
    """
    value = unicodedata.normalize("NFKC", text).casefold()
    value = _DIGITS.sub(" ", value)
    return " ".join(_NON_WORD.sub(" ", value).split())


def content_fingerprint(title: str, body: str) -> str:
    """Return a 32-hex-digit hash of the normalized title and body."""
    content = normalize_text(title) + "\n" + normalize_text(body)
    return hashlib.blake2b(content.encode("utf-8"), digest_size=16).hexdigest()


def fingerprint(posting: Posting) -> Posting:
    """Set the posting's ``fingerprint`` from its title and body."""
    value = content_fingerprint(posting.title, posting.body)
    if value == posting.fingerprint:
        return posting
    return dataclasses.replace(posting, fingerprint=value)
