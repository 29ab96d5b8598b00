"""Growth stored by the refresh equals growth computed on demand from the stored series."""

import random
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pytest
from sqlalchemy import delete, func, select

from jobatlas.storage import PostingRepository
from jobatlas.trends import growth_store
from jobatlas.trends.growth_store import growth_end, read_growth, write_growth
from jobatlas.trends.report import end_week, growth_rows, occupation_table, resolve_place
from jobatlas.trends.series import refresh, week_start
from jobatlas.trends.tables import trend_growth

from .conftest import posting

PLACES = [
    {},
    {"area": "sfbay"},
    {"area": "chicago"},
    {"state": "CA"},
]
WEEKS = 70  # more than a year: both comparisons, some series too short for the year-ago one


def _seed(engine) -> None:
    """Store 70 weeks of drivers, cooks and nursing assistants in two areas, some bursty."""
    rng = random.Random(11)
    this_monday = datetime.combine(week_start(datetime.now(UTC)), datetime.min.time(), UTC)
    sightings = []
    for weeks_ago in range(WEEKS, 0, -1):
        monday = this_monday - timedelta(weeks=weeks_ago)
        counts = {
            ("driver", "sfbay"): rng.randint(2, 6),
            ("driver", "chicago"): 15 * (weeks_ago % 4 == 0),  # bursts: overdispersed
            ("cook", "sfbay"): rng.randint(0, 2) if weeks_ago < 40 else 0,  # starts late
            ("cna", "chicago"): rng.randint(0, 1),  # small: suppressed
        }
        for (kind, area), n in counts.items():
            region = "CA" if area == "sfbay" else "IL"
            for i in range(n):
                tag = f"{kind}-{area}-{weeks_ago}-{i}"
                extra = f" ref {tag} " + " ".join(rng.choice("abcdefghij") * 4 for _ in range(25))
                record = posting(tag, kind, area, region=region, body_extra=extra)
                first = monday + timedelta(days=rng.randint(0, 6), hours=rng.randint(0, 23))
                sightings.append((record, first, first + timedelta(days=rng.randint(0, 40))))
    PostingRepository(engine).upsert_sightings(sightings)


@pytest.fixture
def seeded(trends_engine):
    _seed(trends_engine)
    refresh(trends_engine)
    return trends_engine


def _both_ways(engine, place, level, metric, dimension="occupation"):
    end = end_week(engine)
    where = {"level": level} if dimension == "occupation" else {}
    stored = read_growth(
        engine,
        dimension=dimension,
        geo_level=place.geo_level,
        geo=place.geo,
        metric=metric,
        end=end,
        **where,
    )
    with engine.begin() as connection:
        saved = [dict(r) for r in connection.execute(select(trend_growth)).mappings()]
        connection.execute(delete(trend_growth))
    try:
        computed = growth_rows(engine, dimension, place, metric, end, **where)
    finally:
        with engine.begin() as connection:
            connection.execute(trend_growth.insert(), saved)
    fields = list(computed[0]) if computed else []
    return _plain(stored, fields), _plain(computed, fields)


def _plain(rows, fields):
    return sorted(({k: r[k] for k in fields} for r in rows or []), key=lambda r: r["key"])


@pytest.mark.parametrize("metric", ["new", "active"])
@pytest.mark.parametrize("level", ["detailed", "major"])
def test_stored_growth_equals_growth_computed_on_demand(seeded, metric, level):
    for where in PLACES:
        place = resolve_place(seeded, **where)
        stored, computed = _both_ways(seeded, place, level, metric)
        assert stored, f"nothing stored for {place}"
        assert stored == computed
    # The fixture exercises every branch of the growth rule somewhere.
    rows = growth_rows(seeded, "occupation", resolve_place(seeded), "new", end_week(seeded))
    methods = {r["previous_method"] for r in rows} | {r["year_ago_method"] for r in rows}
    reasons = " ".join(r["previous_suppressed"] or "" for r in rows) + " ".join(
        r["year_ago_suppressed"] or "" for r in rows
    )
    assert {"exact-conditional", "quasi-poisson"} <= methods
    assert "fewer than" in reasons and "weeks of data" in reasons


def test_stored_skill_growth_equals_growth_computed_on_demand(seeded):
    place = resolve_place(seeded, area="sfbay")
    stored, computed = _both_ways(seeded, place, None, "new", dimension="skill")
    assert stored and stored == computed


