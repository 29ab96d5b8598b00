import dataclasses
from datetime import UTC, date, datetime, timedelta

import pandas as pd
from sqlalchemy import func, select

from jobatlas.postings.records import OccupationCode
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


def _python_counts(engine, dimension="occupation"):
    """Count the series the plain way: one loop over stored rows, one over each job's weeks."""
    from jobatlas.soc import soc_levels
    from jobatlas.storage.models import PostingOccupationRow, PostingRow
    from jobatlas.trends.series import map_places
    from jobatlas.trends.tables import trend_posting_skills

    postings, codes = PostingRow.__table__, PostingOccupationRow.__table__
    with engine.connect() as connection:
        rows = connection.execute(select(postings)).all()
        ranked_first = select(codes.c.posting_id, codes.c.soc).where(codes.c.rank == 1)
        top = dict(connection.execute(ranked_first).all())
        skills = connection.execute(
            select(
                trend_posting_skills.c.posting_id,
                trend_posting_skills.c.skill_id,
                trend_posting_skills.c.kind,
            )  # fmt: skip
        ).all()
    jobs = {}
    for row in rows:
        job = row.duplicate_of or row.id
        start = (
            row.posted_at if row.posted_at and row.posted_at < row.first_seen else row.first_seen
        )
        begun, ended = jobs.get(job, (start, row.last_seen))
        jobs[job] = (min(begun, start), max(ended, row.last_seen))
    by_id = {row.id: row for row in rows}
    triples = {
        (by_id[j].area or "", by_id[j].region or "", by_id[j].postal_code or "") for j in jobs
    }
    places = map_places(triples)
    counts = {}
    for job, (start, end) in jobs.items():
        original = by_id[job]
        triple = (original.area or "", original.region or "", original.postal_code or "")
        area, cbsa, state = places[triple]
        geos = [("area", area), ("cbsa", cbsa), ("state", state), ("nation", "US")]
        if dimension == "occupation":
            soc = top.get(job)
            groups = soc_levels(soc) if soc else {}
            keys = [("all", "all")] + [(level, code) for level, code in groups.items()]
        else:
            keys = [(kind, skill) for posting_id, skill, kind in skills if posting_id == job]
        first, last = week_start(start), max(week_start(end), week_start(start))
        week = first
        while week <= last:
            for level, key in keys:
                for geo_level, geo in geos:
                    if geo is None:
                        continue
                    cell = counts.setdefault((level, key, geo_level, geo, week), [0, 0])
                    cell[0] += week == first
                    cell[1] += 1
            week += timedelta(weeks=1)
    return {k: tuple(v) for k, v in counts.items()}


def _stored_counts(engine, dimension="occupation"):
    from jobatlas.trends.tables import trend_series as series

    query = select(series.c.level, series.c.key, series.c.geo_level, series.c.geo,
                   series.c.week, series.c.new, series.c.active).where(
        series.c.dimension == dimension)  # fmt: skip
    with engine.connect() as connection:
        return {tuple(r[:5]): (r.new, r.active) for r in connection.execute(query)}


def _words(i: int) -> str:
    # Text unlike every other fixture's, so duplicate detection keeps the jobs apart.
    # Words are runs of letters (digits are folded away), so spell the numbers in letters.
    return " " + " ".join(f"term{_letters(i)}x{_letters(j)}" for j in range(40))


def _letters(number: int) -> str:
    return "".join(chr(ord("a") + int(d)) for d in str(number))


def _distinct(item, i: int):
    return dataclasses.replace(item, title=f"{item.title.split()[0]} wanted team {_letters(i)}")


