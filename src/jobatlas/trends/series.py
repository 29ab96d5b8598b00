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
skill kind as the level. Counting happens inside the database (``INSERT ... SELECT ... GROUP
BY`` on PostgreSQL and SQLite alike), so no series row passes through Python: one statement
stages the jobs to count in a temporary table, one counts them per week at the finest grain
(SOC, area, metro, state), and one per (SOC level, geography level) sums those into
``trend_series``. Only two small lookups are filled from Python: places (Craigslist area or ZIP
to metro and state, from ``jobatlas.geo``) and SOC codes to their groups.

``trend_jobs`` keeps what the series count for each job (weeks, SOC, place). After the first
refresh, one reads only the jobs with a row first seen, seen again or classified since the last
one, and counts each changed job twice: +1 with its new state and -1 with the stored one. The
signed sums are the differences to add to the stored rows; a job seen again a week later moves
two rows per series instead of its whole span, and nothing else is read or rewritten.
"""

from __future__ import annotations

import dataclasses
import logging
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import (
    Connection,
    Engine,
    bindparam,
    delete,
    insert,
    select,
    text,
)

from jobatlas.storage.models import PostingOccupationRow, PostingRow
from jobatlas.trends.growth_store import latest_series_week, update_growth, write_growth
from jobatlas.trends.tables import trend_jobs, trend_posting_skills, trend_refreshes, trend_series

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
# Staging tables of one refresh (temporary: private to its connection, gone after it).
_TOUCHED, _JOBS, _PLACES, _CHANGES, _SOCS, _WEEKS, _SPANS, _CELLS, _DELTA = (
    "trend_stage_touched", "trend_stage_jobs", "trend_stage_places", "trend_stage_changes",
    "trend_stage_socs", "trend_stage_weeks", "trend_stage_spans", "trend_stage_cells",
    "trend_stage_delta",
)  # fmt: skip
# Integer division floors only for non-negative numerators; this offset keeps weeks before 1970
# (never expected, but storable) on the right side of it.
_WEEK_OFFSET = 100_000
_WORK_MEM = "256MB"
# A job's place as one value (one join column estimates far better than three): the
# original's area, region and ZIP, missing ones empty (split again at the first two "|").
_PLACE_KEY = (
    "coalesce(o.area, '') || '|' || coalesce(o.region, '') || '|' || coalesce(o.postal_code, '')"
)


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


def week_number(day: date) -> int:
    """Return the number of the week holding ``day``, counted from Monday 1969-12-29."""
    return (day - _EPOCH_MONDAY).days // 7


def _week_numbers(moments: pd.Series) -> np.ndarray:
    """Return week numbers counted from the Monday 1969-12-29 (UTC)."""
    stamps = pd.to_datetime(moments, utc=True)
    days = (stamps - pd.Timestamp("1970-01-01", tz="UTC")).dt.days.to_numpy()
    return (days + 3) // 7


def count_weeks(jobs: pd.DataFrame, from_week: date | None, places: dict) -> pd.DataFrame:
    """Aggregate a frame of jobs into weekly ``new`` and ``active`` counts per (place, key).

    The in-memory twin of the refresh, for jobs read from elsewhere (a file, a notebook):
    ``jobs`` has ``start``, ``end``, ``area``, ``region``, ``postal_code``, ``key`` (and
    optionally ``kind``); ``places`` maps an (area, region, postal_code) triple to (area, cbsa,
    state). Weeks are numbered from Monday 1969-12-29.
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


