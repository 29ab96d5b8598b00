"""Fixtures for storage tests: a migrated database on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from jobatlas.postings.records import Compensation, Posting
from jobatlas.storage import CrawlStateRepository, PostingRepository, make_engine, upgrade

BODIES = [
    "Warehouse associate needed for our {city} distribution center. You will pick, pack and "
    "ship customer orders, load and unload trucks, and keep the floor clean and safe. Forklift "
    "experience is a plus but we will train the right person. Day shift Monday through Friday, "
    "with overtime available most weeks. Weekly pay, benefits after 90 days.",
    "Busy restaurant in {city} is hiring a line cook. Grill, saute and fry station experience "
    "required, at least one year in a high volume kitchen. Evenings and weekends, free staff "
    "meal every shift, tips shared with the kitchen. Food handler card a must.",
    "Home health aide wanted to care for an elderly client in {city}. Help with bathing, "
    "dressing, meals, light housekeeping and medication reminders. Must have a reliable car, "
    "a clean background check and CPR certification. Flexible part time hours.",
    "Licensed electrician for commercial tenant improvement work around {city}. Run conduit, "
    "pull wire, install panels and fixtures, read blueprints. Own hand tools and a valid "
    "driver license required. Union scale, full benefits, steady work all year.",
    "Night janitor for office buildings in {city}. Vacuum, mop and buff floors, empty trash, "
    "clean restrooms and break rooms, restock supplies. Shifts start at 10pm, five nights a "
    "week. No experience needed, paid training, uniforms provided.",
]


TITLES = ["Warehouse Associate", "Line Cook", "Home Health Aide", "Electrician", "Janitor"]


@pytest.fixture
def engine(database_url):
    upgrade(database_url)
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def repository(engine) -> PostingRepository:
    return PostingRepository(engine)


@pytest.fixture
def crawl_state(engine) -> CrawlStateRepository:
    return CrawlStateRepository(engine)


@pytest.fixture
def make_posting():
    """Return a factory of realistic postings."""
    return _make_posting


def _make_posting(number: int, kind: int = 0, city: str = "Oakland", **fields) -> Posting:
    """Return a realistic posting; ``kind`` picks one of five different ads."""
    values = {
        "source": "craigslist",
        "source_id": str(7700000000 + number),
        "url": f"https://sfbay.craigslist.org/eby/d/{number}.html",
        "title": TITLES[kind],
        "body": BODIES[kind].format(city=city),
        "compensation": Compensation(raw="$18 - $22 per hour"),
        "area": "sfbay",
        "latitude": 37.8044,
        "longitude": -122.2712,
        "posted_at": datetime(2026, 11, 1, 12, 0, tzinfo=UTC),
    }
    values.update(fields)
    return Posting(**values)
