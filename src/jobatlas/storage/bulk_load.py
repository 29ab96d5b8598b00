"""Store prepared batches of postings in PostgreSQL with COPY and a few set-based statements.

Each batch is copied into temporary staging tables and merged in one transaction:

1. one row per ``(source, source_id)``: a posting repeated in the batch keeps its last copy,
   seen from the earliest first sighting to the latest last one;
2. ``INSERT ... SELECT ... ON CONFLICT DO UPDATE`` with the rules of
   :meth:`PostingRepository.upsert` (``postings.KEEP_IF_MISSING``: a missing value never
   blanks a stored one, sightings only widen); a stored row the file would not change is not
   rewritten, so importing a file twice writes nothing the second time;
3. a new posting whose content fingerprint equals an earlier posting's is linked to that
   posting's original, as the crawl links exact reposts. Near duplicates (MinHash band keys)
   are not looked for, and imported originals get no band keys: a repost crawled later finds
   them by fingerprint only;
4. postings that bring occupation codes get exactly those codes; others keep theirs.

An import into an empty ``postings`` table (a first load) runs as one transaction that holds
both posting tables locked: their secondary indexes are dropped and built again once at the
end, and reposts are linked once over the whole file, by each posting's final content. Keeping
a million rows' entries in 17 indexes up to date batch by batch cost more than the rows
themselves; should the load fail, the rollback restores the indexes with the empty tables.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from jobatlas.storage.bulk_prepare import CODES_SCHEMA, STAGE_SCHEMA, Prepared
from jobatlas.storage.postings import KEEP_IF_MISSING, Rejection

_STAGE, _CODES, _ROWS = "bulk_stage", "bulk_stage_codes", "bulk_rows"
# A first load gathers the new postings of every batch here, to link reposts once at the end.
_LOADED = "bulk_loaded"
_POSTING_TABLES = ("postings", "posting_occupations")
# Column types of the staging table: as in ``postings``, plus the file position.
_STAGE_TYPES = {"position": "bigint", "comparable": "boolean"}
_WRITTEN = [n for n in STAGE_SCHEMA.names if n not in ("position", "comparable")]


@dataclass
class Counts:
    """What one batch did, counted as :class:`UpsertResult` counts."""

    new: int = 0
    duplicate: int = 0
    updated: int = 0

    def __iadd__(self, other: Counts) -> Counts:
        self.new += other.new
        self.duplicate += other.duplicate
        self.updated += other.updated
        return self


@dataclass
class Encoded:
    """A prepared batch as the CSV text COPY reads, made where the batch is prepared.

    Encoding in the preparing process keeps the merging one free to only move bytes.
    """

    postings: pa.Buffer  # STAGE_SCHEMA columns, with a header line
    codes: pa.Buffer  # CODES_SCHEMA columns, with a header line
    rows: int
    rejected: list[Rejection]


def encode(prepared: Prepared) -> Encoded:
    """Return ``prepared`` as CSV text for COPY (NULL as an empty field, "" as quoted)."""
    return Encoded(
        postings=_csv(prepared.postings.select(STAGE_SCHEMA.names)),
        codes=_csv(prepared.codes.select(CODES_SCHEMA.names)),
        rows=prepared.postings.num_rows,
        rejected=prepared.rejected,
    )


def _csv(table: pa.Table) -> pa.Buffer:
    buffer = pa.BufferOutputStream()
    pacsv.write_csv(table, buffer)
    return buffer.getvalue()


def store_batches(connection: Connection, batches: Iterable[Encoded]) -> Counts:
    """Merge every batch into the posting tables; return what they did in all.

    ``connection`` must be outside a transaction. Each batch commits on its own, except in a
    first load (``postings`` empty), which commits once (see the module notes).
    """
    _use_large_temp_buffers(connection)
    if _locked_while_empty(connection):
        return _first_load(connection, batches)
    total = Counts()
    for batch in batches:
        with connection.begin():
            total += store_batch(connection, batch)
    return total


def _use_large_temp_buffers(connection: Connection) -> None:
    # A 50,000-posting batch fills ~60 MB of staging; with the default 8 MB of temporary
    # buffers every statement reads it back through the kernel. The setting can only change
    # before the session's first temporary table: a pooled session keeps the earlier value.
    with connection.begin():
        try:
            with connection.begin_nested():
                connection.exec_driver_sql("SET temp_buffers = '256MB'")
        except DBAPIError:
            pass


def _locked_while_empty(connection: Connection) -> bool:
    """Begin a transaction holding the posting tables if ``postings`` is empty; else none."""
    if connection.exec_driver_sql("SELECT EXISTS (SELECT 1 FROM postings)").scalar():
        connection.rollback()
        return False
    # Checked again under the lock: a crawl may have stored its first posting in between.
    connection.exec_driver_sql(f"LOCK TABLE {', '.join(_POSTING_TABLES)} IN ACCESS EXCLUSIVE MODE")
    if connection.exec_driver_sql("SELECT EXISTS (SELECT 1 FROM postings)").scalar():
        connection.rollback()
        return False
    return True


def _first_load(connection: Connection, batches: Iterable[Encoded]) -> Counts:
    run = connection.exec_driver_sql
    _create_staging(connection)
    # Checked once per table at the end instead of once per row.
    foreign_keys = _foreign_keys(connection, _POSTING_TABLES)
    for table_name, name, _ in foreign_keys:
        run(f'ALTER TABLE {table_name} DROP CONSTRAINT "{name}"')
    indexes = secondary_indexes(connection, _POSTING_TABLES)
    for name, _ in indexes:
        run(f'DROP INDEX "{name}"')
    run(f"CREATE TEMP TABLE {_LOADED} ON COMMIT DROP AS"
        f" SELECT id, fingerprint, comparable FROM {_ROWS} WITH NO DATA")  # fmt: skip
    total = Counts()
    for batch in batches:
        total += store_batch(connection, batch, first_load=True)
        run(f"INSERT INTO {_LOADED} SELECT id, fingerprint, comparable FROM {_ROWS}"
            " WHERE is_new")  # fmt: skip
        # Emptied at commit otherwise, and this transaction holds every batch.
        run(f"TRUNCATE {_STAGE}, {_CODES}, {_ROWS}")
    # Linked before the indexes come back: each link rewrites its row in every index. The
    # window sorts every loaded fingerprint, in memory rather than in temporary files.
    run("SET LOCAL work_mem = '256MB'")
    linked = run(_LINK_LOADED).rowcount
    total.new -= linked
    total.duplicate += linked
    run("SET LOCAL maintenance_work_mem = '512MB'")
    for _, definition in indexes:
        run(definition)
    for table_name, name, definition in foreign_keys:
        run(f'ALTER TABLE {table_name} ADD CONSTRAINT "{name}" {definition}')
    run(f"ANALYZE {', '.join(_POSTING_TABLES)}")
    connection.commit()
    return total


def secondary_indexes(connection: Connection, tables: Iterable[str]) -> list[tuple[str, str]]:
    """Return (name, definition) of the tables' indexes that back no constraint."""
    rows = connection.exec_driver_sql(
        """SELECT i.indexname, i.indexdef FROM pg_indexes AS i
           WHERE i.schemaname = current_schema() AND i.tablename = ANY(%(tables)s)
             AND NOT EXISTS (SELECT 1 FROM pg_constraint AS c WHERE c.conname = i.indexname)
           ORDER BY i.indexname""",
        {"tables": list(tables)},
    )
    return [(name, definition) for name, definition in rows]