def map_places(triples, geo=None) -> dict:
    """Map (area, region, postal_code) triples to (area, cbsa, state) with ``jobatlas.geo``.

    An empty string counts as missing. The area key is the lower-cased Craigslist area; the
    metro comes from the area, else from the ZIP; the state from the posting, else the same.
    """
    from jobatlas.geo import UnknownLocation, load_geo

    triples = set(triples)
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
    """Bring the weekly series up to date with the jobs changed since the last refresh.

    Each changed job (new, seen again, reclassified, relinked) is compared with what the
    series count for it (``trend_jobs``) and only the difference is added, so a crawl rewrites
    the few thousand rows it moves rather than every series' recent weeks. Everything is
    recounted when ``full`` is set, on the first refresh, and after a refresh that kept other
    series (``skills`` differs) or no job states. Growth is then stored again for the series
    whose rows changed, or for every series once a new week has begun, in the same transaction.
    """
    now = now or datetime.now(UTC)
    since = None if full else last_watermark(engine)
    scanned = scan_skills(engine, since, vocabulary) if skills else 0
    dimensions = ["occupation", "skill"] if skills else ["occupation"]
    with engine.begin() as connection:
        stage = _Stage(connection, dimensions)
        try:
            stage.settings()
            if stage.postgres:
                # Two refreshes adding the same changes would count them twice: one at a time.
                connection.execute(text("LOCK TABLE trend_jobs IN SHARE ROW EXCLUSIVE MODE"))
            previous = None if full else _incremental_since(connection, skills)
            if previous is None:
                counted = stage.recount(geo)
                write_growth(connection, now.date())
            else:
                counted = stage.update(previous, geo)
                update_growth(connection, now.date(), _DELTA if counted.rows else None)
        finally:
            stage.drop()
        # Nothing seen since the last watermark: keep it, so no late commit is skipped.
        keep = previous is not None and counted.jobs == 0
        connection.execute(
            insert(trend_refreshes).values(
                started_at=now,
                watermark=previous if keep else now - WATERMARK_MARGIN,
                from_week=counted.from_week,
                rows=counted.rows,
                skills=skills,
            )
        )
    if previous is None:
        scope = "every week"
    else:
        scope = f"changes from {counted.from_week}" if counted.from_week else "nothing changed"
    logger.info("trend series refreshed (%s): %d rows", scope, counted.rows)
    return dataclasses.replace(counted, skills_scanned=scanned)


def _incremental_since(connection: Connection, skills: bool) -> datetime | None:
    """Return the watermark to count changes from; None when everything must be recounted."""
    last = connection.execute(
        select(trend_refreshes.c.watermark, trend_refreshes.c.skills)
        .order_by(trend_refreshes.c.id.desc())
        .limit(1)
    ).first()
    return last.watermark if last is not None and last.skills is skills else None


def _typed(statement: str, params: dict):
    """Return ``statement`` as SQL text, its ``since`` stored the way postings store times."""
    query = text(statement)
    if "since" in params:
        query = query.bindparams(bindparam("since", type_=POSTINGS.c.last_seen.type))
    return query


def _same(left: str, right: str, columns: list[tuple[str, str]]) -> str:
    """Return SQL that holds when two rows agree on every column pair, NULLs included."""
    return " AND ".join(
        f"({left}.{a} = {right}.{b} OR ({left}.{a} IS NULL AND {right}.{b} IS NULL))"
        for a, b in columns
    )


