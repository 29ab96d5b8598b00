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
"""

from __future__ import annotations

import functools
import io
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.csv as pacsv
from sqlalchemy import Connection

from jobatlas.storage.bulk_prepare import STAGE_SCHEMA, Prepared
from jobatlas.storage.postings import KEEP_IF_MISSING

_STAGE, _CODES, _ROWS = "bulk_stage", "bulk_stage_codes", "bulk_rows"
# Column types of the staging table: as in ``postings``, plus the file position.
_STAGE_TYPES = {"position": "bigint", "comparable": "boolean"}
_WRITTEN = [n for n in STAGE_SCHEMA.names if n not in ("position", "comparable")]


@dataclass
class Counts:
    """What one batch did, counted as :class:`UpsertResult` counts."""

    new: int
    duplicate: int
    updated: int


def store_batch(connection: Connection, prepared: Prepared) -> Counts:
    """Merge one prepared batch into ``postings`` and ``posting_occupations``."""
    _create_staging(connection)
    _copy(connection, _STAGE, prepared.postings)
    _copy(connection, _CODES, prepared.codes)
    run = connection.exec_driver_sql
    # Compiling these statements with JIT took longer than running them.
    run("SET LOCAL jit = off")
    # Temporary tables have no statistics until analyzed: without them the planner reads all
    # of ``postings`` for each lookup instead of probing its indexes.
    run(f"ANALYZE {_STAGE}, {_CODES}")
    run(_MERGE_REPEATED_SIGHTINGS)
    run(_ONE_ROW_PER_KEY)
    run(f"ANALYZE {_ROWS}")
    run(_upsert_sql())
    run(_NEW_IDS)
    # In a freshly filled database ``postings`` has no statistics yet, and the planner then
    # nested-looped the fingerprints against every posting (over a minute for 20,000 rows).
    run("SET LOCAL enable_nestloop = off")
    duplicate = run(_LINK_REPOSTS).rowcount
    run("SET LOCAL enable_nestloop = on")
    run(_DROP_CHANGED_CODES)
    run(_ADD_CODES)
    new, existing = run(f"SELECT count(*) FILTER (WHERE is_new), count(*) FROM {_ROWS}").one()
    repeats = prepared.postings.num_rows - existing
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


def _copy(connection: Connection, table_name: str, table: pa.Table) -> None:
    """COPY an Arrow table in as CSV, written by Arrow: no Python object per value."""
    if table.num_rows == 0:
        return
    buffer = io.BytesIO()
    pacsv.write_csv(table, buffer)
    names = ", ".join(table.column_names)
    driver = connection.connection.driver_connection
    with (
        driver.cursor() as cursor,
        cursor.copy(
            f"COPY {table_name} ({names}) FROM STDIN WITH (FORMAT csv, HEADER true)"
        ) as copy,
    ):
        copy.write(buffer.getbuffer())


# A posting repeated in the batch is seen from its earliest first to its latest last sighting,
# as in ``PostingRepository.upsert``; the repeats themselves are dropped by _ONE_ROW_PER_KEY.
_MERGE_REPEATED_SIGHTINGS = f"""
UPDATE {_STAGE} AS s SET first_seen = m.first_seen, last_seen = m.last_seen
FROM (SELECT source, source_id, min(first_seen) AS first_seen, max(last_seen) AS last_seen
      FROM {_STAGE} GROUP BY source, source_id HAVING count(*) > 1) AS m
WHERE s.source = m.source AND s.source_id = m.source_id
"""

# Arrow writes NULL as an empty field and an empty text as "": COPY reads them back the same.
_ONE_ROW_PER_KEY = f"""
INSERT INTO {_ROWS} (position, id, is_new, comparable, has_codes, fingerprint, source, source_id)
SELECT s.position, p.id, p.id IS NULL, s.comparable, s.classified_at IS NOT NULL,
       s.fingerprint, s.source, s.source_id
FROM (SELECT DISTINCT ON (source, source_id) * FROM {_STAGE}
      ORDER BY source, source_id, position DESC) AS s
LEFT JOIN postings AS p ON p.source = s.source AND p.source_id = s.source_id
"""

_NEW_IDS = f"""
UPDATE {_ROWS} AS r SET id = p.id FROM postings AS p
WHERE r.is_new AND p.source = r.source AND p.source_id = r.source_id
"""

# For each fingerprint of a new posting: the smallest original among the earlier postings
# (ids grow in file order, and every stored posting is earlier than a new one).
_LINK_REPOSTS = f"""
WITH roots AS (
  SELECT p.id, min(coalesce(p.duplicate_of, p.id)) OVER (
           PARTITION BY p.fingerprint ORDER BY p.id
           ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS root
  FROM postings AS p
  WHERE p.fingerprint IN (SELECT fingerprint FROM {_ROWS} WHERE is_new AND comparable))
UPDATE postings AS p SET duplicate_of = roots.root
FROM roots JOIN {_ROWS} AS r ON r.id = roots.id AND r.is_new AND r.comparable
WHERE p.id = roots.id AND roots.root IS NOT NULL
"""

_DROP_CHANGED_CODES = f"""
DELETE FROM posting_occupations AS o USING {_ROWS} AS r
WHERE o.posting_id = r.id AND r.has_codes AND NOT r.is_new
  AND NOT EXISTS (SELECT 1 FROM {_CODES} AS c WHERE c.position = r.position
                  AND c.code = o.code AND c.rank = o.rank AND c.score = o.score)
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
def _upsert_sql() -> str:
    """Return the upsert from the staging table, with the rules of ``PostingRepository.upsert``."""
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
    return (
        f"INSERT INTO postings ({columns}) SELECT {columns} FROM {_STAGE}"
        f" WHERE position IN (SELECT position FROM {_ROWS}) ORDER BY position"
        f" ON CONFLICT (source, source_id) DO UPDATE SET {set_list}"
        f" WHERE ({before}) IS DISTINCT FROM ({after})"
    )