def _foreign_keys(connection: Connection, tables: Iterable[str]) -> list[tuple[str, str, str]]:
    """Return (table, name, definition) of the foreign keys the tables hold."""
    rows = connection.exec_driver_sql(
        """SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
           FROM pg_constraint AS c
           WHERE c.contype = 'f' AND c.conrelid::regclass::text = ANY(%(tables)s)
           ORDER BY c.conname""",
        {"tables": list(tables)},
    )
    return [(table_name, name, definition) for table_name, name, definition in rows]


def store_batch(connection: Connection, batch: Encoded, first_load: bool = False) -> Counts:
    """Merge one prepared batch into ``postings`` and ``posting_occupations``.

    ``first_load``: the transaction holds both tables (see :func:`_first_load`), so new
    postings need no conflict check, and they are left unlinked (linked at the end).
    """
    _create_staging(connection)
    _copy(connection, _STAGE, STAGE_SCHEMA.names, batch.postings)
    _copy(connection, _CODES, CODES_SCHEMA.names, batch.codes)
    run = connection.exec_driver_sql
    # Compiling these statements with JIT took longer than running them.
    run("SET LOCAL jit = off")
    # Temporary tables have no statistics until analyzed: without them the planner matched a
    # batch's codes against every stored code (5x slower on a re-import). Only the key columns:
    # sampling the posting bodies too took a fifth of a million-posting import.
    run(f"ANALYZE {_STAGE} (position, source, source_id), {_CODES} (position)")
    run(_MERGE_REPEATED_SIGHTINGS)
    run(_ONE_ROW_PER_KEY)
    run(f"ANALYZE {_ROWS}")
    if first_load:
        # No one else can store a posting between finding that it is new and inserting it.
        run(_upsert_sql("is_new", on_conflict=False))
        run(_upsert_sql("NOT is_new"))
    else:
        run(_upsert_sql("true"))
    duplicate = 0 if first_load else run(_LINK_BATCH).rowcount
    run(_DROP_CHANGED_CODES)
    run(_ADD_CODES)
    new, existing = run(f"SELECT count(*) FILTER (WHERE is_new), count(*) FROM {_ROWS}").one()
    repeats = batch.rows - existing
    return Counts(new=new - duplicate, duplicate=duplicate, updated=existing - new + repeats)


