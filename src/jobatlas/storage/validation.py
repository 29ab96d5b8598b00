"""Check a posting before it is stored: a bad record is rejected with a reason, never stored."""

from __future__ import annotations

import math
from datetime import datetime

from jobatlas.postings.records import Compensation, OccupationCode, Posting
from jobatlas.soc import InvalidSocCode, parse_onet_soc

PAY_UNITS = frozenset({"hour", "day", "week", "month", "year", "piece"})

# Longest text each field may hold; longer means a parser grabbed the wrong element.
MAX_LENGTHS = {
    "source": 40,
    "source_id": 200,
    "url": 2000,
    "title": 1000,
    "body": 200_000,
    "employer": 1000,
    "employment_type": 200,
    "area": 40,
    "locality": 500,
    "region": 100,
    "postal_code": 20,
    "category": 20,
    "fingerprint": 32,
    "model_version": 80,
}
REQUIRED = ("source", "source_id", "url", "title")


class InvalidPosting(ValueError):
    """A posting that cannot be stored; the message says why."""


def validate_posting(posting: object) -> None:
    """Raise :class:`InvalidPosting` with a clear reason if ``posting`` cannot be stored."""
    if not isinstance(posting, Posting):
        raise InvalidPosting(f"expected a Posting, got {type(posting).__name__}")
    _check_text(posting)
    _check_dates(posting)
    _check_coordinates(posting.latitude, posting.longitude)
    _check_compensation(posting.compensation)
    check_occupations(posting.occupations)


def _check_text(posting: Posting) -> None:
    for name, limit in MAX_LENGTHS.items():
        value = getattr(posting, name)
        if value is None and name not in REQUIRED and name != "body":
            continue
        if not isinstance(value, str):
            raise InvalidPosting(f"{name} must be text, got {type(value).__name__}")
        if name in REQUIRED and not value.strip():
            raise InvalidPosting(f"{name} is empty")
        if len(value) > limit:
            raise InvalidPosting(f"{name} is {len(value)} characters long (limit {limit})")
        if not _is_encodable(value):
            raise InvalidPosting(f"{name} is not valid Unicode text")
    if not posting.url.startswith(("http://", "https://")):
        raise InvalidPosting(f"url must start with http:// or https://, got {posting.url[:80]!r}")


def _is_encodable(value: str) -> bool:
    if value.isascii():  # most text; checking is far cheaper than encoding
        return True
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates from broken decoding
        return False
    return True


def _check_dates(posting: Posting) -> None:
    for name in ("posted_at", "valid_through"):
        value = getattr(posting, name)
        if value is not None and not isinstance(value, datetime):
            raise InvalidPosting(f"{name} must be a datetime, got {type(value).__name__}")


def _check_coordinates(lat: object, lon: object) -> None:
    if lat is None and lon is None:
        return
    if lat is None or lon is None:
        raise InvalidPosting("latitude and longitude must be given together")
    if not all(_is_number(v) for v in (lat, lon)):
        raise InvalidPosting(f"coordinates must be finite numbers, got ({lat!r}, {lon!r})")
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):  # type: ignore[operator]
        raise InvalidPosting(f"coordinates ({lat}, {lon}) are out of range")


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _check_compensation(pay: object) -> None:
    if not isinstance(pay, Compensation):
        raise InvalidPosting(f"compensation must be a Compensation, got {type(pay).__name__}")
    if pay.raw is not None and (not isinstance(pay.raw, str) or len(pay.raw) > 1000):
        raise InvalidPosting("compensation.raw must be text of at most 1000 characters")
    for name in ("min_amount", "max_amount"):
        value = getattr(pay, name)
        if value is not None and (not _is_number(value) or value < 0):
            raise InvalidPosting(f"compensation.{name} must be a number >= 0, got {value!r}")
    if (
        pay.min_amount is not None
        and pay.max_amount is not None
        and pay.min_amount > pay.max_amount
    ):
        raise InvalidPosting(
            f"compensation minimum {pay.min_amount} is above the maximum {pay.max_amount}"
        )
    if pay.unit is not None and pay.unit not in PAY_UNITS:
        raise InvalidPosting(
            f"compensation.unit must be one of {sorted(PAY_UNITS)}, got {pay.unit!r}"
        )
    if not isinstance(pay.currency, str) or len(pay.currency) != 3:
        raise InvalidPosting(f"compensation.currency must be a 3-letter code, got {pay.currency!r}")


def check_occupations(occupations: object) -> None:
    """Raise :class:`InvalidPosting` unless ``occupations`` is a list of valid, distinct codes."""
    if not isinstance(occupations, list):
        raise InvalidPosting("occupations must be a list of OccupationCode")
    seen = set()
    for item in occupations:
        if not isinstance(item, OccupationCode):
            raise InvalidPosting(f"occupations must hold OccupationCode, got {type(item).__name__}")
        try:
            code = parse_onet_soc(item.code)
        except InvalidSocCode as exc:
            raise InvalidPosting(f"occupation code: {exc}") from None
        if code in seen:
            raise InvalidPosting(f"occupation code {code} is given twice")
        seen.add(code)
        if not _is_number(item.score):
            raise InvalidPosting(f"occupation {code} score must be a finite number")
        if not isinstance(item.rank, int) or isinstance(item.rank, bool) or item.rank < 1:
            raise InvalidPosting(f"occupation {code} rank must be an integer >= 1")
