"""Weekly posting series by occupation or skill and geography, refreshed incrementally.

Definitions (all times are UTC, as stored; a week is an ISO week, Monday 00:00 UTC to Sunday
24:00 UTC, labelled by its Monday):

* A *job* is an original posting together with its reposts and cross-posts (rows whose
  ``duplicate_of`` points at it). It starts at the earliest ``posted_at`` or ``first_seen`` of
  its rows (``posted_at`` only when earlier than ``first_seen``: a crawl can find an older ad)
  and ends at the latest ``last_seen``. Its occupation is the top-ranked code of the original,
  its place the original's area, ZIP or state.
* ``new``: jobs that started in the week (so a repost is never counted twice);
* ``active``: jobs that started on or before the week's end and ended on or after its start.

Series are kept at every SOC level (``all``, ``major``, ``minor``, ``broad``, ``detailed``) and
geography level (Craigslist ``area``, ``cbsa``, ``state``, ``nation``); skill series use the
skill kind as the level. Counting is done in bulk: one query returns one row per job touched,
pandas aggregates. A refresh recomputes only the weeks from the start of the earliest job that
changed (new, seen again or reclassified) since the previous refresh.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import Engine, and_, case, delete, func, insert, or_, select

from jobatlas.storage.models import PostingOccupationRow, PostingRow
from jobatlas.trends.tables import trend_posting_skills, trend_refreshes, trend_series

logger = logging.getLogger(__name__)

POSTINGS = PostingRow.__table__
OCCUPATIONS = PostingOccupationRow.__table__
SOC_LEVELS = ("all", "major", "minor", "broad", "detailed")
GEO_LEVELS = ("area", "cbsa", "state", "nation")
SKILL_KINDS = ("credential", "technology", "tool")
NATION = "US"
# Rows a crawl batch stamped just before a refresh may commit just after it; overlap is harmless.
WATERMARK_MARGIN = timedelta(hours=1)
_EPOCH_MONDAY = date(1969, 12, 29)
_INSERT_CHUNK = 5000


@dataclass(frozen=True)
class RefreshResult:
    """What a refresh recomputed."""

    from_week: date | None  # None: every week
    rows: int
    jobs: int
    skills_scanned: int


def week_start(moment: datetime | date) -> date:
    """Return the Monday (UTC) of the ISO week holding ``moment``."""
    if isinstance(moment, datetime):
        moment = (moment.astimezone(UTC) if moment.tzinfo else moment).date()
    return moment - timedelta(days=moment.weekday())


def _week_numbers(moments: pd.Series) -> np.ndarray:
    """Return week numbers counted from the Monday 1969-12-29 (UTC)."""
    stamps = pd.to_datetime(moments, utc=True)
    days = (stamps - pd.Timestamp("1970-01-01", tz="UTC")).dt.days.to_numpy()
    return (days + 3) // 7


def _week_dates(numbers: np.ndarray) -> np.ndarray:
    return np.datetime64(_EPOCH_MONDAY, "D") + numbers.astype("int64") * 7


def _job_start():
    earlier = and_(POSTINGS.c.posted_at.is_not(None), POSTINGS.c.posted_at < POSTINGS.c.first_seen)
    return case((earlier, POSTINGS.c.posted_at), else_=POSTINGS.c.first_seen)


def _job_id():
    return func.coalesce(POSTINGS.c.duplicate_of, POSTINGS.c.id)


def _jobs_ending_after(since: datetime | None):
    """Return a subquery of jobs (id, start, end) that were active on or after ``since``."""
    jobs = select(
        _job_id().label("job_id"),
        func.min(_job_start()).label("start"),
        func.max(POSTINGS.c.last_seen).label("end"),
    ).group_by(_job_id())
    if since is not None:
        jobs = jobs.having(func.max(POSTINGS.c.last_seen) >= since)
    return jobs.subquery("jobs")


def read_jobs(
    engine: Engine, since: datetime | None, dimension: str = "occupation"
) -> pd.DataFrame:
    """Return one row per job active since ``since``: start, end, place and SOC or skill."""
    jobs = _jobs_ending_after(since)
    place = [POSTINGS.c.area, POSTINGS.c.region, POSTINGS.c.postal_code]
    base = jobs.join(POSTINGS, POSTINGS.c.id == jobs.c.job_id)
    if dimension == "occupation":
        top = and_(OCCUPATIONS.c.posting_id == POSTINGS.c.id, OCCUPATIONS.c.rank == 1)
        query = select(
            jobs.c.start, jobs.c.end, *place, OCCUPATIONS.c.soc.label("key")
        ).select_from(base.outerjoin(OCCUPATIONS, top))
    else:
        skills = trend_posting_skills
        query = select(
            jobs.c.start, jobs.c.end, *place, skills.c.skill_id.label("key"), skills.c.kind
        ).select_from(base.join(skills, skills.c.posting_id == POSTINGS.c.id))
    with engine.connect() as connection:
        rows = connection.execute(query).all()
    columns = ["start", "end", "area", "region", "postal_code", "key"]
    if dimension != "occupation":
        columns.append("kind")
    return pd.DataFrame(rows, columns=columns)


def count_weeks(jobs: pd.DataFrame, from_week: date | None, places: dict) -> pd.DataFrame:
    """Aggregate jobs into weekly ``new`` and ``active`` counts per (place, key).

    ``places`` maps an (area, region, postal_code) triple to (area, cbsa, state).
    """
    if jobs.empty:
        return pd.DataFrame(columns=["week", "area", "cbsa", "state", "key", "new", "active"])
    frame = pd.DataFrame({"sw": _week_numbers(jobs["start"]), "ew": _week_numbers(jobs["end"])})
    frame["ew"] = np.maximum(frame["ew"], frame["sw"])
    triples = list(zip(jobs["area"], jobs["region"], jobs["postal_code"], strict=True))
    mapped = pd.DataFrame([places[t] for t in triples], columns=["area", "cbsa", "state"])
    frame = pd.concat([frame, mapped], axis=1)
    frame["key"] = jobs["key"].to_numpy()
    if "kind" in jobs:
        frame["kind"] = jobs["kind"].to_numpy()
    keys = [c for c in ("area", "cbsa", "state", "key", "kind") if c in frame]
    grain = frame.groupby(["sw", "ew", *keys], dropna=False, sort=False).size().rename("n")
    grain = grain.reset_index()
    first = -(10**9) if from_week is None else _week_numbers(pd.Series([from_week]))[0]
    new = grain.loc[grain["sw"] >= first, ["sw", *keys, "n"]].rename(columns={"sw": "week"})
    active = _explode_active(grain, first, keys)
    new = new.assign(new=new.pop("n"), active=0)
    active = active.assign(new=0, active=active.pop("n"))
    both = pd.concat([new, active], ignore_index=True)
    return (
        both.groupby(["week", *keys], dropna=False, sort=False)[["new", "active"]]
        .sum()
        .reset_index()
    )


def _explode_active(grain: pd.DataFrame, first: int, keys: list[str]) -> pd.DataFrame:
    """Return one row per (job group, week) for every week each group was active."""
    lo = np.maximum(grain["sw"].to_numpy(), first)
    span = grain["ew"].to_numpy() - lo + 1
    keep = span > 0
    lo, span, rows = lo[keep], span[keep], grain.loc[keep]
    repeat = np.repeat(np.arange(len(rows)), span)
    offsets = np.arange(len(repeat)) - np.repeat(np.cumsum(span) - span, span)
    out = rows.iloc[repeat][keys + ["n"]].reset_index(drop=True)
    out.insert(0, "week", np.repeat(lo, span) + offsets)
    return out


def roll_up(counts: pd.DataFrame, dimension: str) -> pd.DataFrame:
    """Return ``trend_series`` rows: counts summed to every key level and geography level."""
    if counts.empty:
        return pd.DataFrame(columns=[c.name for c in trend_series.columns])
    parts = []
    for level, keys in _key_levels(counts, dimension):
        for geo_level in GEO_LEVELS:
            geo = (
                pd.Series(NATION, index=counts.index)
                if geo_level == "nation"
                else counts[geo_level]
            )
            frame = pd.DataFrame(
                {
                    "key": keys,
                    "geo": geo,
                    "week": counts["week"],
                    "new": counts["new"],
                    "active": counts["active"],
                }
            ).dropna(subset=["key", "geo"])
            summed = frame.groupby(["key", "geo", "week"], sort=False)[["new", "active"]].sum()
            summed = summed.reset_index().assign(level=level, geo_level=geo_level)
            parts.append(summed)
    rows = pd.concat(parts, ignore_index=True)
    rows["dimension"] = dimension
    rows["week"] = _week_dates(rows["week"].to_numpy())
    return rows[[c.name for c in trend_series.columns]]


def _key_levels(counts: pd.DataFrame, dimension: str):
    if dimension == "skill":
        for kind in SKILL_KINDS:
            yield kind, counts["key"].where(counts["kind"] == kind)
        return
    from jobatlas.soc import InvalidSocCode, soc_levels

    yield "all", pd.Series("all", index=counts.index)
    lookup = {}
    for soc in counts["key"].dropna().unique():
        try:
            lookup[soc] = soc_levels(soc)
        except InvalidSocCode:
            logger.warning("ignoring stored SOC code %r", soc)
    for level in SOC_LEVELS[1:]:
        mapping = {soc: levels[level] for soc, levels in lookup.items()}
        yield level, counts["key"].map(mapping)


def place_lookup(jobs_frames: list[pd.DataFrame], geo=None) -> dict:
    """Map each (area, region, postal_code) seen to (area, cbsa, state) with ``jobatlas.geo``."""
    from jobatlas.geo import UnknownLocation, load_geo

    triples = set()
    for jobs in jobs_frames:
        triples.update(zip(jobs["area"], jobs["region"], jobs["postal_code"], strict=True))
    if not triples:
        return {}
    geo = geo or load_geo()
    out = {}
    for area, region, postal in triples:
        cbsa, state = None, region.upper() if isinstance(region, str) and region else None
        if isinstance(area, str) and area:
            try:
                mapped = geo.craigslist_area(area)
                cbsa, state = mapped.cbsa, state or mapped.state
            except UnknownLocation:
                pass
        if cbsa is None and isinstance(postal, str) and postal:
            try:
                location = geo.zip_location(postal[:5])
                cbsa, state = location.cbsa, state or location.state
            except UnknownLocation:
                pass
        area_key = area.lower() if isinstance(area, str) and area else None
        out[(area, region, postal)] = (area_key, cbsa, state)
    return out


def refresh(
    engine: Engine,
    *,
    full: bool = False,
    skills: bool = True,
    vocabulary=None,
    geo=None,
    now: datetime | None = None,
) -> RefreshResult:
    """Recompute the weekly series for every week touched since the last refresh."""
    now = now or datetime.now(UTC)
    previous = None if full else last_watermark(engine)
    scanned = scan_skills(engine, previous, vocabulary) if skills else 0
    from_week = None if previous is None else dirty_from(engine, previous)
    if previous is not None and from_week is None:
        _log_refresh(engine, now, previous, None, 0)
        return RefreshResult(from_week=from_week, rows=0, jobs=0, skills_scanned=scanned)
    since = None if from_week is None else datetime.combine(from_week, datetime.min.time(), UTC)
    occupation_jobs = read_jobs(engine, since, "occupation")
    skill_jobs = read_jobs(engine, since, "skill") if skills else None
    frames = [occupation_jobs] + ([skill_jobs] if skill_jobs is not None else [])
    places = place_lookup(frames, geo)
    rows = [roll_up(count_weeks(occupation_jobs, from_week, places), "occupation")]
    if skill_jobs is not None:
        rows.append(roll_up(count_weeks(skill_jobs, from_week, places), "skill"))
    table = pd.concat(rows, ignore_index=True)
    written = _replace_weeks(engine, table, from_week, skills)
    _log_refresh(engine, now, now - WATERMARK_MARGIN, from_week, written)
    logger.info("trend series refreshed from %s: %d rows", from_week or "the start", written)
    return RefreshResult(from_week, written, len(occupation_jobs), scanned)


def last_watermark(engine: Engine) -> datetime | None:
    """Return the watermark of the last refresh (None if never refreshed)."""
    query = select(trend_refreshes.c.watermark).order_by(trend_refreshes.c.id.desc()).limit(1)
    with engine.connect() as connection:
        return connection.execute(query).scalar()


def dirty_from(engine: Engine, since: datetime) -> date | None:
    """Return the first week of the earliest job changed since ``since`` (None: nothing changed)."""
    touched = select(_job_id()).where(
        or_(
            POSTINGS.c.first_seen >= since,
            POSTINGS.c.last_seen >= since,
            POSTINGS.c.classified_at >= since,
        )
    )
    query = select(func.min(_job_start())).where(_job_id().in_(touched))
    with engine.connect() as connection:
        earliest = connection.execute(query).scalar()
    return None if earliest is None else week_start(earliest)


def _replace_weeks(
    engine: Engine, table: pd.DataFrame, from_week: date | None, skills: bool
) -> int:
    dims = ["occupation", "skill"] if skills else ["occupation"]
    clear = delete(trend_series).where(trend_series.c.dimension.in_(dims))
    if from_week is not None:
        clear = clear.where(trend_series.c.week >= from_week)
    table = table.astype({"new": "int64", "active": "int64"})
    table["week"] = pd.to_datetime(table["week"]).dt.date
    with engine.begin() as connection:
        connection.execute(clear)
        if connection.dialect.name == "postgresql":
            _copy_rows(connection, table)
        else:
            records = table.to_dict("records")
            for i in range(0, len(records), _INSERT_CHUNK):
                connection.execute(insert(trend_series), records[i : i + _INSERT_CHUNK])
    return len(table)


def _copy_rows(connection, table: pd.DataFrame) -> None:
    """Write rows with PostgreSQL COPY (CSV), far faster than INSERT for a full refresh."""
    columns = ", ".join(f'"{c}"' for c in table.columns)
    buffer = io.StringIO()
    table.to_csv(buffer, index=False, header=False)
    cursor = connection.connection.driver_connection.cursor()
    with cursor.copy(f"COPY trend_series ({columns}) FROM STDIN WITH (FORMAT csv)") as copy:
        copy.write(buffer.getvalue())


def _log_refresh(engine, now, watermark, from_week, rows) -> None:
    with engine.begin() as connection:
        connection.execute(
            insert(trend_refreshes).values(
                started_at=now, watermark=watermark, from_week=from_week, rows=rows
            )
        )


def scan_skills(engine: Engine, since: datetime | None, vocabulary=None) -> int:
    """Extract skills, tools and credentials from originals first seen since ``since``."""
    query = select(POSTINGS.c.id, POSTINGS.c.title, POSTINGS.c.body).where(
        POSTINGS.c.duplicate_of.is_(None)
    )
    if since is not None:
        query = query.where(POSTINGS.c.first_seen >= since)
    with engine.connect() as connection:
        postings = connection.execute(query).all()
    if not postings:
        return 0
    vocabulary = vocabulary or _default_vocabulary()
    rows = []
    for posting_id, title, body in postings:
        for mention in vocabulary.extract(f"{title}\n{body or ''}", kinds=SKILL_KINDS):
            skill = mention.skill
            rows.append(
                {
                    "posting_id": posting_id,
                    "skill_id": skill.id[:200],
                    "kind": skill.kind,
                    "name": skill.name[:300],
                }
            )
    ids = [p[0] for p in postings]
    with engine.begin() as connection:
        for i in range(0, len(ids), 1000):
            chunk = ids[i : i + 1000]
            connection.execute(
                delete(trend_posting_skills).where(trend_posting_skills.c.posting_id.in_(chunk))
            )
        for i in range(0, len(rows), _INSERT_CHUNK):
            connection.execute(insert(trend_posting_skills), rows[i : i + _INSERT_CHUNK])
    return len(postings)


def _default_vocabulary():
    from jobatlas.reference import load_reference
    from jobatlas.skills import SkillVocabulary

    return SkillVocabulary.from_reference(load_reference())


def read_series(
    engine: Engine,
    *,
    dimension: str = "occupation",
    level: str | None = None,
    keys: list[str] | None = None,
    geo_level: str = "nation",
    geo: str = NATION,
) -> pd.DataFrame:
    """Return stored weekly rows (dimension, level, key, week, new, active) for one place."""
    table = trend_series
    query = select(table.c.level, table.c.key, table.c.week, table.c.new, table.c.active).where(
        table.c.dimension == dimension, table.c.geo_level == geo_level, table.c.geo == geo
    )
    if level is not None:
        query = query.where(table.c.level == level)
    if keys is not None:
        query = query.where(table.c.key.in_(keys))
    with engine.connect() as connection:
        rows = connection.execute(query.order_by(table.c.key, table.c.week)).all()
    frame = pd.DataFrame(rows, columns=["level", "key", "week", "new", "active"])
    frame["week"] = pd.to_datetime(frame["week"])
    return frame


def latest_week(engine: Engine) -> date | None:
    """Return the latest week with stored series (None when nothing is stored)."""
    with engine.connect() as connection:
        value = connection.execute(select(func.max(trend_series.c.week))).scalar()
    if isinstance(value, str):
        value = date.fromisoformat(value)
    return value


def weekly_values(frame: pd.DataFrame, metric: str, end: date) -> pd.Series:
    """Return one key's metric as a gap-free weekly series ending at ``end`` (missing weeks 0)."""
    if frame.empty:
        return pd.Series(dtype=float)
    values = frame.set_index("week")[metric].astype(float)
    weeks = pd.date_range(values.index.min(), pd.Timestamp(end), freq="7D")
    return values.reindex(weeks, fill_value=0.0)
