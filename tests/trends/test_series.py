from datetime import UTC, date, datetime, timedelta

import pandas as pd
from sqlalchemy import func, select

from jobatlas.trends.series import count_weeks, read_series, refresh, week_start
from jobatlas.trends.tables import trend_refreshes

from .conftest import MONDAY, posting


def _values(engine, key, level="detailed", geo_level="nation", geo="US", dimension="occupation"):
    frame = read_series(
        engine, dimension=dimension, level=level, keys=[key], geo_level=geo_level, geo=geo
    )
    return {
        w.date(): (n, a)
        for w, n, a in zip(frame["week"], frame["new"], frame["active"], strict=True)
    }


def test_week_start_is_monday_utc():
    assert week_start(date(2026, 1, 11)) == date(2026, 1, 5)  # Sunday
    assert week_start(date(2026, 1, 12)) == date(2026, 1, 12)  # Monday
    # Sunday 23:30 in New York is Monday 04:30 UTC: the UTC week counts.
    from zoneinfo import ZoneInfo

    late = datetime(2026, 1, 11, 23, 30, tzinfo=ZoneInfo("America/New_York"))
    assert week_start(late) == date(2026, 1, 12)


def test_count_weeks_boundaries_and_time_zones():
    jobs = pd.DataFrame(
        {
            # Sunday 23:59:59 UTC is the last moment of the week; Monday 00:00 starts the next one.
            "start": [
                datetime(2026, 1, 11, 23, 59, 59, tzinfo=UTC),
                datetime(2026, 1, 12, tzinfo=UTC),
                datetime(2026, 1, 5, 22, tzinfo=UTC) - timedelta(hours=0),
            ],
            "end": [
                datetime(2026, 1, 12, 0, 0, 1, tzinfo=UTC),
                datetime(2026, 1, 12, tzinfo=UTC),
                datetime(2026, 1, 26, tzinfo=UTC),
            ],
            "area": ["x", "x", "x"],
            "region": [None, None, None],
            "postal_code": [None, None, None],
            "key": ["53-3032", "53-3032", "53-3032"],
        }
    )
    places = {("x", None, None): ("x", None, None)}
    counts = count_weeks(jobs, None, places).groupby("week")[["new", "active"]].sum()
    weeks = {date(1969, 12, 29) + timedelta(weeks=int(w)): tuple(r) for w, r in counts.iterrows()}
    assert weeks[date(2026, 1, 5)] == (2, 2)
    assert weeks[date(2026, 1, 12)] == (1, 3)
    assert weeks[date(2026, 1, 19)] == (0, 1)
    assert weeks[date(2026, 1, 26)] == (0, 1)
    # Only weeks from a given week are recomputed.
    partial = count_weeks(jobs, date(2026, 1, 19), places)
    assert int(partial["week"].min()) == (date(2026, 1, 19) - date(1969, 12, 29)).days // 7


def test_reposts_and_duplicates_count_once(repository, trends_engine):
    original = posting("1", "driver")
    repost = posting("2", "driver")  # same text, new id: stored as a duplicate of the first
    repository.upsert([original], seen_at=MONDAY)
    result = repository.upsert([repost], seen_at=MONDAY + timedelta(days=8))
    assert result.duplicate == 1
    repository.upsert([posting("3", "cook")], seen_at=MONDAY + timedelta(days=1))
    refresh(trends_engine, skills=False)
    driver = _values(trends_engine, "53-3032")
    # One job: new in its first week, active in both weeks the two copies cover.
    assert driver == {date(2026, 1, 5): (1, 1), date(2026, 1, 12): (0, 1)}
    assert _values(trends_engine, "all", level="all") == {
        date(2026, 1, 5): (2, 2),
        date(2026, 1, 12): (0, 1),
    }
    assert _values(trends_engine, "53-0000", level="major")[date(2026, 1, 5)] == (1, 1)
    assert _values(trends_engine, "53-3030", level="broad")[date(2026, 1, 5)] == (1, 1)


def test_geography_levels(repository, trends_engine):
    repository.upsert(
        [
            posting("1", "cook", area="sfbay", region=None),
            posting("2", "cna", area=None, region=None, postal_code="60614"),
        ],
        seen_at=MONDAY,
    )
    refresh(trends_engine, skills=False)
    week = date(2026, 1, 5)
    assert _values(trends_engine, "all", "all", "area", "sfbay")[week] == (1, 1)
    assert _values(trends_engine, "all", "all", "cbsa", "41860")[week] == (1, 1)  # SF metro
    assert _values(trends_engine, "all", "all", "state", "CA")[week] == (1, 1)
    assert _values(trends_engine, "31-1131", "detailed", "cbsa", "16980")[week] == (1, 1)  # Chicago
    assert _values(trends_engine, "31-1131", "detailed", "state", "IL")[week] == (1, 1)
    assert _values(trends_engine, "all", "all")[week] == (2, 2)


def test_posted_at_before_first_seen_sets_the_start(repository, trends_engine):
    earlier = MONDAY - timedelta(days=10)
    repository.upsert([posting("1", "cook", posted_at=earlier)], seen_at=MONDAY)
    refresh(trends_engine, skills=False)
    assert _values(trends_engine, "35-2014") == {
        date(2025, 12, 22): (1, 1),
        date(2025, 12, 29): (0, 1),
        date(2026, 1, 5): (0, 1),
    }


def test_refresh_recomputes_only_touched_weeks(repository, trends_engine):
    repository.upsert([posting("1", "cook")], seen_at=MONDAY)
    first = refresh(trends_engine, skills=False, now=MONDAY + timedelta(days=1))
    assert first.from_week is None
    # Nothing new: nothing recomputed.
    idle = refresh(trends_engine, skills=False, now=MONDAY + timedelta(days=2))
    assert idle.rows == 0
    later = MONDAY + timedelta(weeks=3)
    repository.upsert([posting("9", "cna")], seen_at=later)
    again = refresh(trends_engine, skills=False, now=later + timedelta(hours=2))
    assert again.from_week == date(2026, 1, 26)
    assert _values(trends_engine, "35-2014") == {date(2026, 1, 5): (1, 1)}
    assert _values(trends_engine, "31-1131") == {date(2026, 1, 26): (1, 1)}
    # A job seen again extends its active weeks from its own start.
    repository.upsert([posting("1", "cook")], seen_at=later + timedelta(hours=4))
    seen = refresh(trends_engine, skills=False, now=later + timedelta(hours=6))
    assert seen.from_week == date(2026, 1, 5)
    assert len(_values(trends_engine, "35-2014")) == 4
    with trends_engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(trend_refreshes)).scalar() == 4


def test_skill_series(repository, trends_engine):
    repository.upsert(
        [posting("1", "driver"), posting("2", "cook"), posting("3", "cna")], seen_at=MONDAY
    )
    result = refresh(trends_engine)
    assert result.skills_scanned == 3
    frame = read_series(trends_engine, dimension="skill")
    found = set(frame["key"])
    assert any("cdl" in key.lower() for key in found), found
    assert any("food" in key.lower() for key in found), found
    assert set(frame["level"]) <= {"credential", "technology", "tool"}
