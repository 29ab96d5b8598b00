"""The load-test data generator and the plan checker of ``bench.bench_scale`` (PostgreSQL)."""

from __future__ import annotations

import pytest
from bench import scale_data
from bench.bench_scale import check_indexed, explain, index_use, sequential_scans
from sqlalchemy import text

from jobatlas.storage import make_engine

pytestmark = [pytest.mark.postgres, pytest.mark.slow]


@pytest.fixture
def generated(pg_database_url):
    """Generate 2,000 postings into a throwaway database; yield its engine and the timings."""
    timings = scale_data.load(pg_database_url, rows=2000, seed=3)
    engine = make_engine(pg_database_url)
    yield engine, timings
    engine.dispose()


def _one(engine, sql: str):
    with engine.connect() as connection:
        return connection.execute(text(sql)).one()


def test_generator_fills_varied_linked_rows_and_restores_indexes(generated):
    engine, timings = generated
    rows, sources, areas, states, days, reposts = _one(
        engine,
        "SELECT count(*), count(DISTINCT source), count(DISTINCT area), count(DISTINCT region),"
        " extract(day FROM max(first_seen) - min(first_seen)),"
        " count(duplicate_of) FROM postings",
    )
    assert (rows, sources) == (2000, 1)
    assert areas > 50 and states > 20 and days > 300
    assert 20 <= reposts <= 120  # about 3%
    no_code, orphans = _one(
        engine,
        "SELECT (SELECT count(*) FROM postings p WHERE NOT EXISTS (SELECT 1 FROM"
        " posting_occupations o WHERE o.posting_id = p.id AND o.rank = 1)),"
        " (SELECT count(*) FROM postings d JOIN postings o ON o.id = d.duplicate_of"
        "  WHERE o.duplicate_of IS NOT NULL OR o.id >= d.id)",
    )
    assert (no_code, orphans) == (0, 0)
    assert timings["occupations_rows"] > 2000
    assert "ix_postings_latitude_strip_longitude" in timings["indexes"]
    with engine.connect() as connection:
        restored = scale_data.secondary_indexes(connection.connection.driver_connection)
    assert [name for name, _ in restored] == timings["indexes"]


def test_generator_refuses_a_database_with_other_postings(generated, pg_database_url):
    engine, _ = generated
    with engine.begin() as connection:
        connection.execute(text("UPDATE postings SET source = 'craigslist' WHERE id = 1"))
    with pytest.raises(SystemExit, match="other postings"):
        scale_data.load(pg_database_url, rows=10, seed=3)


def test_plan_checker_tells_index_use_from_a_full_scan(generated):
    engine, _ = generated
    by_key = explain(
        engine, "SELECT title FROM postings WHERE source = 'x' AND source_id = %(id)s", {"id": "5"}
    )
    full = explain(engine, "SELECT count(*) FROM postings WHERE body LIKE '%%wanted%%'", {})
    assert index_use(by_key) == {"uq_postings_source_source_id"}
    assert sequential_scans(by_key) == set()
    assert sequential_scans(full) == {"postings"} and index_use(full) == set()
    plans = {"key": {"plan": by_key}, "full": {"plan": full}}
    assert check_indexed(plans, ["key"]) == []
    assert check_indexed(plans, ["full"]) == [
        "full: no index used",
        "full: sequential scan of postings",
    ]
