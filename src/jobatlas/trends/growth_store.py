"""Growth of every stored series, computed once per refresh and read by the pages and the API.

Computing 90 % intervals for every occupation of a place on each request cost seconds at a
million postings. The refresh instead sums each series' windows in one SQL aggregate (sums and
sums of squares are all ``growth.compare_sums`` needs), computes growth for every series in bulk
and writes ``trend_growth`` in the same transaction as the series, so the two never disagree.
Rows carry the end week they were computed for; a reader asking for another end week (a new
week has begun since the refresh) or finding no rows gets ``None`` and computes on demand.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

import numpy as np
import pandas as pd
from sqlalchemy import (
    Connection,
    Date,
    Engine,
    and_,
    case,
    column,
    delete,
    exists,
    func,
    not_,
    select,
    table,
    text,
)
from sqlalchemy.types import Float

from jobatlas.trends.growth import WINDOWS, growth_from_sums
from jobatlas.trends.tables import trend_growth, trend_series

logger = logging.getLogger(__name__)

METRICS = ("new", "active")
_WORK_MEM = "256MB"
_COLUMNS = [c.name for c in trend_growth.columns]
_SERIES_KEY = ("dimension", "level", "geo_level", "geo", "key")


def growth_end(latest: date | None, today: date) -> date | None:
    """Return the latest complete week with series (None when nothing is stored)."""
    if latest is None:
        return None
    # The current week is still filling up; growth over it would look like a fall.
    monday = today - timedelta(days=today.weekday())
    return min(latest, monday - timedelta(weeks=1))


def _stored_date(value) -> date | None:
    # SQLite returns an aggregate of dates as text.
    return date.fromisoformat(value) if isinstance(value, str) else value


def latest_series_week(connection: Connection) -> date | None:
    """Return the latest week with stored series (None when nothing is stored)."""
    return _stored_date(connection.execute(select(func.max(trend_series.c.week))).scalar())


def growth_is_current(connection: Connection, today: date) -> bool:
    """Return whether ``trend_growth`` holds the growth at today's end week."""
    stored = connection.execute(select(func.max(trend_growth.c.end_week))).scalar()
    return _stored_date(stored) == growth_end(latest_series_week(connection), today)


def write_growth(connection: Connection, today: date) -> int:
    """Replace ``trend_growth`` with the growth of every series at the current end week."""
    connection.execute(delete(trend_growth))
    end = growth_end(latest_series_week(connection), today)
    if end is None:
        return 0
    if connection.dialect.name == "postgresql":
        # Hundreds of thousands of groups: hash them in memory rather than sort on disk.
        connection.execute(text(f"SET LOCAL work_mem = '{_WORK_MEM}'"))
        connection.execute(text("SET LOCAL jit = off"))
    return _store(connection, _window_sums(connection, end), end)


def update_growth(connection: Connection, today: date, changed: str | None) -> int:
    """Store growth again for the series with rows in table ``changed``; return the rows.

    ``changed`` names a table keyed like ``trend_series`` (the differences a refresh added);
    None means no series changed. Growth at an end week depends only on a series' own rows up
    to that week, so the other stored rows stay right, unless the end week itself moved (a new
    week has begun): then every series is computed again.
    """
    if not growth_is_current(connection, today):
        return write_growth(connection, today)
    end = growth_end(latest_series_week(connection), today)
    if changed is None or end is None:
        return 0
    rows = table(changed, *(column(name) for name in _SERIES_KEY), column("week", Date))
    series = (
        select(*(rows.c[name] for name in _SERIES_KEY))
        .where(rows.c.week <= end)
        .distinct()
        .subquery()
    )
    connection.execute(
        delete(trend_growth).where(
            exists().where(*(series.c[name] == trend_growth.c[name] for name in _SERIES_KEY))
        )
    )
    return _store(connection, _window_sums(connection, end, series), end)


def _store(connection: Connection, sums: pd.DataFrame, end: date) -> int:
    if sums.empty:
        return 0
    rows = _growth_rows(sums, end)
    if connection.dialect.name == "postgresql":
        _copy_csv(connection, rows)
    else:
        connection.execute(trend_growth.insert(), rows.to_dict("records"))
    logger.info("trend growth at %s: %d rows", end, len(rows))
    return len(rows)


