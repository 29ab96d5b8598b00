"""Convert between ``Posting`` records and rows of the ``postings`` table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from jobatlas.postings.records import Compensation, OccupationCode, Posting
from jobatlas.soc import parse_onet_soc, parse_soc
from jobatlas.storage.models import PostingOccupationRow, PostingRow

POSTINGS = PostingRow.__table__
OCCUPATIONS = PostingOccupationRow.__table__

# Band keys serve duplicate detection only; reading them back for every posting would be waste.
READ_COLUMNS = [c for c in POSTINGS.c if c.name != "band_keys"]


@dataclass
class StoredPosting:
    """A posting as stored: the record plus what the database knows about it."""

    id: int
    posting: Posting
    first_seen: datetime
    last_seen: datetime
    duplicate_of: int | None = None
    distance_km: float | None = None

    @property
    def occupations(self) -> list[OccupationCode]:
        """Return the occupation codes, best first."""
        return self.posting.occupations


def posting_values(posting: Posting) -> dict[str, Any]:
    """Return the ``postings`` column values a cleaned posting provides."""
    pay = posting.compensation
    return {
        "source": posting.source,
        "source_id": posting.source_id,
        "url": posting.url,
        "title": posting.title,
        "body": posting.body or "",
        "employer": posting.employer,
        "compensation_raw": pay.raw,
        "compensation_min": pay.min_amount,
        "compensation_max": pay.max_amount,
        "compensation_unit": pay.unit,
        "compensation_currency": pay.currency,
        "employment_type": posting.employment_type,
        "posted_at": as_utc(posting.posted_at),
        "valid_through": as_utc(posting.valid_through),
        "area": posting.area,
        "locality": posting.locality,
        "region": posting.region,
        "postal_code": posting.postal_code,
        "latitude": posting.latitude,
        "longitude": posting.longitude,
        "category": posting.category,
        "fingerprint": posting.fingerprint,
        "model_version": posting.model_version if posting.occupations else None,
    }


def as_utc(value: datetime | None) -> datetime | None:
    """Return ``value`` as an aware UTC datetime; naive times from parsers are taken as UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def occupation_values(posting_id: int, codes: list[OccupationCode]) -> list[dict[str, Any]]:
    """Return ``posting_occupations`` rows for one posting's codes."""
    rows = []
    for item in codes:
        code = parse_onet_soc(item.code)
        rows.append(
            {
                "posting_id": posting_id,
                "code": code,
                "soc": parse_soc(code),
                "rank": item.rank,
                "score": float(item.score),
            }
        )
    return rows


def stored_posting(row: Any, occupations: list[OccupationCode]) -> StoredPosting:
    """Build a :class:`StoredPosting` from a ``postings`` row and its occupation codes."""
    posting = Posting(
        source=row.source,
        source_id=row.source_id,
        url=row.url,
        title=row.title,
        body=row.body,
        employer=row.employer,
        compensation=Compensation(
            raw=row.compensation_raw,
            min_amount=row.compensation_min,
            max_amount=row.compensation_max,
            unit=row.compensation_unit,
            currency=row.compensation_currency,
        ),
        employment_type=row.employment_type,
        posted_at=row.posted_at,
        valid_through=row.valid_through,
        area=row.area,
        locality=row.locality,
        region=row.region,
        postal_code=row.postal_code,
        latitude=row.latitude,
        longitude=row.longitude,
        category=row.category,
        fingerprint=row.fingerprint,
        occupations=occupations,
        model_version=row.model_version,
    )
    return StoredPosting(
        id=row.id,
        posting=posting,
        first_seen=row.first_seen,
        last_seen=row.last_seen,
        duplicate_of=row.duplicate_of,
    )