class _Stage:
    """The temporary tables of one refresh, on one connection inside its transaction.

    Both kinds of refresh stage *changes*: one row per job and sign, +1 for the state to count
    and -1 for the stored state to take back (``trend_jobs``). A full refresh stages every job
    with +1 and writes the series afresh; an update stages only the changed jobs, sums their
    signed weeks into ``_DELTA`` and adds that to the stored rows.
    """

    def __init__(self, connection: Connection, dimensions: list[str]) -> None:
        self.connection = connection
        self.dimensions = dimensions
        self.postgres = connection.dialect.name == "postgresql"
        self.created: list[str] = []

    def _create(self, name: str, columns: str, byte_order: bool = True) -> None:
        # PostgreSQL drops them at commit; SQLite keeps temporary tables per connection, so
        # drop() removes them (a rolled-back transaction takes them away on both).
        suffix = " ON COMMIT DROP" if self.postgres else ""
        if self.postgres and byte_order:
            # Byte order: grouping and sorting codes needs no locale rules, and those cost
            # most of the time of the big GROUP BYs.
            columns = re.sub(r"(VARCHAR\(\d+\))", r'\1 COLLATE "C"', columns)
        if not self.postgres:  # left behind by a refresh that failed on this connection
            self._sql(f"DROP TABLE IF EXISTS temp.{name}")
        self._sql(f"CREATE TEMPORARY TABLE {name} ({columns}){suffix}")
        self.created.append(name)

    def _sql(self, statement: str, **params):
        return self.connection.execute(_typed(statement, params), params)

    def _analyze(self, name: str) -> None:
        # Autovacuum never sees temporary tables: without statistics the planner guesses.
        if self.postgres:
            self._sql(f"ANALYZE {name}")

    def _week(self, moment: str) -> str:
        """Return SQL for the week number of a stored UTC timestamp."""
        if self.postgres:
            days = f"(CAST(({moment}) AT TIME ZONE 'UTC' AS date) - DATE '{_EPOCH_MONDAY}')"
        else:  # SQLite stores UTC timestamps as ISO text
            days = f"CAST(julianday(date({moment})) - julianday('{_EPOCH_MONDAY}') AS INTEGER)"
        return f"(({days} + {7 * _WEEK_OFFSET}) / 7 - {_WEEK_OFFSET})"

    def settings(self) -> None:
        """Give the big GROUP BYs of a refresh room to hash in memory (PostgreSQL)."""
        if self.postgres:
            # The default 4 MB spills a million jobs' groups to disk several times over.
            self._sql(f"SET LOCAL work_mem = '{_WORK_MEM}'")
            # A handful of large statements: compiling them costs more than it saves.
            self._sql("SET LOCAL jit = off")

    def recount(self, geo=None) -> RefreshResult:
        """Count every job afresh: replace the series and the job states."""
        jobs = self.jobs(touched=False)
        self.lookups(geo)
        self._create_changes()
        self._sql(
            f"INSERT INTO {_CHANGES} (job_id, sign, sw, ew, soc, area, cbsa, state) "
            f"SELECT j.job_id, 1, j.sw, j.ew, j.soc, pl.area_key, pl.cbsa, pl.state "
            f"FROM {_JOBS} j JOIN {_PLACES} pl ON pl.place = j.place"
        )
        self._analyze(_CHANGES)
        self.connection.execute(
            delete(trend_series).where(trend_series.c.dimension.in_(self.dimensions))
        )
        self.connection.execute(delete(trend_jobs))
        written = self.series("trend_series")
        self._store_jobs()
        return RefreshResult(None, written, jobs, 0)

    def update(self, since: datetime, geo=None) -> RefreshResult:
        """Add to the series what changed for jobs with a row seen or classified since ``since``."""
        self._create(_TOUCHED, "job_id BIGINT PRIMARY KEY")
        query, params = self.touched_select(since)
        self._sql(f"INSERT INTO {_TOUCHED} (job_id) {query}", **params)
        self._analyze(_TOUCHED)
        jobs = self.jobs(touched=True)
        self.lookups(geo)
        self._create_changes()
        columns = [("first_week", "sw"), ("last_week", "ew"), ("soc", "soc")]
        stored_same = (
            _same("o", "j", columns)
            + " AND "
            + _same("o", "pl", [("area", "area_key"), ("cbsa", "cbsa"), ("state", "state")])
        )
        self._sql(
            f"INSERT INTO {_CHANGES} (job_id, sign, sw, ew, soc, area, cbsa, state) "
            f"SELECT j.job_id, 1, j.sw, j.ew, j.soc, pl.area_key, pl.cbsa, pl.state "
            f"FROM {_JOBS} j JOIN {_PLACES} pl ON pl.place = j.place "
            f"WHERE NOT EXISTS (SELECT 1 FROM trend_jobs o WHERE o.job_id = j.job_id "
            f"AND {stored_same})"
        )
        # Take back the stored state of jobs that changed or are gone (no longer an original).
        self._sql(
            f"INSERT INTO {_CHANGES} (job_id, sign, sw, ew, soc, area, cbsa, state) "
            "SELECT o.job_id, -1, o.first_week, o.last_week, o.soc, o.area, o.cbsa, o.state "
            f"FROM {_TOUCHED} t JOIN trend_jobs o ON o.job_id = t.job_id "
            f"WHERE o.job_id IN (SELECT job_id FROM {_CHANGES}) "
            f"OR o.job_id NOT IN (SELECT job_id FROM {_JOBS})"
        )
        self._analyze(_CHANGES)
        first = self._sql(f"SELECT min(sw) FROM {_CHANGES}").scalar()
        if first is None:
            return RefreshResult(None, 0, jobs, 0)
        self._create(
            _DELTA,
            "dimension VARCHAR(12), level VARCHAR(12), key VARCHAR(200), geo_level VARCHAR(8), "
            "geo VARCHAR(40), week DATE, new INTEGER NOT NULL, active INTEGER NOT NULL",
            # Joined with trend_series through its primary key, so in the same collation.
            byte_order=False,
        )
        written = self.series(_DELTA)
        self._analyze(_DELTA)
        self._apply_delta()
        self._store_jobs()
        return RefreshResult(_EPOCH_MONDAY + timedelta(weeks=first), written, jobs, 0)

    def touched_select(self, since: datetime) -> tuple[str, dict]:
        """Return the SELECT of jobs with a row first seen, seen or classified since ``since``."""
        changed = "first_seen >= :since OR last_seen >= :since OR classified_at >= :since"
        # A row's own id too: a row linked to an original since has stopped being a job.
        statement = (
            f"SELECT id FROM postings WHERE {changed} "
            f"UNION SELECT duplicate_of FROM postings WHERE duplicate_of IS NOT NULL "
            f"AND ({changed})"
        )
        return statement, {"since": since}

    def jobs(self, touched: bool) -> int:
        """Stage jobs (all, or those in ``_TOUCHED``): weeks, original's place and SOC."""
        self._create(
            _JOBS,
            "job_id BIGINT PRIMARY KEY, sw INTEGER NOT NULL, ew INTEGER NOT NULL, "
            "place VARCHAR(60) NOT NULL, soc VARCHAR(7)",
        )
        count = self._sql(
            f"INSERT INTO {_JOBS} (job_id, sw, ew, place, soc) {self.jobs_select(touched)}"
        ).rowcount
        self._analyze(_JOBS)
        return count

    def jobs_select(self, touched: bool) -> str:
        """Return the SELECT of the jobs to count: all, or those listed in ``_TOUCHED``."""
        start = (
            "CASE WHEN p.posted_at IS NOT NULL AND p.posted_at < p.first_seen "
            "THEN p.posted_at ELSE p.first_seen END"
        )
        rows = "postings p"
        if touched:
            # The rows of the touched jobs, through the primary key and ix_postings_duplicate_of.
            read = "p.id, p.duplicate_of, p.posted_at, p.first_seen, p.last_seen"
            rows = (
                f"(SELECT {read} FROM {_TOUCHED} t JOIN postings p ON p.id = t.job_id "
                f"WHERE p.duplicate_of IS NULL UNION ALL SELECT {read} FROM {_TOUCHED} t "
                "JOIN postings p ON p.duplicate_of = t.job_id) p"
            )
        grouped = (
            f"SELECT coalesce(p.duplicate_of, p.id) AS job_id, min({start}) AS started, "
            f"max(p.last_seen) AS ended FROM {rows} GROUP BY coalesce(p.duplicate_of, p.id)"
        )
        weeks = (
            f"SELECT g.job_id, {self._week('g.started')} AS sw, {self._week('g.ended')} AS ew "
            f"FROM ({grouped}) g"
        )
        return (
            "SELECT w.job_id, w.sw, CASE WHEN w.ew < w.sw THEN w.sw ELSE w.ew END, "
            f"{_PLACE_KEY}, t.soc "
            f"FROM ({weeks}) w JOIN postings o ON o.id = w.job_id "
            "LEFT JOIN posting_occupations t ON t.posting_id = w.job_id AND t.rank = 1"
        )

    def lookups(self, geo=None) -> None:
        """Stage the places of the staged jobs (Craigslist area or ZIP to metro and state)."""
        self._create(
            _PLACES,
            "place VARCHAR(60) PRIMARY KEY, area_key VARCHAR(40), cbsa VARCHAR(40), "
            "state VARCHAR(40)",
        )
        places = self._sql(f"SELECT DISTINCT place FROM {_JOBS}").scalars().all()
        triples = {place: tuple(place.split("|", 2)) for place in places}
        mapped = map_places(triples.values(), geo)
        self._insert(
            _PLACES,
            ["place", "area_key", "cbsa", "state"],
            [(place, *mapped[triple]) for place, triple in triples.items()],
        )
        self._analyze(_PLACES)

    def _create_changes(self) -> None:
        self._create(
            _CHANGES,
            "job_id BIGINT NOT NULL, sign SMALLINT NOT NULL, sw INTEGER NOT NULL, "
            "ew INTEGER NOT NULL, soc VARCHAR(7), area VARCHAR(40), cbsa VARCHAR(40), "
            "state VARCHAR(40), PRIMARY KEY (job_id, sign)",
        )

    def _calendar(self) -> None:
        """Stage SOC groups, week labels and span offsets for the staged changes."""
        from jobatlas.soc import InvalidSocCode, soc_levels

        self._create(
            _SOCS,
            "soc VARCHAR(7) PRIMARY KEY, major VARCHAR(7) NOT NULL, minor VARCHAR(7) NOT NULL, "
            "broad VARCHAR(7) NOT NULL, detailed VARCHAR(7) NOT NULL",
        )
        rows = []
        for (soc,) in self._sql(f"SELECT DISTINCT soc FROM {_CHANGES} WHERE soc IS NOT NULL"):
            try:
                levels = soc_levels(soc)
            except InvalidSocCode:
                logger.warning("ignoring stored SOC code %r", soc)
                continue
            rows.append((soc, *(levels[level] for level in SOC_LEVELS[1:])))
        self._insert(_SOCS, ["soc", *SOC_LEVELS[1:]], rows)
        low, high, longest = self._sql(
            f"SELECT min(sw), max(ew), max(ew - sw) FROM {_CHANGES}"
        ).one()
        self._create(_WEEKS, "w INTEGER PRIMARY KEY, week DATE NOT NULL")
        self._create(_SPANS, "d INTEGER PRIMARY KEY")
        if low is not None:
            self._insert(
                _WEEKS,
                ["w", "week"],
                [(w, self._date(_EPOCH_MONDAY + timedelta(weeks=w))) for w in range(low, high + 1)],
            )
            self._insert(_SPANS, ["d"], [(d,) for d in range(longest + 1)])
        for name in (_SOCS, _WEEKS, _SPANS):
            self._analyze(name)

    def _date(self, day: date) -> date | str:
        # SQLite stores dates as ISO text (the sqlite3 module's own date adapter is deprecated).
        return day if self.postgres else day.isoformat()

    def _insert(self, name: str, columns: list[str], rows: list[tuple]) -> None:
        if not rows:
            return
        statement = text(
            f"INSERT INTO {name} ({', '.join(columns)}) "
            f"VALUES ({', '.join(':' + c for c in columns)})"
        )
        records = [dict(zip(columns, row, strict=True)) for row in rows]
        for i in range(0, len(records), _INSERT_CHUNK):
            self.connection.execute(statement, records[i : i + _INSERT_CHUNK])

    def series(self, target: str) -> int:
        """Write the signed weekly counts of the staged changes into ``target``; return rows."""
        self._calendar()
        written = self.occupation_series(target)
        if "skill" in self.dimensions:
            written += self.skill_series(target)
        return written

    def _cells(self, key_join: str, key: str, kind: str) -> None:
        """Sum signed new and active jobs per week at the finest grain: key, area, metro, state."""
        if _CELLS in self.created:
            self._sql(f"DROP TABLE {_CELLS}")
            self.created.remove(_CELLS)
        self._create(
            _CELLS,
            "w INTEGER NOT NULL, key VARCHAR(200), kind VARCHAR(20), area VARCHAR(40), "
            "cbsa VARCHAR(40), state VARCHAR(40), new INTEGER NOT NULL, active INTEGER NOT NULL",
        )
        # PostgreSQL refuses a constant in GROUP BY.
        groups = ["j.sw + s.d", key, *([kind] if kind != "NULL" else []), "j.area", "j.cbsa",
                  "j.state"]  # fmt: skip
        self._sql(
            f"INSERT INTO {_CELLS} (w, key, kind, area, cbsa, state, new, active) "
            f"SELECT j.sw + s.d, {key}, {kind}, j.area, j.cbsa, j.state, "
            "sum(CASE WHEN s.d = 0 THEN j.sign ELSE 0 END), sum(j.sign) "
            f"FROM {_CHANGES} j {key_join} "
            f"JOIN {_SPANS} s ON s.d <= j.ew - j.sw "
            f"GROUP BY {', '.join(groups)} "
            # A job seen again moves only its last weeks: the rest cancels out here.
            "HAVING sum(CASE WHEN s.d = 0 THEN j.sign ELSE 0 END) <> 0 OR sum(j.sign) <> 0"
        )
        self._analyze(_CELLS)

    def _roll_up(
        self, target: str, dimension: str, level: str, key: str, key_join: str, where: str
    ) -> int:
        written = 0
        for geo_level in GEO_LEVELS:
            geo = f"'{NATION}'" if geo_level == "nation" else f"c.{geo_level}"
            groups = [key] if key.startswith(("c.", "s.")) else []
            groups += [geo] if geo_level != "nation" else []
            conditions = [where] if where else []
            conditions += [f"{geo} IS NOT NULL"] if geo_level != "nation" else []
            result = self._sql(
                f"INSERT INTO {target} "
                "(dimension, level, key, geo_level, geo, week, new, active) "
                f"SELECT '{dimension}', '{level}', {key}, '{geo_level}', {geo}, k.week, "
                "sum(c.new), sum(c.active) "
                f"FROM {_CELLS} c {key_join} JOIN {_WEEKS} k ON k.w = c.w "
                + (f"WHERE {' AND '.join(conditions)} " if conditions else "")
                + f"GROUP BY {', '.join([*groups, 'k.week'])} "
                + "HAVING sum(c.new) <> 0 OR sum(c.active) <> 0 "
                # In primary-key order: each statement then fills one key range of the index.
                + f"ORDER BY {', '.join([*groups, 'k.week'])}"
            )
            written += result.rowcount
        return written

    def occupation_series(self, target: str) -> int:
        """Write occupation series at every SOC level and geography level; return the rows."""
        self._cells("", "j.soc", "NULL")
        written = self._roll_up(target, "occupation", "all", "'all'", "", "")
        join = f"JOIN {_SOCS} s ON s.soc = c.key"
        for level in SOC_LEVELS[1:]:
            written += self._roll_up(target, "occupation", level, f"s.{level}", join, "")
        return written

    def skill_series(self, target: str) -> int:
        """Write skill series (level: the skill kind) at every geography level."""
        kinds = ", ".join(f"'{kind}'" for kind in SKILL_KINDS)
        self._cells(
            f"JOIN trend_posting_skills ps ON ps.posting_id = j.job_id AND ps.kind IN ({kinds})",
            "ps.skill_id",
            "ps.kind",
        )
        return sum(
            self._roll_up(target, "skill", kind, "c.key", "", f"c.kind = '{kind}'")
            for kind in SKILL_KINDS
        )

    def _apply_delta(self) -> None:
        """Add the staged differences to the stored rows; drop rows no job is active in."""
        columns = "dimension, level, key, geo_level, geo, week"
        self._sql(
            f"INSERT INTO trend_series ({columns}, new, active) "
            # "WHERE true": SQLite would read ON CONFLICT as part of a join without it.
            f"SELECT {columns}, new, active FROM {_DELTA} WHERE true "
            f"ON CONFLICT ({columns}) DO UPDATE SET new = trend_series.new + excluded.new, "
            "active = trend_series.active + excluded.active"
        )
        match = " AND ".join(f"d.{c} = trend_series.{c}" for c in columns.split(", "))
        self._sql(
            "DELETE FROM trend_series WHERE active = 0 AND EXISTS "
            f"(SELECT 1 FROM {_DELTA} d WHERE d.active < 0 AND {match})"
        )

    def _store_jobs(self) -> None:
        """Replace the stored state of the changed jobs with the one just counted."""
        self._sql(
            "DELETE FROM trend_jobs "
            f"WHERE job_id IN (SELECT job_id FROM {_CHANGES} WHERE sign = -1)"
        )
        self._sql(
            "INSERT INTO trend_jobs (job_id, first_week, last_week, soc, area, cbsa, state) "
            f"SELECT job_id, sw, ew, soc, area, cbsa, state FROM {_CHANGES} WHERE sign = 1 "
            "ORDER BY job_id"
        )

    def drop(self) -> None:
        """Drop the staging tables (SQLite; PostgreSQL drops them at commit)."""
        if not self.postgres:
            for name in reversed(self.created):
                self._sql(f"DROP TABLE IF EXISTS {name}")
        self.created = []


def last_watermark(engine: Engine) -> datetime | None:
    """Return the watermark of the last refresh (None if never refreshed)."""
    query = select(trend_refreshes.c.watermark).order_by(trend_refreshes.c.id.desc()).limit(1)
    with engine.connect() as connection:
        return connection.execute(query).scalar()


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
        return latest_series_week(connection)


def weekly_values(frame: pd.DataFrame, metric: str, end: date) -> pd.Series:
    """Return one key's metric as a gap-free weekly series ending at ``end`` (missing weeks 0)."""
    if frame.empty:
        return pd.Series(dtype=float)
    values = frame.set_index("week")[metric].astype(float)
    weeks = pd.date_range(values.index.min(), pd.Timestamp(end), freq="7D")
    return values.reindex(weeks, fill_value=0.0)