def _fixture_set(repository):
    """Store jobs of several spans, places and codes: reposts, old ads, unclassified ones."""
    day = timedelta(days=1)
    places = [
        {"area": "sfbay", "region": "CA"},
        {"area": None, "region": None, "postal_code": "60614"},
        {"area": "chicago", "region": None},
        {"area": "nowhere-known", "region": "TX"},
        {"area": None, "region": None},
    ]
    sightings = []
    for i in range(30):
        kind = ("driver", "cook", "cna")[i % 3]
        first = MONDAY + (i * 2.3) * day
        item = posting(str(i), kind, body_extra=_words(i), **places[i % len(places)],
                       posted_at=first - 9 * day if i % 7 == 0 else None)  # fmt: skip
        item = _distinct(item, i)
        if i % 11 == 5:
            item = dataclasses.replace(item, occupations=[])
        sightings.append((item, first, first + (i % 6) * 5 * day))
    # Reposts: the same text under new ids, seen later (linked to the first copy).
    for i in (0, 4, 8):
        repost = posting(f"r{i}", ("driver", "cook", "cna")[i % 3], body_extra=_words(i),
                         **places[i % len(places)])  # fmt: skip
        repost = _distinct(repost, i)
        sightings.append((repost, MONDAY + (i * 2.3 + 20) * day, MONDAY + (i * 2.3 + 30) * day))
    result = repository.upsert_sightings(sightings)
    assert not result.rejected
    assert result.duplicate == 3
    return result


def test_sql_refresh_equals_python_count(repository, trends_engine):
    _fixture_set(repository)
    refresh(trends_engine, now=MONDAY + timedelta(weeks=12))
    expected = _python_counts(trends_engine)
    assert len(expected) > 100
    assert _stored_counts(trends_engine) == expected
    skills = _python_counts(trends_engine, "skill")
    assert skills and _stored_counts(trends_engine, "skill") == skills


def test_incremental_refresh_equals_full_count(repository, trends_engine):
    stored = _fixture_set(repository)
    refresh(trends_engine, skills=False, now=MONDAY + timedelta(weeks=12))
    later = MONDAY + timedelta(weeks=13)
    # A crawl: one new job, one old job seen again, one reclassified.
    repository.upsert_sightings([
        (posting("new-1", "cook", area="chicago", region="IL"), later, later),
        (_distinct(posting("12", "driver", body_extra=_words(12), area="chicago", region=None),
                   12), later, later),
    ])  # fmt: skip
    repository.set_occupations({stored.ids[6]: [OccupationCode("51-4121.06", 0.8, 1)]}, "m2")
    increment = refresh(trends_engine, skills=False, now=later + timedelta(hours=2))
    # The reclassified job (started in the week of 12 January) is the earliest one touched.
    assert increment.from_week == date(2026, 1, 12)
    assert _stored_counts(trends_engine) == _python_counts(trends_engine)


def _stored_tables(engine):
    """Return the series, growth and job states as sets of rows (floats rounded, NaN as None)."""
    from jobatlas.trends.tables import trend_growth, trend_jobs, trend_series

    def plain(value):
        if isinstance(value, float):
            return None if value != value else round(value, 9)
        return value

    with engine.connect() as connection:
        return {
            table.name: {tuple(plain(v) for v in row) for row in connection.execute(select(table))}
            for table in (trend_series, trend_growth, trend_jobs)
        }


def _refresh_equals_full(engine, now) -> tuple:
    """Refresh incrementally, then recount everything: return the result and both tables."""
    result = refresh(engine, now=now)
    assert result.from_week is not None  # an update, not a recount
    updated = _stored_tables(engine)
    refresh(engine, full=True, now=now)
    return result, updated, _stored_tables(engine)