def _copy_csv(connection: Connection, rows: pd.DataFrame) -> None:
    """Write growth rows with one COPY of CSV text (an empty field is NULL).

    A million rows as dicts, one ``write_row`` each, took 30 of the 40 seconds growth of every
    series takes; pandas writes the whole text at once. Floats keep their shortest exact form.
    """
    names = ", ".join(f'"{name}"' for name in rows.columns)
    driver = connection.connection.driver_connection
    with (
        driver.cursor() as cursor,
        cursor.copy(f"COPY trend_growth ({names}) FROM STDIN WITH (FORMAT csv)") as copy,
    ):
        copy.write(rows.to_csv(index=False, header=False, na_rep=""))


def _window_sums(connection: Connection, end: date, only=None) -> pd.DataFrame:
    """Return per series its first week, end-week active count and each window's sums.

    ``only``: a selectable of series keys (``_SERIES_KEY``) to restrict the sums to.
    """
    t = trend_series
    columns = [
        func.min(t.c.week).label("first_week"),
        func.sum(case((t.c.week == end, t.c.active), else_=0)).label("end_active"),
    ]
    for metric in METRICS:
        value = t.c[metric]
        square = value.cast(Float) * value.cast(Float)  # floats: integer squares overflow
        for window, (back, stop) in WINDOWS.items():
            inside = t.c.week.between(end - timedelta(weeks=stop - 1), end - timedelta(weeks=back))
            columns.append(func.sum(case((inside, value), else_=0)).label(f"{metric}_{window}_sum"))
            columns.append(
                func.sum(case((inside, square), else_=0.0)).label(f"{metric}_{window}_sq")
            )
    keys = [t.c.dimension, t.c.level, t.c.geo_level, t.c.geo, t.c.key]
    query = (
        select(*keys, *columns)
        # The "all" level is a single total per place; no table lists it.
        .where(t.c.week <= end, not_(and_(t.c.dimension == "occupation", t.c.level == "all")))
        .group_by(*keys)
    )
    if only is not None:
        query = query.join(only, and_(*(only.c[name] == t.c[name] for name in _SERIES_KEY)))
    result = connection.execute(query)
    return pd.DataFrame(result.all(), columns=list(result.keys()))


def _growth_rows(sums: pd.DataFrame, end: date) -> pd.DataFrame:
    """Return the ``trend_growth`` rows of each series and metric, in primary-key order."""
    first = pd.to_datetime(sums["first_week"])
    weeks_seen = ((pd.Timestamp(end) - first).dt.days // 7 + 1).to_numpy()
    parts = []
    for metric in METRICS:
        window_sums = {
            f"{window}_{kind}": sums[f"{metric}_{window}_{kind}"].to_numpy(dtype=float)
            for window in WINDOWS
            for kind in ("sum", "sq")
        }
        table = growth_from_sums(range(len(sums)), window_sums, weeks_seen).drop(columns="key")
        keys = sums[["geo_level", "geo", "dimension", "level", "key"]].reset_index(drop=True)
        parts.append(pd.concat([keys.assign(metric=metric), table], axis=1))
    rows = pd.concat(parts, ignore_index=True)
    rows["end_week"] = end
    rows["active"] = np.tile(np.asarray(sums["end_active"], dtype=np.int64), len(METRICS))
    # Index order makes the bulk write append to the index instead of splitting pages.
    return rows.sort_values(["geo_level", "geo", "dimension", "metric", "level", "key"])[_COLUMNS]


def read_growth(
    engine: Engine,
    *,
    dimension: str,
    geo_level: str,
    geo: str,
    metric: str,
    end: date,
    level: str | None = None,
    keys: list[str] | None = None,
) -> list[dict] | None:
    """Return stored growth rows of one place at ``end``; None when none are stored for it."""
    t = trend_growth
    query = select(t).where(
        t.c.dimension == dimension,
        t.c.geo_level == geo_level,
        t.c.geo == geo,
        t.c.metric == metric,
        t.c.end_week == end,
    )
    if level is not None:
        query = query.where(t.c.level == level)
    if keys is not None:
        query = query.where(t.c.key.in_(keys))
    with engine.connect() as connection:
        rows = [dict(row) for row in connection.execute(query.order_by(t.c.key)).mappings()]
    return rows or None
