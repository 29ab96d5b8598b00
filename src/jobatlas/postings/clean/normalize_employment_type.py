"""Map employment-type text ("Full Time", "part-time", "1099") to schema.org values."""

from __future__ import annotations

import dataclasses
import re
from typing import Any

from jobatlas.postings.records import Posting

# schema.org JobPosting.employmentType values, checked in this order (most specific first).
_TYPES = (
    ("INTERN", r"intern(ship)?"),
    ("PER_DIEM", r"per[\s_-]*diem|prn"),
    ("VOLUNTEER", r"volunteer|unpaid"),
    ("TEMPORARY", r"temp(orary)?|seasonal|temp[\s_-]*to[\s_-]*hire"),
    ("CONTRACTOR", r"contract(or)?|contract[\s_-]*to[\s_-]*hire|1099|freelance|gig|independent"),
    ("PART_TIME", r"part[\s_-]*time|pt|p/t"),
    ("FULL_TIME", r"full[\s_-]*time|ft|f/t|permanent|employee['’]?s? choice|w-?2"),
    ("OTHER", r"other"),
)
_PATTERNS = tuple((value, re.compile(rf"\b(?:{p})\b", re.IGNORECASE)) for value, p in _TYPES)
SCHEMA_ORG_TYPES = frozenset(value for value, _ in _TYPES)


def parse_employment_type(text: str | None) -> str | None:
    """Return the schema.org employment type named in ``text``, or ``None`` if none is."""
    if not text or not text.strip():
        return None
    candidate = text.strip().upper().replace("-", "_").replace(" ", "_")
    if candidate in SCHEMA_ORG_TYPES:
        return candidate
    for value, pattern in _PATTERNS:
        if pattern.search(text):
            return value
    return None


def normalize_employment_type(posting: Posting) -> Posting:
    """Replace the posting's employment type with its schema.org value (``None`` if unknown)."""
    changes = employment_type_changes(posting)
    return dataclasses.replace(posting, **changes) if changes else posting


def employment_type_changes(posting: Posting) -> dict[str, Any]:
    """Return the fields :func:`normalize_employment_type` changes."""
    value = parse_employment_type(posting.employment_type)
    return {} if value == posting.employment_type else {"employment_type": value}