def _create_staging(connection: Connection) -> None:
    # The tables live as long as the session and are emptied at each commit: creating them
    # once per batch would cost catalog work each time.
    names = ", ".join(_WRITTEN)
    run = connection.exec_driver_sql
    run(
        f"CREATE TEMP TABLE IF NOT EXISTS {_STAGE} ON COMMIT DELETE ROWS AS"
        f" SELECT 0::bigint AS position, {names}, true AS comparable FROM postings WITH NO DATA"
    )
    run(
        f"CREATE TEMP TABLE IF NOT EXISTS {_CODES} ON COMMIT DELETE ROWS AS"
        " SELECT 0::bigint AS position, code, soc, rank, score FROM posting_occupations"
        " WITH NO DATA"
    )
    run(
        f"CREATE TEMP TABLE IF NOT EXISTS {_ROWS} ON COMMIT DELETE ROWS AS"
        f" SELECT 0::bigint AS position, id, true AS is_new, true AS comparable,"
        f" true AS has_codes, fingerprint, source, source_id FROM postings WITH NO DATA"
    )


def _copy(connection: Connection, table_name: str, names: list[str], data: pa.Buffer) -> None:
    """COPY CSV text with a header line into ``table_name``."""
    driver = connection.connection.driver_connection
    with (
        driver.cursor() as cursor,
        cursor.copy(
            f"COPY {table_name} ({', '.join(names)}) FROM STDIN WITH (FORMAT csv, HEADER true)"
        ) as copy,
    ):
        copy.write(memoryview(data))


# A posting repeated in the batch is seen from its earliest first to its latest last sighting,
# as in ``PostingRepository.upsert``; the repeats themselves are dropped by _ONE_ROW_PER_KEY.
_MERGE_REPEATED_SIGHTINGS = f"""
UPDATE {_STAGE} AS s SET first_seen = m.first_seen, last_seen = m.last_seen
FROM (SELECT source, source_id, min(first_seen) AS first_seen, max(last_seen) AS last_seen
      FROM {_STAGE} GROUP BY source, source_id HAVING count(*) > 1) AS m
WHERE s.source = m.source AND s.source_id = m.source_id
"""

# A stored posting's id, looked up in ``uq_postings_source_source_id``. As a join, the planner
# read all of ``postings`` for each batch once it held a million rows (1.5 s a batch).
_STORED_ID = """(SELECT p.id FROM postings AS p
               WHERE p.source = {row}.source AND p.source_id = {row}.source_id)"""

# Arrow writes NULL as an empty field and an empty text as "": COPY reads them back the same.
# Keys sort in byte order ("C"): any order finds the last copy of each, and this one is cheapest.
_ONE_ROW_PER_KEY = f"""
INSERT INTO {_ROWS} (position, id, is_new, comparable, has_codes, fingerprint, source, source_id)
SELECT s.position, s.id, s.id IS NULL, s.comparable, s.classified_at IS NOT NULL,
       s.fingerprint, s.source, s.source_id
FROM (SELECT DISTINCT ON (source COLLATE "C", source_id COLLATE "C")
             position, comparable, classified_at, fingerprint, source, source_id,
             {_STORED_ID.format(row=_STAGE)} AS id
      FROM {_STAGE} ORDER BY source COLLATE "C", source_id COLLATE "C", position DESC) AS s
"""

