"""Store prepared batches of postings in PostgreSQL with COPY and a few set-based statements.

Each batch is copied into temporary staging tables and merged in one transaction:

1. one row per ``(source, source_id)``: the copies of a posting the batch repeats are folded
   into one by the rules of step 2 applied in file order (see :func:`_folded`); it takes its id
   in the order of its first copy, and is linked (step 3) by the content of its first copy, as
   if the copies had come one by one;
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
both posting tables locked. Their secondary indexes, unique key and foreign keys are dropped and
built again once at the end: keeping a million rows' entries in 17 indexes up to date batch by
batch cost more than the rows themselves. Each batch is copied straight into the posting tables,
with ids numbered from the file position, so its codes need no lookup and nothing is written
twice. At the end, a posting the file holds more than once is folded into its first copy by the
rules of step 2 (in file order), and reposts are linked once over the whole file, by the content
each posting was first stored with. Should the load fail, the rollback restores the empty tables
with their indexes and keys.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from jobatlas.storage.bulk_prepare import CODES_SCHEMA, STAGE_SCHEMA, Prepared
from jobatlas.storage.postings import KEEP_IF_MISSING, Rejection

_STAGE, _CODES, _ROWS = "bulk_stage", "bulk_stage_codes", "bulk_rows"
# A first load keeps each copied posting's content as first stored here, to link reposts once
# at the end; and there the copies of a posting the file repeats (id, the id they fold into).
_LOADED, _REPEATS = "bulk_loaded", "bulk_repeats"
_LOADED_COLUMNS = ["id", "fingerprint", "comparable"]
_CODE_COLUMNS = ["posting_id", "code", "soc", "rank", "score"]
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

    Encoding in the preparing process keeps the merging one free to only move bytes. Each
    buffer starts with a header line.
    """

    postings: pa.Buffer  # STAGE_SCHEMA columns; for a first load ``id`` and the stored columns
    codes: pa.Buffer  # CODES_SCHEMA columns; for a first load _CODE_COLUMNS
    rows: int
    rejected: list[Rejection]
    loaded: pa.Buffer | None = None  # for a first load: _LOADED_COLUMNS


def encode(prepared: Prepared, id_base: int | None = None) -> Encoded:
    """Return ``prepared`` as CSV text for COPY (NULL as an empty field, "" as quoted).

    ``id_base``: encode for a first load, where a posting's id is ``id_base + position``.
    """
    postings, codes = prepared.postings, prepared.codes
    if id_base is None:
        return Encoded(
            postings=_csv(postings.select(STAGE_SCHEMA.names)),
            codes=_csv(codes.select(CODES_SCHEMA.names)),
            rows=postings.num_rows,
            rejected=prepared.rejected,
        )
    ids = pc.add(postings["position"], pa.scalar(id_base, pa.int64()))
    return Encoded(
        postings=_csv(postings.select(_WRITTEN).add_column(0, "id", ids)),
        codes=_csv(
            codes.select(_CODE_COLUMNS[1:]).add_column(
                0, "posting_id", pc.add(codes["position"], pa.scalar(id_base, pa.int64()))
            )
        ),
        rows=postings.num_rows,
        rejected=prepared.rejected,
        loaded=_csv(postings.select(_LOADED_COLUMNS[1:]).add_column(0, "id", ids)),
    )


def _csv(table: pa.Table) -> pa.Buffer:
    buffer = pa.BufferOutputStream()
    pacsv.write_csv(table, buffer)
    return buffer.getvalue()


def store_batches(
    connection: Connection, batches: Callable[[int | None], Iterable[Encoded]]
) -> Counts:
    """Merge every batch into the posting tables; return what they did in all.

    ``batches(id_base)`` returns the batches, encoded for a first load from ``id_base`` when
    this is one (``postings`` empty), else with ``id_base`` None. ``connection`` must be
    outside a transaction. Each batch commits on its own, except in a first load, which
    commits once (see the module notes).
    """
    _use_large_temp_buffers(connection)
    if _locked_while_empty(connection):
        return _first_load(connection, batches)
    total = Counts()
    for batch in batches(None):
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


