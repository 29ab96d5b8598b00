"""Crawl fixtures: the local stand-in site and quick crawl settings."""

from __future__ import annotations

import pytest

from jobatlas.config import Settings
from jobatlas.storage import PostingRepository, make_engine
from jobatlas.testing.site import LocalCraigslist

# Small delays and timeouts; the polite defaults are asserted separately in test_settings.py.
FAST = {"DOWNLOAD_TIMEOUT": 4, "LOG_LEVEL": "WARNING", "CONCURRENT_REQUESTS_PER_DOMAIN": 4}
SITE_AREAS = ("sfbay", "boston", "newyork")  # one area per discovery method


@pytest.fixture
def site():
    """Three areas (sitemap, search JSON, listing pages), every fault injected once."""
    with LocalCraigslist(areas=SITE_AREAS, per_category=5, timeout_seconds=7) as running:
        yield running


def crawl_settings_for(url: str, cache_dir) -> Settings:
    return Settings(database_url=url, cache_dir=cache_dir)


def stored(url: str) -> dict[str, dict]:
    """Return every stored posting (duplicates too) keyed by source id.

    Which copy of a near-duplicate pair counts as the original depends on arrival order, so
    only the number of linked copies is compared, under the key ``"#duplicates"``.
    """
    engine = make_engine(url)
    repository = PostingRepository(engine)
    rows, offset = [], 0
    while True:
        page = repository.search(limit=1000, offset=offset, include_duplicates=True, max_rank=None)
        rows += page
        offset += len(page)
        if len(page) < 1000:
            break
    engine.dispose()
    return {
        row.posting.source_id: {
            "title": row.posting.title,
            "body": row.posting.body,
            "url": row.posting.url,
            "area": row.posting.area,
            "category": row.posting.category,
            "occupations": [(o.code, o.rank) for o in row.posting.occupations],
        }
        for row in rows
    } | {"#duplicates": sum(row.duplicate_of is not None for row in rows)}