# Each new comparable posting is linked to the original of its content: the smallest among the
# earlier postings with the same fingerprint (ids grow in file order, and every stored posting
# is earlier than a new one). A batch looks each fingerprint up in ``ix_postings_fingerprint``:
# windowing every posting that shares a fingerprint with the batch read the whole table once per
# batch.
_LINK_BATCH = f"""
UPDATE postings AS p SET duplicate_of = roots.root
FROM (SELECT r.id, (SELECT min(coalesce(e.duplicate_of, e.id)) FROM postings AS e
                    WHERE e.fingerprint = r.fingerprint AND e.id < r.id) AS root
      FROM {_ROWS} AS r WHERE r.is_new AND r.comparable) AS roots
WHERE p.id = roots.id AND roots.root IS NOT NULL
"""

# A first load has no index on fingerprints yet, and every stored posting is one it loaded: one
# window over the loaded postings, by the content each was first stored with (as when linking
# batch by batch, unless a posting's content changed in an earlier batch than its repost's).
# Byte order ("C") groups the same fingerprints as the database's collation, in half the time.
_LINK_LOADED = f"""
UPDATE postings AS p SET duplicate_of = roots.root
FROM (SELECT id, comparable, min(id) OVER (
        PARTITION BY fingerprint COLLATE "C" ORDER BY id
        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS root
      FROM {_LOADED}) AS roots
WHERE p.id = roots.id AND roots.comparable AND roots.root IS NOT NULL
"""

# The stored codes of the batch's postings, by primary key (as a join, the planner read every
# stored code once per batch).
_DROP_CHANGED_CODES = f"""
DELETE FROM posting_occupations AS o
WHERE o.posting_id = ANY (ARRAY(SELECT id FROM {_ROWS} WHERE has_codes AND NOT is_new))
  AND NOT EXISTS (SELECT 1 FROM {_ROWS} AS r JOIN {_CODES} AS c ON c.position = r.position
                  WHERE r.id = o.posting_id AND c.code = o.code AND c.rank = o.rank
                    AND c.score = o.score)
"""

_ADD_CODES = f"""
INSERT INTO posting_occupations (posting_id, code, soc, rank, score)
SELECT r.id, c.code, c.soc, c.rank, c.score
FROM {_CODES} AS c JOIN {_ROWS} AS r ON r.position = c.position
WHERE r.is_new OR NOT EXISTS (SELECT 1 FROM posting_occupations AS o
                              WHERE o.posting_id = r.id AND o.code = c.code)
ORDER BY r.id, c.rank
"""


@functools.cache
def _upsert_sql(rows: str, on_conflict: bool = True) -> str:
    """Return the upsert from the staging table, with the rules of ``PostingRepository.upsert``.

    ``rows``: which rows of ``bulk_rows`` to store (an SQL condition on its columns);
    ``on_conflict=False`` inserts them all as new postings.
    """
    columns = ", ".join(_WRITTEN)
    # How each column of a stored row changes when the file has the posting again.
    changes = {
        "url": "new.url",
        "title": "new.title",
        "body": "CASE WHEN new.body <> '' THEN new.body ELSE old.body END",
        "fingerprint": "CASE WHEN new.body <> '' THEN new.fingerprint ELSE old.fingerprint END",
        "compensation_currency": "new.compensation_currency",
        "last_seen": "greatest(new.last_seen, old.last_seen)",
        "first_seen": "least(new.first_seen, old.first_seen)",
        "classified_at": "coalesce(new.classified_at, old.classified_at)",
        **{name: f"coalesce(new.{name}, old.{name})" for name in KEEP_IF_MISSING},
    }
    set_list = ", ".join(
        f"{name} = {value.replace('new.', 'excluded.').replace('old.', 'postings.')}"
        for name, value in changes.items()
    )
    before = ", ".join(f"postings.{name}" for name in changes)
    after = ", ".join(
        value.replace("new.", "excluded.").replace("old.", "postings.")
        for value in changes.values()
    )
    # The ids of new postings come back from the insert itself: looking them up again by
    # (source, source_id) cost as much as a tenth of a first load.
    conflict = (
        f" ON CONFLICT (source, source_id) DO UPDATE SET {set_list}"
        f" WHERE ({before}) IS DISTINCT FROM ({after})"
    )
    return (
        f"WITH stored AS (INSERT INTO postings ({columns}) SELECT {columns} FROM {_STAGE}"
        f" WHERE position IN (SELECT position FROM {_ROWS} WHERE {rows}) ORDER BY position"
        f"{conflict if on_conflict else ''} RETURNING id, source, source_id)"
        f" UPDATE {_ROWS} AS r SET id = stored.id FROM stored"
        " WHERE r.is_new AND r.source = stored.source AND r.source_id = stored.source_id"
    )