def _first_load(
    connection: Connection, batches: Callable[[int | None], Iterable[Encoded]]
) -> Counts:
    run = connection.exec_driver_sql
    sequence = run("SELECT pg_get_serial_sequence('postings', 'id')").scalar()
    # The lock keeps every other writer from drawing ids while this load numbers its own.
    id_base = run("SELECT nextval(%(s)s)", {"s": sequence}).scalar()
    # Checked once per table at the end instead of once per row; foreign keys go first and
    # come back last, as they may rest on the other keys.
    constraints = _constraints(connection, _POSTING_TABLES)
    for table_name, name, _ in constraints:
        run(f'ALTER TABLE {table_name} DROP CONSTRAINT "{name}"')
    indexes = secondary_indexes(connection, _POSTING_TABLES)
    for name, _ in indexes:
        run(f'DROP INDEX "{name}"')
    run(f"CREATE TEMP TABLE {_LOADED} (id bigint, fingerprint text, comparable boolean)"
        " ON COMMIT DROP")  # fmt: skip
    rows = 0
    for batch in batches(id_base):
        load_batch(connection, batch)
        rows += batch.rows
    run("SET LOCAL jit = off")
    # The window and the search for repeated keys sort every loaded posting: in memory rather
    # than in temporary files.
    run("SET LOCAL work_mem = '256MB'")
    folded = _fold_repeats(connection)
    # Linked before the indexes come back: each link rewrites its row in every index.
    linked = run(_LINK_LOADED).rowcount
    run("SELECT setval(%(s)s, greatest((SELECT max(id) FROM postings), %(base)s))",
        {"s": sequence, "base": id_base})  # fmt: skip
    run("SET LOCAL maintenance_work_mem = '512MB'")
    for _, definition in indexes:
        run(definition)
    for table_name, name, definition in reversed(constraints):
        run(f'ALTER TABLE {table_name} ADD CONSTRAINT "{name}" {definition}')
    run(f"ANALYZE {', '.join(_POSTING_TABLES)}")
    connection.commit()
    return Counts(new=rows - folded - linked, duplicate=linked, updated=folded)


def load_batch(connection: Connection, batch: Encoded) -> None:
    """Copy one batch of a first load (see :func:`encode`) straight into the posting tables."""
    _copy(connection, "postings", ["id", *_WRITTEN], batch.postings)
    _copy(connection, "posting_occupations", _CODE_COLUMNS, batch.codes)
    _copy(connection, _LOADED, _LOADED_COLUMNS, batch.loaded)


def _fold_repeats(connection: Connection) -> int:
    """Fold each posting copied more than once into its first copy; return the copies dropped."""
    run = connection.exec_driver_sql
    run(_FIND_REPEATS)
    if not run(f"SELECT EXISTS (SELECT 1 FROM {_REPEATS})").scalar():
        return 0
    run(f"ANALYZE {_REPEATS}")
    # Which copy's codes stay must be read before the fold sets classified_at.
    run(_CODES_KEPT)
    run(_fold_sql())
    run(_DROP_UNKEPT_CODES)
    run(_MOVE_KEPT_CODES)
    for table_name in ("postings", _LOADED):
        run(f"DELETE FROM {table_name} AS t USING {_REPEATS} AS r"
            " WHERE t.id = r.id AND r.id <> r.keep")  # fmt: skip
    return run(f"SELECT count(*) FROM {_REPEATS} WHERE id <> keep").scalar()


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


def _constraints(connection: Connection, tables: Iterable[str]) -> list[tuple[str, str, str]]:
    """Return (table, name, definition) of the tables' foreign keys, then unique keys."""
    rows = connection.exec_driver_sql(
        """SELECT c.conrelid::regclass::text, c.conname, pg_get_constraintdef(c.oid)
           FROM pg_constraint AS c
           WHERE c.contype IN ('f', 'u') AND c.conrelid::regclass::text = ANY(%(tables)s)
           ORDER BY c.contype, c.conname""",
        {"tables": list(tables)},
    )
    return [(table_name, name, definition) for table_name, name, definition in rows]


def store_batch(connection: Connection, batch: Encoded) -> Counts:
    """Merge one prepared batch into ``postings`` and ``posting_occupations``."""
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
    # A posting the batch repeats: its copies fold into the last one, the one kept.
    run(_fold_staged_sql())
    run(_ONE_ROW_PER_KEY)
    run(f"ANALYZE {_ROWS}")
    run(_upsert_sql())
    duplicate = run(_LINK_BATCH).rowcount
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
        f" SELECT 0::bigint AS position, 0::bigint AS first_position, id, true AS is_new,"
        f" true AS comparable, true AS has_codes, fingerprint, source, source_id FROM postings"
        " WITH NO DATA"
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


# A stored posting's id, looked up in ``uq_postings_source_source_id``. As a join, the planner
# read all of ``postings`` for each batch once it held a million rows (1.5 s a batch).
_STORED_ID = """(SELECT p.id FROM postings AS p
               WHERE p.source = {row}.source AND p.source_id = {row}.source_id)"""

