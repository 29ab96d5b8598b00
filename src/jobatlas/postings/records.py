"""The one posting schema every source produces, close to schema.org ``JobPosting``."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class Compensation:
    """Pay as the ad states it, plus what could be parsed from it."""

    raw: str | None = None
    min_amount: float | None = None
    max_amount: float | None = None
    unit: str | None = None  # "hour", "day", "week", "month", "year", "piece"
    currency: str = "USD"


@dataclass
class OccupationCode:
    """One O*NET-SOC code assigned to a posting by a model version."""

    code: str  # O*NET-SOC 2019, e.g. "53-3032.00"
    score: float
    rank: int = 1


@dataclass
class Posting:
    """A job posting from any source.

    ``source`` plus ``source_id`` identify a posting; ``fingerprint`` identifies its content so
    that reposts and cross-posts can be linked to the first copy.
    """

    source: str  # "craigslist", "jsonld", ...
    source_id: str
    url: str
    title: str
    body: str = ""
    employer: str | None = None
    compensation: Compensation = field(default_factory=Compensation)
    employment_type: str | None = None  # schema.org values: FULL_TIME, PART_TIME, CONTRACTOR, ...
    posted_at: datetime | None = None
    valid_through: datetime | None = None
    area: str | None = None  # Craigslist area abbreviation or another source's region code
    locality: str | None = None  # city / neighbourhood text as the ad gives it
    region: str | None = None  # state (two-letter) when known
    postal_code: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    category: str | None = None  # Craigslist category code, e.g. "trd"
    fingerprint: str | None = None
    occupations: list[OccupationCode] = field(default_factory=list)
    model_version: str | None = None
