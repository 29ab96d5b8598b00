"""Read stored postings as Arrow record batches with one query, for bulk export.

PostgreSQL streams ``COPY (query) TO STDOUT`` as CSV straight into Arrow's CSV reader, so no
Python object is built per row; SQLite runs the same query shape through ``fetchmany``. The
query joins each posting's occupation codes as JSON text, best rank first.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from sqlalchemy import Connection, Engine, String, column, text

from jobatlas.storage.rows import POSTINGS

BATCH_ROWS = 50_000
# The columns of every export file, in file order; ``occupations`` is JSON text.
COLUMNS = [
    "source", "source_id", "url", "title", "body", "employer", "compensation_raw",
    "compensation_min", "compensation_max", "compensation_unit", "compensation_currency",
    "employment_type", "posted_at", "valid_through", "area", "locality", "region",
    "postal_code", "latitude", "longitude", "category", "occupations", "model_version",
    "first_seen", "last_seen",
]  # fmt: skip
FLOATS = frozenset({"compensation_min", "compensation_max", "latitude", "longitude"})
DATES = frozenset({"posted_at", "valid_through", "first_seen", "last_seen"})
TIMESTAMP = pa.timestamp("us", tz="UTC")
EXPORT_SCHEMA = pa.schema(
    [
        (name, pa.float64() if name in FLOATS else TIMESTAMP if name in DATES else pa.string())
        for name in COLUMNS
    ]
)


def stored_batches(engine: Engine, include_duplicates: bool = True) -> Iterator[pa.RecordBatch]:
    """Yield every stored posting in id order as record batches of ``EXPORT_SCHEMA``."""
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            yield from _postgresql_batches(connection, include_duplicates)
        else:
            yield from _fetched_batches(connection, include_duplicates)


def _postgresql_batches(connection: Connection, include_duplicates: bool) -> Iterator:
    # Dates leave as microseconds since the epoch: Arrow reads integers without parsing text.
    selected = [
        f"(extract(epoch FROM p.{name}) * 1000000)::bigint AS {name}"
        if name in DATES
        else "coalesce(o.codes, '[]') AS occupations"
        if name == "occupations"
        else f"p.{name}"
        for name in COLUMNS
    ]
    originals = "" if include_duplicates else "AND p.duplicate_of IS NULL"
    # One id range at a time keeps memory flat; grouping the codes by posting_id walks the
    # primary key in order, a merge join with the postings and no sort.
    query = (
        f"SELECT {', '.join(selected)}"
        " FROM postings AS p LEFT JOIN ("
        "  SELECT posting_id, json_agg(json_build_object('code', code, 'score', score,"
        "   'rank', rank) ORDER BY rank)::text AS codes"
        "  FROM posting_occupations WHERE posting_id > {low} AND posting_id <= {high}"
        "  GROUP BY posting_id) AS o ON o.posting_id = p.id"
        f" WHERE p.id > {{low}} AND p.id <= {{high}} {originals} ORDER BY p.id"
    )
    types = {name: pa.int64() if name in DATES else field.type
             for name, field in zip(EXPORT_SCHEMA.names, EXPORT_SCHEMA, strict=True)}  # fmt: skip
    options = pacsv.ConvertOptions(
        column_types=types,
        null_values=[""],
        strings_can_be_null=True,
        quoted_strings_can_be_null=False,  # COPY writes NULL unquoted, an empty text as ""
    )
    parse = pacsv.ParseOptions(newlines_in_values=True)
    low, high = connection.exec_driver_sql("SELECT min(id) - 1, max(id) FROM postings").one()
    driver = connection.connection.driver_connection
    for start in range(low or 0, high or 0, BATCH_ROWS):
        sql = query.format(low=start, high=start + BATCH_ROWS)
        buffer = io.BytesIO()
        with (
            driver.cursor() as cursor,
            cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv, HEADER true)") as copy,
        ):
            for block in copy:
                buffer.write(block)
        buffer.seek(0)
        table = pacsv.read_csv(buffer, parse_options=parse, convert_options=options)
        if table.num_rows:
            yield from _with_dates(table).combine_chunks().to_batches()


def _with_dates(table: pa.Table) -> pa.Table:
    arrays = [
        table[name].cast(TIMESTAMP) if name in DATES else table[name]
        for name in EXPORT_SCHEMA.names
    ]
    return pa.table(arrays, schema=EXPORT_SCHEMA)


def _fetched_batches(connection: Connection, include_duplicates: bool) -> Iterator:
    # Ordered in a subquery: SQLite before 3.44 has no ORDER BY inside an aggregate.
    selected = [
        "(SELECT json_group_array(json_object('code', code, 'score', score, 'rank', rank))"
        "  FROM (SELECT code, score, rank FROM posting_occupations AS o"
        "        WHERE o.posting_id = p.id ORDER BY rank))"
        if name == "occupations"
        else f"p.{name}"
        for name in COLUMNS
    ]
    where = "" if include_duplicates else "WHERE p.duplicate_of IS NULL"
    query = text(f"SELECT {', '.join(selected)} FROM postings AS p {where} ORDER BY p.id")
    # Typed by the table's columns, so that stored dates come back as aware UTC datetimes.
    typed = query.columns(
        *(column(name, String) if name == "occupations" else POSTINGS.c[name] for name in COLUMNS)
    )
    result = connection.execution_options(yield_per=BATCH_ROWS).execute(typed)
    while rows := result.fetchmany(BATCH_ROWS):
        columns = list(zip(*rows, strict=True))
        arrays = [
            pa.array(values, type=field.type)
            for values, field in zip(columns, EXPORT_SCHEMA, strict=True)
        ]
        yield pa.RecordBatch.from_arrays(arrays, schema=EXPORT_SCHEMA)


def iso_dates(column: pa.Array) -> pa.Array:
    """Return UTC timestamps as ISO 8601 text as ``datetime.isoformat`` writes them."""
    text = pc.strftime(column, format="%Y-%m-%dT%H:%M:%S")
    text = pc.replace_substring_regex(text, r"\.0+$", "")
    return pc.binary_join_element_wise(text, "+00:00", "")
