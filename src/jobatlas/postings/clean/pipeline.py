"""Run every cleaning step on a posting, in order."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from jobatlas.postings.clean.fingerprint import fingerprint_changes
from jobatlas.postings.clean.normalize_compensation import compensation_changes
from jobatlas.postings.clean.normalize_employment_type import employment_type_changes
from jobatlas.postings.clean.normalize_location import location_changes
from jobatlas.postings.records import Posting

# Each step returns the fields it changes. No step reads a field another one writes, so all of
# them can look at the input and the posting is copied once: a copy per step was a large share
# of the time spent storing a posting.
STEPS: tuple[Callable[[Posting], dict[str, Any]], ...] = (
    compensation_changes,
    employment_type_changes,
    location_changes,
    fingerprint_changes,
)


def clean_posting(posting: Posting) -> Posting:
    """Return the posting after every step in ``STEPS``; the input is not changed."""
    changes: dict[str, Any] = {}
    for step in STEPS:
        changes.update(step(posting))
    if not changes:
        return posting
    # A shallow copy costs a third of dataclasses.replace, which re-runs __init__ field by
    # field; every field is set as it was or to a value a step built.
    cleaned = copy.copy(posting)
    for name, value in changes.items():
        setattr(cleaned, name, value)
    return cleaned
