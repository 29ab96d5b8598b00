"""Run every cleaning step on a posting, in order."""

from __future__ import annotations

from collections.abc import Callable

from jobatlas.postings.clean.fingerprint import fingerprint
from jobatlas.postings.clean.normalize_compensation import normalize_compensation
from jobatlas.postings.clean.normalize_employment_type import normalize_employment_type
from jobatlas.postings.clean.normalize_location import normalize_location
from jobatlas.postings.records import Posting

STEPS: tuple[Callable[[Posting], Posting], ...] = (
    normalize_compensation,
    normalize_employment_type,
    normalize_location,
    fingerprint,
)


def clean_posting(posting: Posting) -> Posting:
    """Return the posting after every step in ``STEPS``; the input is not changed."""
    for step in STEPS:
        posting = step(posting)
    return posting