# Arrow writes NULL as an empty field and an empty text as "": COPY reads them back the same.
# Keys sort in byte order ("C"): any order finds the last copy of each, and this one is cheapest.
# The last copy is the one stored (the others are folded into it); a new posting takes its id in
# the order of its first copy, and is linked to an earlier repost by the content of its first
# copy, as a crawl seeing the copies one by one would.
_ONE_ROW_PER_KEY = f"""
INSERT INTO {_ROWS} (position, first_position, id, is_new, comparable, has_codes, fingerprint,
                     source, source_id)
SELECT s.position, s.first_position, s.id, s.id IS NULL, s.comparable,
       s.classified_at IS NOT NULL, s.fingerprint, s.source, s.source_id
FROM (SELECT DISTINCT ON (source COLLATE "C", source_id COLLATE "C")
             position, last_value(position) OVER first AS first_position,
             last_value(comparable) OVER first AS comparable, classified_at,
             last_value(fingerprint) OVER first AS fingerprint, source, source_id,
             {_STORED_ID.format(row=_STAGE)} AS id
      FROM {_STAGE}
      WINDOW first AS (PARTITION BY source COLLATE "C", source_id COLLATE "C"
                       ORDER BY position DESC
                       ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
      ORDER BY source COLLATE "C", source_id COLLATE "C", position DESC) AS s
"""

# Each new comparable posting is linked to the original of its content: the smallest among the
# earlier postings with the same fingerprint (ids grow in file order, and every stored posting
# is earlier than a new one). A batch looks each fingerprint up in ``ix_postings_fingerprint``:
# windowing every posting that shares a fingerprint with the batch read the whole table once per
# batch. The batch's own new postings are matched by the content of their first copy (a window
# over the batch): a posting the batch repeats with new content is stored with the last, and a
# repost of its first content in between must still find it, as when it came one by one.
_LINK_BATCH = f"""
UPDATE postings AS p SET duplicate_of = roots.root
FROM (SELECT r.id, least((SELECT min(coalesce(e.duplicate_of, e.id)) FROM postings AS e
                          WHERE e.fingerprint = r.fingerprint AND e.id < r.id),
                         r.earlier) AS root
      FROM (SELECT id, fingerprint, comparable, min(id) OVER (
                PARTITION BY fingerprint COLLATE "C" ORDER BY id
                ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS earlier
            FROM {_ROWS} WHERE is_new) AS r
      WHERE r.comparable) AS roots
WHERE p.id = roots.id AND roots.root IS NOT NULL
"""

# A first load has no index on fingerprints yet, and every stored posting is one it loaded: one
# window over the loaded postings, by the content each was first stored with (as when linking
# batch by batch, unless a posting's content changed in an earlier batch than its repost's).
# Byte order ("C") groups the same fingerprints as the database's collation, in half the time.
# Ids follow file positions, so the smallest is the earliest, as batch by batch.
_LINK_LOADED = f"""
UPDATE postings AS p SET duplicate_of = roots.root
FROM (SELECT id, comparable, min(id) OVER (
        PARTITION BY fingerprint COLLATE "C" ORDER BY id
        ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS root
      FROM {_LOADED}) AS roots
WHERE p.id = roots.id AND roots.comparable AND roots.root IS NOT NULL
"""

# The copies of each (source, source_id) a first load copied more than once. Byte order ("C")
# groups the same keys as the database's collation.
_FIND_REPEATS = f"""
CREATE TEMP TABLE {_REPEATS} ON COMMIT DROP AS
SELECT p.id, min(p.id) OVER (PARTITION BY p.source, p.source_id) AS keep
FROM postings AS p
JOIN (SELECT source COLLATE "C" AS source, source_id COLLATE "C" AS source_id FROM postings
      GROUP BY 1, 2 HAVING count(*) > 1) AS r
  ON r.source = p.source COLLATE "C" AND r.source_id = p.source_id COLLATE "C"
"""

# A repeated posting keeps the codes of its last copy that came with codes, as batch by batch
# (a posting that brings codes gets exactly those).
_CODES_KEPT = f"""
CREATE TEMP TABLE bulk_codes_kept ON COMMIT DROP AS
SELECT r.keep, max(r.id) AS coded FROM {_REPEATS} AS r JOIN postings AS o ON o.id = r.id
WHERE o.classified_at IS NOT NULL GROUP BY r.keep
"""

_DROP_UNKEPT_CODES = f"""
DELETE FROM posting_occupations AS o USING {_REPEATS} AS r
WHERE o.posting_id = r.id AND NOT EXISTS (SELECT 1 FROM bulk_codes_kept AS k WHERE k.coded = r.id)
"""

