"""Growth of every stored series, computed once per refresh and read by the pages and the API.

Computing 90 % intervals for every occupation of a place on each request cost seconds at a
million postings. The refresh instead sums each series' windows in one SQL aggregate (sums and
sums of squares are all ``growth.compare_sums`` needs), computes growth for every series in bulk
and writes ``trend_growth`` in the same transaction as the series, so the two never disagree.
Rows carry the end week they were computed for; a reader asking for another end week (a new
week has begun since the refresh) or finding no rows gets ``None`` and computes on demand.
"""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from datetime import date, timedelta

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from psycopg.copy import QueuedLibpqWriter
from sqlalchemy import (
    Connection,
    Date,
    Engine,
    and_,
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

from jobatlas.trends.growth import COUNTS, WINDOWS, growth_arrays
from jobatlas.trends.tables import trend_growth, trend_series

logger = logging.getLogger(__name__)

METRICS = ("new", "active")
_WORK_MEM = "256MB"
_COLUMNS = [c.name for c in trend_growth.columns]
_SERIES_KEY = ("dimension", "level", "geo_level", "geo", "key")
_PRIMARY_KEY = [c.name for c in trend_growth.primary_key.columns]
# The primary key without the end week (one per write) and the metric: sums in this order give
# growth rows in index order.
_SUMS_ORDER = [name for name in _PRIMARY_KEY if name not in ("end_week", "metric")]
_BLOCK = 50_000


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


def _store(connection: Connection, sums: pa.Table, end: date) -> int:
    if sums.num_rows == 0:
        return 0
    if connection.dialect.name == "postgresql":
        written = _copy_growth(connection, sums, end)
    else:
        rows = _growth_rows(sums, end)
        connection.execute(trend_growth.insert(), rows.to_pylist())
        written = rows.num_rows
    logger.info("trend growth at %s: %d rows", end, written)
    return written


def _copy_growth(connection: Connection, sums: pa.Table, end: date) -> int:
    """Write growth rows with COPY, a block of places at a time, in primary-key order.

    Storing a million rows under the primary key is the longest step (10 s and more, all in
    the server): a writer thread sends each block while the next one is computed. Rows go
    as CSV text (an empty unquoted field is NULL; floats keep their shortest exact form).
    Written one ``write_row`` each they took 30 s, through pandas ``to_csv`` still 6.
    """
    sums = sums.take(pc.sort_indices(sums, [(name, "ascending") for name in _SUMS_ORDER]))
    names = ", ".join(f'"{name}"' for name in _COLUMNS)
    statement = f"COPY trend_growth ({names}) FROM STDIN WITH (FORMAT csv)"
    options = pacsv.WriteOptions(include_header=False)
    written = 0
    driver = connection.connection.driver_connection
    with (
        driver.cursor() as cursor,
        cursor.copy(statement, writer=QueuedLibpqWriter(cursor)) as copy,
    ):
        for start, stop in _blocks(sums, _BLOCK):
            rows = _growth_rows(sums.slice(start, stop - start), end)
            text_out = pa.BufferOutputStream()
            pacsv.write_csv(rows, text_out, options)
            copy.write(text_out.getvalue())
            written += rows.num_rows
    return written


def _blocks(sums: pa.Table, size: int) -> Iterator[tuple[int, int]]:
    """Yield row ranges of sorted ``sums`` of about ``size`` series, whole places each.

    A place's table (geo_level, geo, dimension) lists one metric's rows before the other's,
    so a block that split it would write out of index order.
    """
    n = sums.num_rows
    starts = np.zeros(n, dtype=bool)
    starts[0] = True
    for name in _SUMS_ORDER[:3]:
        values = sums.column(name)
        starts[1:] |= pc.not_equal(values.slice(1), values.slice(0, n - 1)).to_numpy()
    begin = 0
    for start in np.flatnonzero(starts):
        if start - begin >= size:
            yield begin, int(start)
            begin = int(start)
    yield begin, n


_SUMS_TYPES = {
    **{name: pa.string() for name in _SERIES_KEY},
    "first_week": pa.date32(),
    "end_active": pa.int64(),
    **{
        f"{metric}_{window}_{kind}": pa.int64() if kind == "sum" else pa.float64()
        for metric in METRICS
        for window in WINDOWS
        for kind in ("sum", "sq")
    },
}


def _window_sums(connection: Connection, end: date, only=None) -> pa.Table:
    """Return per series its first week, end-week active count and each window's sums.

    ``only``: a selectable of series keys (``_SERIES_KEY``) to restrict the sums to.
    """
    t = trend_series
    columns = [
        func.min(t.c.week).label("first_week"),
        _sum_where(t.c.active, t.c.week == end, 0).label("end_active"),
    ]
    for metric in METRICS:
        value = t.c[metric]
        square = value.cast(Float) * value.cast(Float)  # floats: integer squares overflow
        for window, (back, stop) in WINDOWS.items():
            inside = t.c.week.between(end - timedelta(weeks=stop - 1), end - timedelta(weeks=back))
            columns.append(_sum_where(value, inside, 0).label(f"{metric}_{window}_sum"))
            columns.append(_sum_where(square, inside, 0.0).label(f"{metric}_{window}_sq"))
    keys = [t.c[name] for name in _SERIES_KEY]
    query = (
        select(*keys, *columns)
        # The "all" level is a single total per place; no table lists it.
        .where(t.c.week <= end, not_(and_(t.c.dimension == "occupation", t.c.level == "all")))
        .group_by(*keys)
    )
    if only is not None:
        query = query.join(only, and_(*(only.c[name] == t.c[name] for name in _SERIES_KEY)))
    if connection.dialect.name == "postgresql":
        return _copy_out(connection, query)
    result = connection.execute(query)
    names, rows = list(result.keys()), result.all()
    values = dict(zip(names, zip(*rows, strict=True) if rows else [()] * len(names), strict=True))
    values["first_week"] = [_stored_date(day) for day in values["first_week"]]
    return pa.table({name: pa.array(values[name], _SUMS_TYPES[name]) for name in names})


def _sum_where(value, condition, zero):
    """Return the sum of ``value`` over the rows meeting ``condition`` (``zero`` if none)."""
    # FILTER skips the other rows' additions; CASE ... ELSE 0 made every row add a zero.
    return func.coalesce(func.sum(value).filter(condition), zero)


def _copy_out(connection: Connection, query) -> pa.Table:
    """Run ``query`` as ``COPY ... TO STDOUT`` and parse the CSV with Arrow.

    Half a million rows of 19 columns took 6 s to turn from rows into a DataFrame; as CSV
    text they parse in a fraction of a second, with the same values (floats print exactly).
    """
    compiled = query.compile(dialect=connection.dialect)
    driver = connection.connection.driver_connection
    received = io.BytesIO()
    with (
        driver.cursor() as cursor,
        cursor.copy(
            f"COPY ({compiled}) TO STDOUT WITH (FORMAT csv, HEADER)", compiled.params
        ) as copy,
    ):
        for block in copy:
            received.write(block)
    received.seek(0)
    return pacsv.read_csv(
        received,
        convert_options=pacsv.ConvertOptions(column_types=_SUMS_TYPES, strings_can_be_null=False),
    )


def _growth_rows(sums: pa.Table, end: date) -> pa.Table:
    """Return the ``trend_growth`` rows of each series and metric, in primary-key order."""
    first = sums.column("first_week").to_numpy().astype("datetime64[D]")
    weeks_seen = (np.datetime64(end, "D") - first).astype(np.int64) // 7 + 1
    parts = []
    for metric in METRICS:
        window_sums = {
            f"{window}_{kind}": sums.column(f"{metric}_{window}_{kind}").to_numpy().astype(float)
            for window in WINDOWS
            for kind in ("sum", "sq")
        }
        parts.append(growth_arrays(window_sums, weeks_seen))
    n = sums.num_rows
    columns = {
        name: pa.concat_arrays([sums.column(name).combine_chunks()] * len(METRICS))
        for name in _SERIES_KEY
    }
    columns["metric"] = pa.array(np.repeat(np.array(METRICS, dtype=object), n), pa.string())
    columns["end_week"] = pa.repeat(pa.scalar(end, pa.date32()), n * len(METRICS))
    active = sums.column("end_active").to_numpy()
    columns["active"] = pa.array(np.tile(active, len(METRICS)), pa.int64())
    for name in parts[0]:
        columns[name] = _arrow(name, np.concatenate([part[name] for part in parts]))
    rows = pa.table({name: columns[name] for name in _COLUMNS})
    # In index order the write visits each index page once.
    return rows.sort_by([(name, "ascending") for name in _PRIMARY_KEY])


def _arrow(name: str, values: np.ndarray) -> pa.Array:
    """Return a typed growth column as Arrow: NaN and None become NULL, counts integers."""
    if values.dtype == object:
        return pa.array(values, pa.string())
    missing = np.isnan(values)
    if name.endswith(COUNTS):
        return pa.array(np.where(missing, 0, values).astype(np.int64), mask=missing)
    return pa.array(values, mask=missing)


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
