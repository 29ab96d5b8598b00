"""Stored fixture postings for the trends tests: a few jobs with known weeks and places."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from jobatlas.postings.records import OccupationCode, Posting
from jobatlas.storage import PostingRepository, make_engine, upgrade

# Monday 2026-01-05 is the first day of ISO week 2 of 2026.
MONDAY = datetime(2026, 1, 5, tzinfo=UTC)

BODIES = {
    "driver": "Class A CDL required. Drive a tractor trailer on regional routes, forklift a plus.",
    "cook": "Line cook for a busy diner. Food handler card required. Grill and fryer work.",
    "cna": "Certified nursing assistant (CNA) for a care home. Help residents with daily care.",
}


def posting(
    source_id: str,
    kind: str,
    area: str | None = "sfbay",
    *,
    body_extra: str = "",
    posted_at: datetime | None = None,
    region: str | None = "CA",
    postal_code: str | None = None,
) -> Posting:
    """Return a posting of one of three kinds (driver, cook, nursing assistant)."""
    codes = {
        "driver": ("53-3032.00", "53-3032"),
        "cook": ("35-2014.00", "35-2014"),
        "cna": ("31-1131.00", "31-1131"),
    }
    code, _ = codes[kind]
    return Posting(
        source="craigslist",
        source_id=source_id,
        url=f"https://example.org/{source_id}",
        title=f"{kind.title()} wanted {source_id}",
        body=BODIES[kind] + body_extra,
        area=area,
        region=region,
        postal_code=postal_code,
        posted_at=posted_at,
        occupations=[OccupationCode(code=code, score=0.9, rank=1)],
    )


@pytest.fixture
def trends_engine(database_url):
    upgrade(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def repository(trends_engine):
    return PostingRepository(trends_engine)