_MOVE_KEPT_CODES = """
UPDATE posting_occupations AS o SET posting_id = k.keep FROM bulk_codes_kept AS k
WHERE o.posting_id = k.coded AND k.coded <> k.keep
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


# How each column of a stored row changes when the file has the posting again.
_CHANGES = {
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


def _folded(order: str) -> dict[str, str]:
    """Return per column the value that the copies ``o`` of one posting fold into.

    The copies apply ``_CHANGES`` one after the other in ``order`` (file order), as if each
    merged into the one stored before it: the last copy's value, the last one given, or the
    widest span. The result does not depend on how the file was cut into batches.
    """
    def last(name: str, given: str = "true") -> str:
        return f"(array_agg(o.{name} ORDER BY {order} DESC) FILTER (WHERE {given}))[1]"

    has_body = "o.body <> ''"

    def with_body(name: str) -> str:
        # The copy whose body is kept brings its fingerprint; with no body, the first copy's.
        return f"coalesce({last(name, has_body)}, (array_agg(o.{name} ORDER BY {order}))[1])"

    folded = {
        "url": last("url"),
        "title": last("title"),
        "body": f"coalesce({last('body', has_body)}, '')",
        "fingerprint": with_body("fingerprint"),
        "compensation_currency": last("compensation_currency"),
        "last_seen": "max(o.last_seen)",
        "first_seen": "min(o.first_seen)",
        **{name: last(name, f"o.{name} IS NOT NULL")
           for name in ("classified_at", *KEEP_IF_MISSING)},
    }  # fmt: skip
    assert folded.keys() == _CHANGES.keys()
    return folded


@functools.cache
def _fold_sql() -> str:
    """Return the update that folds the copies of each posting a first load repeated into
    its first copy (see :func:`_folded`)."""
    folded = _folded("o.id")
    values = ", ".join(f"{value} AS {name}" for name, value in folded.items())
    return (
        f"UPDATE postings AS p SET {', '.join(f'{name} = f.{name}' for name in folded)}"
        f" FROM (SELECT r.keep, {values} FROM {_REPEATS} AS r JOIN postings AS o ON o.id = r.id"
        "       GROUP BY r.keep) AS f"
        " WHERE p.id = f.keep"
    )


@functools.cache
def _fold_staged_sql() -> str:
    """Return the statement that folds the copies of each posting a batch repeats into its
    last copy, the one ``_ONE_ROW_PER_KEY`` keeps (see :func:`_folded`).

    That copy also takes the codes of the last copy that came with codes.
    """
    folded = _folded("o.position")
    # Whether the kept content is long enough to compare, as its fingerprint.
    folded["comparable"] = folded["fingerprint"].replace("o.fingerprint", "o.comparable")
    values = ", ".join(f"{value} AS {name}" for name, value in folded.items())
    return f"""
WITH copies AS (
  SELECT o.* FROM {_STAGE} AS o
  JOIN (SELECT source, source_id FROM {_STAGE} GROUP BY source, source_id
        HAVING count(*) > 1) AS r ON r.source = o.source AND r.source_id = o.source_id
), folded AS (
  SELECT max(o.position) AS kept,
         max(o.position) FILTER (WHERE o.classified_at IS NOT NULL) AS coded, {values}
  FROM copies AS o GROUP BY o.source, o.source_id
), moved AS (
  UPDATE {_CODES} AS c SET position = f.kept FROM folded AS f
  WHERE c.position = f.coded AND f.coded <> f.kept
)
UPDATE {_STAGE} AS s SET {', '.join(f'{name} = f.{name}' for name in folded)}
FROM folded AS f WHERE s.position = f.kept
"""


@functools.cache
def _upsert_sql() -> str:
    """Return the upsert from the staging table, with the rules of ``PostingRepository.upsert``."""
    columns = ", ".join(_WRITTEN)
    staged = ", ".join(f"s.{name}" for name in _WRITTEN)
    changes = _CHANGES
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
    return (
        f"WITH stored AS (INSERT INTO postings ({columns}) SELECT {staged} FROM {_STAGE} AS s"
        f" JOIN {_ROWS} AS r ON r.position = s.position ORDER BY r.first_position"
        f" ON CONFLICT (source, source_id) DO UPDATE SET {set_list}"
        f" WHERE ({before}) IS DISTINCT FROM ({after}) RETURNING id, source, source_id)"
        f" UPDATE {_ROWS} AS r SET id = stored.id FROM stored"
        " WHERE r.is_new AND r.source = stored.source AND r.source_id = stored.source_id"
    )