def test_updates_store_what_a_full_recount_stores(repository, trends_engine):
    stored = _fixture_set(repository)
    start = MONDAY + timedelta(weeks=11, days=2)  # a Wednesday
    assert refresh(trends_engine, now=start).from_week is None
    day = timedelta(days=1)
    # A crawl the same week: a new job, an old one seen again after weeks, a repost of another
    # (linked to it), one reclassified, one that lost its code.
    crawl = start + day
    repository.upsert_sightings([
        (posting("new-1", "cook", area="chicago", region="IL", body_extra=_words(101)), crawl,
         crawl),
        (_distinct(posting("12", "driver", body_extra=_words(12), **{"area": "nowhere-known",
                                                                      "region": "TX"}), 12),
         crawl, crawl),
        (_distinct(posting("r9", "driver", body_extra=_words(9), area="chicago", region=None),
                   9), crawl, crawl),
    ])  # fmt: skip
    repository.set_occupations({stored.ids[6]: [OccupationCode("51-4121.06", 0.8, 1)]}, "m2")
    repository.set_occupations({stored.ids[7]: []}, "m2")
    result, updated, full = _refresh_equals_full(trends_engine, crawl + timedelta(hours=2))
    assert result.rows > 0
    assert updated == full
    # After a week boundary (growth moves to a new end week): a job seen again in the last
    # complete week with a ZIP code now, a new one with an ad date before its first sighting.
    # (Skills are read once, from a posting's first text: re-seen ones keep their text here.)
    later = start + timedelta(days=6)  # the next Tuesday
    repository.upsert_sightings([
        (_distinct(posting("20", "cna", body_extra=_words(20), area=None, region=None,
                           postal_code="60614"), 20), later - 2 * day, later - 2 * day),
        (posting("new-2", "cna", body_extra=_words(102), posted_at=later - 20 * day), later,
         later),
    ])  # fmt: skip
    result, updated, full = _refresh_equals_full(trends_engine, later + timedelta(hours=2))
    assert result.from_week < week_start(later) - timedelta(weeks=1)
    assert updated == full
    # Within that week: an old job seen again, which moves rows of the growth windows only.
    repository.upsert_sightings([
        (_distinct(posting("15", "driver", body_extra=_words(15), **{"area": None,
                                                                      "region": None}), 15),
         later + day, later + day),
    ])  # fmt: skip
    result, updated, full = _refresh_equals_full(trends_engine, later + day + timedelta(hours=2))
    assert updated == full


def test_recounts_when_the_last_refresh_kept_other_series(repository, trends_engine):
    repository.upsert([posting("1", "cook")], seen_at=MONDAY)
    refresh(trends_engine, skills=False, now=MONDAY + timedelta(days=1))
    repository.upsert([posting("2", "cna")], seen_at=MONDAY + timedelta(days=2))
    # Skill series were not kept: a refresh with them counts everything.
    assert refresh(trends_engine, now=MONDAY + timedelta(days=3)).from_week is None
    repository.upsert([posting("3", "driver")], seen_at=MONDAY + timedelta(days=4))
    assert refresh(trends_engine, now=MONDAY + timedelta(days=5)).from_week == MONDAY.date()


def test_first_refresh_after_upgrading_to_job_states_recounts(database_url):
    from jobatlas.storage import PostingRepository, make_engine, upgrade
    from jobatlas.trends.tables import trend_jobs, trend_series

    # A database at 0007 with postings, a refresh row and a series row its refresh wrote.
    upgrade(database_url, "0007")
    engine = make_engine(database_url)
    try:
        PostingRepository(engine).upsert([posting("1", "cook")], seen_at=MONDAY)
        with engine.begin() as connection:
            connection.execute(
                trend_refreshes.insert().values(
                    started_at=MONDAY, watermark=MONDAY + timedelta(days=1), rows=1
                )
            )
            connection.execute(
                trend_series.insert().values(
                    dimension="occupation", level="detailed", key="35-2014", geo_level="nation",
                    geo="US", week=MONDAY.date() - timedelta(weeks=5), new=7, active=7,
                )
            )  # fmt: skip
        upgrade(database_url)
        # The old refresh row says nothing about job states: everything is counted again,
        # the stale row goes and every job gets its state.
        now = MONDAY + timedelta(days=2)
        assert refresh(engine, skills=False, now=now).from_week is None
        assert _values(engine, "35-2014") == {MONDAY.date(): (1, 1)}
        with engine.connect() as connection:
            assert connection.execute(select(func.count()).select_from(trend_jobs)).scalar() == 1
        PostingRepository(engine).upsert([posting("2", "cna")], seen_at=now)
        assert refresh(engine, skills=False, now=now + timedelta(hours=2)).from_week == (
            MONDAY.date()
        )
    finally:
        engine.dispose()