def test_tables_read_stored_growth_and_fall_back_when_it_is_stale(seeded):
    place = resolve_place(seeded, area="sfbay")
    fresh = occupation_table(seeded, place)
    assert fresh.rows and fresh.rows[0]["recent"] is not None
    # A refresh made in an earlier week stored growth at an earlier end: not used now.
    earlier = datetime.now(UTC) - timedelta(weeks=3)
    with seeded.begin() as connection:
        write_growth(connection, earlier.date())
        stored_end = connection.execute(select(func.max(trend_growth.c.end_week))).scalar()
    assert str(stored_end) < end_week(seeded).isoformat()
    assert (
        read_growth(
            seeded,
            dimension="occupation",
            geo_level="area",
            geo="sfbay",
            metric="new",
            end=end_week(seeded),
        )
        is None
    )
    assert occupation_table(seeded, place).to_dict() == fresh.to_dict()
    # A refresh with nothing new brings the stored growth up to date again.
    refresh(seeded)
    with seeded.connect() as connection:
        current = connection.execute(select(func.max(trend_growth.c.end_week))).scalar()
    assert str(current) == end_week(seeded).isoformat()


def test_growth_end_is_the_last_complete_week():
    monday = datetime(2026, 11, 30, tzinfo=UTC).date()
    assert growth_end(None, monday) is None
    assert growth_end(monday, monday + timedelta(days=3)) == monday - timedelta(weeks=1)
    earlier = monday - timedelta(weeks=5)
    assert growth_end(earlier, monday) == earlier


def _stored(engine) -> list[dict]:
    with engine.connect() as connection:
        query = select(trend_growth).order_by(*trend_growth.primary_key.columns)
        return [dict(row) for row in connection.execute(query).mappings()]


def test_growth_written_in_small_blocks_equals_growth_written_at_once(seeded, monkeypatch):
    once = _stored(seeded)
    monkeypatch.setattr(growth_store, "_BLOCK", 1)  # PostgreSQL: one place per COPY block
    with seeded.begin() as connection:
        written = write_growth(connection, datetime.now(UTC).date())
    assert written == len(once) > 0
    assert _stored(seeded) == once


def test_blocks_keep_each_place_whole():
    sums = pa.table(
        {
            "geo_level": ["area"] * 5 + ["nation"] * 2,
            "geo": ["a", "a", "a", "b", "b", "us", "us"],
            "dimension": ["occupation"] * 4 + ["skill"] + ["occupation"] * 2,
        }
    )
    assert list(growth_store._blocks(sums, 2)) == [(0, 3), (3, 5), (5, 7)]
    assert list(growth_store._blocks(sums, 1)) == [(0, 3), (3, 4), (4, 5), (5, 7)]
    assert list(growth_store._blocks(sums, 100)) == [(0, 7)]


def test_growth_key_migration_keeps_rows_and_leads_with_the_end_week(database_url):
    from sqlalchemy import inspect

    from jobatlas.storage import downgrade, make_engine, upgrade

    upgrade(database_url, "0008")
    engine = make_engine(database_url)
    row = {c.name: None for c in trend_growth.columns if c.name != "end_week"}
    row |= {"geo_level": "nation", "geo": "US", "dimension": "occupation", "metric": "new",
            "level": "detailed", "key": "35-2014", "active": 3}  # fmt: skip
    monday = week_start(datetime(2026, 11, 2, tzinfo=UTC))
    try:
        with engine.begin() as connection:
            connection.execute(trend_growth.insert().values(**row, end_week=monday))
        upgrade(database_url)
        key = inspect(engine).get_pk_constraint("trend_growth")["constrained_columns"]
        assert key[0] == "end_week"
        with engine.begin() as connection:
            # Two end weeks of one series fit the new key (a refresh mid-way writes the next).
            later = monday + timedelta(weeks=1)
            connection.execute(trend_growth.insert().values(**row | {"active": 4}, end_week=later))
        downgrade(database_url, "0008")
        with engine.connect() as connection:
            kept = connection.execute(select(trend_growth.c.end_week, trend_growth.c.active)).all()
        assert [(str(end), active) for end, active in kept] == [(str(later), 4)]
    finally:
        engine.dispose()
