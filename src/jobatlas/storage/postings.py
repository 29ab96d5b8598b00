"""Store postings with idempotent batch upserts, and read them back for search and trends."""

from __future__ import annotations

import dataclasses
import functools
import logging
import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import numpy as np
from sqlalchemy import (
    ARRAY,
    Connection,
    Engine,
    Select,
    any_,
    bindparam,
    case,
    column,
    delete,
    func,
    select,
    table,
    update,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError, StatementError

from jobatlas.postings.clean.near_duplicates import (
    comparable_shingles,
    many_band_keys,
    minhash_signatures,
)
from jobatlas.postings.clean.pipeline import clean_posting
from jobatlas.postings.records import OccupationCode, Posting
from jobatlas.soc import parse_onet_soc, parse_soc
from jobatlas.storage.duplicates import Candidate, ShingleCache, link_duplicates
from jobatlas.storage.models import PostingBandRow
from jobatlas.storage.rows import (
    OCCUPATIONS,
    POSTINGS,
    READ_COLUMNS,
    StoredPosting,
    occupation_values,
    posting_values,
    stored_posting,
)
from jobatlas.storage.sql import IN_CHUNK, bulk_insert, copy_rows, insert_integer_rows, matching
from jobatlas.storage.validation import InvalidPosting, check_occupations, validate_posting

logger = logging.getLogger(__name__)

BANDS = PostingBandRow.__table__
_STAGE = "posting_stage"
DEFAULT_BATCH_SIZE = 500
_KM_PER_DEGREE = 111.045
_EARTH_RADIUS_KM = 6371.0088
# The near search's first circle: in a dense metro it already holds a page of results.
_FIRST_REACH_KM = 5.0
# Each wider circle re-reads the ones before, and under load each query also waits for a
# core: up to 3x the radius a time took a median 18 ms against 19-22 ms at 2x (A/B, 150 ZIPs).
_MAX_GROWTH = 3.0
# More ranks than a classifier stores per posting; a search up to a worse rank uses a range.
_LISTED_RANKS = 20
# A near search reads an occupation with at most this many postings by id (a few ms).
_FEW_POSTINGS = 2000
_NEAR_COLUMNS = select(
    POSTINGS.c.id, POSTINGS.c.latitude, POSTINGS.c.longitude, POSTINGS.c.listed_at
)
# Columns an update may only fill in, never blank out: a listing page that lacks them says
# nothing about the ad having lost them.
_TEXT_FIELDS = ("source", "source_id", "url", "title", "body", "employer", "employment_type",
                "area", "locality", "region", "postal_code", "category", "fingerprint",
                "model_version")  # fmt: skip
KEEP_IF_MISSING = (
    "employer",
    "compensation_raw",
    "compensation_min",
    "compensation_max",
    "compensation_unit",
    "employment_type",
    "posted_at",
    "valid_through",
    "area",
    "locality",
    "region",
    "postal_code",
    "latitude",
    "longitude",
    "category",
    "model_version",
)


@dataclass
class Rejection:
    """A record that was not stored, and why."""

    index: int
    source: str | None
    source_id: str | None
    reason: str


@dataclass
class UpsertResult:
    """What one ``upsert`` call did.

    ``new`` counts inserted originals, ``duplicate`` inserted reposts or cross-posts linked to a
    first copy, ``updated`` records already stored (seen again). ``ids`` holds the stored id of
    every input record in order (``None`` where rejected).
    """

    new: int = 0
    updated: int = 0
    duplicate: int = 0
    rejected: list[Rejection] = field(default_factory=list)
    ids: list[int | None] = field(default_factory=list)

    @property
    def stored(self) -> int:
        """Return how many input records were written (inserted or updated)."""
        return self.new + self.updated + self.duplicate


@dataclass
class _Prepared:
    candidate: Candidate
    values: dict[str, Any]
    occupations: list[OccupationCode]
    indexes: list[int]  # input positions carrying this (source, source_id)
    first_seen: datetime
    last_seen: datetime


class PostingRepository:
    """Read and write postings through an injected SQLAlchemy engine."""

    def __init__(self, engine: Engine, batch_size: int = DEFAULT_BATCH_SIZE) -> None:
        self.engine = engine
        self.batch_size = batch_size
        # Shingles of recently stored postings: reposts are found among them without reading
        # and re-shingling their bodies again.
        self._shingles = ShingleCache()

    # -- writing -----------------------------------------------------------------------------

    def upsert(self, postings: Iterable[Posting], seen_at: datetime | None = None) -> UpsertResult:
        """Store postings in batches: insert new ones, refresh ones seen before, link reposts.

        The same ``(source, source_id)`` never makes a second row; seeing it again moves
        ``last_seen`` and updates changed fields. Records that fail validation are rejected with
        a reason and counted; the rest of the batch is stored.
        """
        seen_at = _utc(seen_at or datetime.now(UTC))
        return self.upsert_sightings((posting, seen_at, seen_at) for posting in postings)

    def upsert_sightings(
        self, sightings: Iterable[tuple[Posting, datetime, datetime]]
    ) -> UpsertResult:
        """Store ``(posting, first_seen, last_seen)`` triples, e.g. from an export file.

        Works as :meth:`upsert`, but each posting brings its own sighting times: a stored row
        keeps the earliest ``first_seen`` and the latest ``last_seen``.
        """
        result = UpsertResult()
        for batch in batches(enumerate(sightings), self.batch_size):
            result.ids.extend([None] * len(batch))
            self._upsert_batch(batch, result)
        logger.info(
            "stored postings: %d new, %d duplicates, %d updated, %d rejected",
            result.new,
            result.duplicate,
            result.updated,
            len(result.rejected),
        )
        return result

    def _upsert_batch(self, batch: list[tuple[int, tuple]], result: UpsertResult) -> None:
        prepared = _prepare_batch(batch, result)
        if not prepared:
            return
        try:
            with self.engine.begin() as connection:
                self._write(connection, prepared, result)
        except (DBAPIError, StatementError) as exc:
            # One bad value fails the whole statement; store the rest one by one.
            logger.warning("batch write failed (%s); retrying record by record", _reason(exc))
            for item in prepared:
                self._write_one(item, result)

    def _write_one(self, item: _Prepared, result: UpsertResult) -> None:
        try:
            with self.engine.begin() as connection:
                self._write(connection, [item], result)
        except (DBAPIError, StatementError) as exc:
            posting = item.candidate.posting
            for index in item.indexes:
                result.rejected.append(
                    Rejection(index, posting.source, posting.source_id, _reason(exc))
                )

    def _write(
        self,
        connection: Connection,
        prepared: list[_Prepared],
        result: UpsertResult,
    ) -> None:
        existing = _existing(connection, [p.candidate.key for p in prepared])
        new = [p.candidate for p in prepared if p.candidate.key not in existing]
        link_duplicates(connection, new, self._shingles)
        keys_in_row = connection.dialect.name == "postgresql"
        rows = []
        for item in prepared:
            row = dict(item.values, first_seen=item.first_seen, last_seen=item.last_seen)
            row["duplicate_of"] = item.candidate.original_id
            row["classified_at"] = item.last_seen if item.occupations else None
            if keys_in_row:
                row["band_keys"] = _row_band_keys(item.candidate, existing.get(item.candidate.key))
            rows.append(row)
        id_by_key = _upsert_rows(connection, rows)
        id_by_index = {p.candidate.index: id_by_key[p.candidate.key] for p in prepared}
        _link_batch_copies(connection, new, id_by_index)
        if not keys_in_row:
            _store_bands(connection, prepared, existing, id_by_index)
        _store_occupations(connection, prepared, id_by_index)
        counts = _count(prepared, existing)
        # Only now is the transaction sure to commit; count after every statement succeeded.
        result.new += counts["new"]
        result.duplicate += counts["duplicate"]
        result.updated += counts["updated"]
        for item in prepared:
            for index in item.indexes:
                result.ids[index] = id_by_index[item.candidate.index]

    def set_occupations(
        self, assignments: Mapping[int, Sequence[OccupationCode]], model_version: str
    ) -> int:
        """Replace the occupation codes of many postings at once; return how many were set.

        Ids no longer stored are skipped. Bad codes, scores or ranks raise ``ValueError`` before
        anything is written.
        """
        if not isinstance(model_version, str) or not 0 < len(model_version) <= 80:
            raise ValueError(f"model_version must be 1 to 80 characters, got {model_version!r}")
        for codes in assignments.values():
            check_occupations(list(codes))
        now = datetime.now(UTC)
        with self.engine.begin() as connection:
            ids = _stored_ids(connection, sorted(assignments))
            for condition in matching(connection, OCCUPATIONS.c.posting_id, ids):
                connection.execute(delete(OCCUPATIONS).where(condition))
            rows = [row for pid in ids for row in occupation_values(pid, list(assignments[pid]))]
            bulk_insert(connection, OCCUPATIONS, rows)
            if ids:
                statement = (
                    update(POSTINGS)
                    .where(POSTINGS.c.id == bindparam("pid"))
                    .values(model_version=model_version, classified_at=now)
                )
                connection.execute(statement, [{"pid": pid} for pid in ids])
        return len(ids)

    # -- reading -----------------------------------------------------------------------------

    def get(self, posting_id: int) -> StoredPosting | None:
        """Return the stored posting with this id, or ``None``."""
        with self.engine.connect() as connection:
            return load_postings(connection, [posting_id]).get(posting_id)

    def known_ids(self, source: str, source_ids: Iterable[str]) -> set[str]:
        """Return which of ``source_ids`` of ``source`` are already stored."""
        wanted = sorted(set(source_ids))
        found: set[str] = set()
        with self.engine.connect() as connection:
            for condition in matching(connection, POSTINGS.c.source_id, wanted):
                query = select(POSTINGS.c.source_id).where(POSTINGS.c.source == source, condition)
                found.update(connection.execute(query).scalars())
        return found

    def search(
        self,
        codes: Sequence[str] | None = None,
        socs: Sequence[str] | None = None,
        near: tuple[float, float, float] | None = None,
        area: str | None = None,
        region: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        limit: int = 50,
        offset: int = 0,
        include_duplicates: bool = False,
        max_rank: int | None = 1,
    ) -> list[StoredPosting]:
        """Return postings matching every filter given, nearest then newest with ``near``.

        ``codes`` (O*NET-SOC) and ``socs`` match occupation codes ranked ``max_rank`` or better
        (``None``: any stored rank). ``near`` is ``(latitude, longitude, radius_km)``; results
        then carry ``distance_km``. Dates filter the posted date (first seen when unknown).
        """
        _check_page(limit, offset)
        match = _occupation_match(codes, socs, max_rank)
        conditions = _conditions(area, region, since, until, include_duplicates)
        with self.engine.connect() as connection:
            _without_parallel_workers(connection)
            if near is not None:
                return _search_near(connection, conditions, match, near, limit, offset)
            query = (
                select(POSTINGS.c.id)
                .where(*conditions, *_having(match))
                .order_by(POSTINGS.c.listed_at.desc(), POSTINGS.c.id.desc())
                .limit(limit)
                .offset(offset)
            )
            ids = list(connection.execute(query).scalars())
            loaded = load_postings(connection, ids)
        return [loaded[i] for i in ids]

    def count_by_occupation(
        self,
        level: str = "soc",
        area: str | None = None,
        region: str | None = None,
        since: datetime | None = None,
        until: datetime | None = None,
        include_duplicates: bool = False,
        max_rank: int | None = 1,
    ) -> dict[str, int]:
        """Return how many postings each occupation has (``level`` "soc" or "code")."""
        if level not in ("soc", "code"):
            raise ValueError(f"level must be 'soc' or 'code', got {level!r}")
        column = OCCUPATIONS.c[level]
        conditions = _conditions(area, region, since, until, include_duplicates)
        if max_rank is not None:
            conditions.append(OCCUPATIONS.c.rank <= max_rank)
        query = (
            select(column, func.count(func.distinct(POSTINGS.c.id)))
            .select_from(POSTINGS.join(OCCUPATIONS, OCCUPATIONS.c.posting_id == POSTINGS.c.id))
            .where(*conditions)
            .group_by(column)
        )
        with self.engine.connect() as connection:
            return {code: count for code, count in connection.execute(query)}

    def postings_missing_classification(
        self,
        limit: int = 500,
        model_version: str | None = None,
        after_id: int = 0,
        up_to_id: int | None = None,
    ) -> list[StoredPosting]:
        """Return postings not yet classified (or classified by another ``model_version``).

        Ordered by id; ``after_id`` pages on (postings that cannot be classified stay
        missing), ``up_to_id`` leaves out postings stored later.
        """
        _check_page(limit, 0)
        missing = POSTINGS.c.model_version.is_(None)
        if model_version is not None:
            missing = missing | (POSTINGS.c.model_version != model_version)
        conditions = [missing, POSTINGS.c.id > after_id]
        if up_to_id is not None:
            conditions.append(POSTINGS.c.id <= up_to_id)
        query = select(POSTINGS.c.id).where(*conditions).order_by(POSTINGS.c.id).limit(limit)
        with self.engine.connect() as connection:
            ids = list(connection.execute(query).scalars())
            loaded = load_postings(connection, ids)
        return [loaded[i] for i in ids]

    def last_id(self) -> int:
        """Return the highest stored posting id (0 when nothing is stored)."""
        with self.engine.connect() as connection:
            return connection.execute(select(func.max(POSTINGS.c.id))).scalar_one() or 0

    def count(self, include_duplicates: bool = False) -> int:
        """Return how many postings are stored (originals only unless told otherwise)."""
        query = select(func.count()).select_from(POSTINGS)
        if not include_duplicates:
            query = query.where(POSTINGS.c.duplicate_of.is_(None))
        with self.engine.connect() as connection:
            return connection.execute(query).scalar_one()


# -- preparing records -------------------------------------------------------------------------


def _prepare_batch(batch: list[tuple[int, tuple]], result: UpsertResult) -> list[_Prepared]:
    by_key: dict[tuple[str, str], _Prepared] = {}
    for index, (posting, first_seen, last_seen) in batch:
        try:
            item = _prepare(index, posting, first_seen, last_seen)
        except InvalidPosting as exc:
            source = getattr(posting, "source", None)
            source_id = getattr(posting, "source_id", None)
            result.rejected.append(
                Rejection(index, _text_or_none(source), _text_or_none(source_id), str(exc))
            )
            continue
        earlier = by_key.get(item.candidate.key)
        if earlier is not None:
            # The same ad twice in one batch: the later copy wins, both inputs get its id.
            item.indexes = earlier.indexes + item.indexes
            item.first_seen = min(item.first_seen, earlier.first_seen)
            item.last_seen = max(item.last_seen, earlier.last_seen)
            del by_key[item.candidate.key]
        by_key[item.candidate.key] = item
    prepared = list(by_key.values())
    _add_band_keys([p.candidate for p in prepared if p.candidate.shingles is not None])
    return prepared


def _add_band_keys(candidates: list[Candidate]) -> None:
    # One MinHash computation for the whole batch: per-posting calls cost more than the hashing.
    if candidates:
        signatures = minhash_signatures([c.shingles for c in candidates])
        for candidate, keys in zip(candidates, many_band_keys(signatures), strict=True):
            candidate.band_keys = keys


def _prepare(index: int, posting: Posting, first_seen: Any, last_seen: Any) -> _Prepared:
    validate_posting(posting)
    if not (isinstance(first_seen, datetime) and isinstance(last_seen, datetime)):
        raise InvalidPosting("first_seen and last_seen must be datetimes")
    first_seen, last_seen = _utc(first_seen), _utc(last_seen)
    if first_seen > last_seen:
        raise InvalidPosting(f"first_seen {first_seen} is after last_seen {last_seen}")
    posting = clean_posting(_without_nul(posting))
    shingle_set = comparable_shingles(posting.title, posting.body)
    values = posting_values(posting)
    # Band keys are filled in for the whole batch at once, see _add_band_keys.
    candidate = Candidate(index=index, posting=posting, shingles=shingle_set, band_keys=[])
    return _Prepared(candidate, values, list(posting.occupations), [index], first_seen, last_seen)


def _without_nul(posting: Posting) -> Posting:
    # PostgreSQL text cannot hold NUL; scraped pages sometimes contain it and it never means
    # anything.
    changes: dict[str, Any] = {
        name: value.replace("\x00", "")
        for name in _TEXT_FIELDS
        if (value := getattr(posting, name)) is not None and "\x00" in value
    }
    raw = posting.compensation.raw
    if raw is not None and "\x00" in raw:
        changes["compensation"] = dataclasses.replace(
            posting.compensation, raw=raw.replace("\x00", "")
        )
    return dataclasses.replace(posting, **changes) if changes else posting


def _text_or_none(value: object) -> str | None:
    return value if isinstance(value, str) else None


def _stored_ids(connection: Connection, ids: list[int]) -> list[int]:
    found: list[int] = []
    for condition in matching(connection, POSTINGS.c.id, ids):
        found.extend(connection.execute(select(POSTINGS.c.id).where(condition)).scalars())
    return sorted(found)


# -- writing helpers ---------------------------------------------------------------------------


def _existing(connection: Connection, keys: list[tuple[str, str]]) -> dict[tuple[str, str], Any]:
    by_source: dict[str, list[str]] = {}
    for source, source_id in keys:
        by_source.setdefault(source, []).append(source_id)
    found = {}
    columns = (POSTINGS.c.id, POSTINGS.c.source_id, POSTINGS.c.fingerprint, POSTINGS.c.duplicate_of)
    for source, ids in by_source.items():
        for condition in matching(connection, POSTINGS.c.source_id, ids):
            query = select(*columns).where(POSTINGS.c.source == source, condition)
            for row in connection.execute(query):
                found[(source, row.source_id)] = row
    return found


def _upsert_rows(connection: Connection, rows: list[dict[str, Any]]) -> dict[tuple[str, str], int]:
    """Insert or update rows of ``postings``; return the id of each ``(source, source_id)``."""
    if connection.dialect.name == "postgresql":
        return _upsert_rows_postgresql(connection, rows)
    if connection.dialect.name != "sqlite":
        raise NotImplementedError(
            f"postings storage supports SQLite and PostgreSQL, not {connection.dialect.name}"
        )
    statement = _on_conflict_update(sqlite.insert(POSTINGS)).returning(
        POSTINGS.c.id, sort_by_parameter_order=True
    )
    ids = connection.execute(statement, rows).scalars().all()
    return {(r["source"], r["source_id"]): i for r, i in zip(rows, ids, strict=True)}


def _upsert_rows_postgresql(
    connection: Connection, rows: list[dict[str, Any]]
) -> dict[tuple[str, str], int]:
    # COPY into a scratch table, then one INSERT ... SELECT ... ON CONFLICT: far cheaper than
    # sending thousands of bound parameters.
    columns = list(rows[0])
    names = ", ".join(f'"{name}"' for name in columns)
    # The scratch table lives as long as the database session and is emptied at each commit:
    # creating and dropping it in every batch cost catalog work of several ms a batch.
    connection.exec_driver_sql(
        f"CREATE TEMP TABLE IF NOT EXISTS {_STAGE} ON COMMIT DELETE ROWS"
        f" AS SELECT {names} FROM postings WITH NO DATA"
    )
    copy_rows(connection, _STAGE, columns, rows)
    found = connection.exec_driver_sql(_stage_upsert_sql(tuple(columns)))
    return {(source, source_id): i for i, source, source_id in found}


@functools.lru_cache(maxsize=4)
def _stage_upsert_sql(columns: tuple[str, ...]) -> str:
    """Return the upsert from the scratch table as SQL text, built once per column set.

    Building the statement and its cache key took the client a few ms a batch.
    """
    stage = table(_STAGE, *[column(name) for name in columns])
    insert = postgresql.insert(POSTINGS).from_select(list(columns), select(*stage.c))
    statement = _on_conflict_update(insert, band_keys=True).returning(
        POSTINGS.c.id, POSTINGS.c.source, POSTINGS.c.source_id
    )
    compiled = statement.compile(
        dialect=postgresql.psycopg.dialect(), compile_kwargs={"literal_binds": True}
    )
    return str(compiled)


def _on_conflict_update(insert, band_keys: bool = False):
    """Return ``insert`` made an upsert: a posting seen again refreshes its stored row.

    With ``band_keys`` (PostgreSQL) the row's band keys are replaced when new ones are given.
    """
    new = insert.excluded
    has_body = new.body != ""
    changes = {
        "url": new.url,
        "title": new.title,
        "body": case((has_body, new.body), else_=POSTINGS.c.body),
        "fingerprint": case((has_body, new.fingerprint), else_=POSTINGS.c.fingerprint),
        "compensation_currency": new.compensation_currency,
        "last_seen": case(
            (new.last_seen > POSTINGS.c.last_seen, new.last_seen), else_=POSTINGS.c.last_seen
        ),
        "first_seen": case(
            (new.first_seen < POSTINGS.c.first_seen, new.first_seen), else_=POSTINGS.c.first_seen
        ),
        "classified_at": func.coalesce(new.classified_at, POSTINGS.c.classified_at),
    }
    changes.update({name: func.coalesce(new[name], POSTINGS.c[name]) for name in KEEP_IF_MISSING})
    if band_keys:
        changes["band_keys"] = func.coalesce(new.band_keys, POSTINGS.c.band_keys)
    return insert.on_conflict_do_update(
        index_elements=[POSTINGS.c.source, POSTINGS.c.source_id], set_=changes
    )


def _link_batch_copies(
    connection: Connection, new: list[Candidate], id_by_index: dict[int, int]
) -> None:
    links = [
        {"pid": id_by_index[c.index], "original": id_by_index[c.batch_parent]}
        for c in new
        if c.batch_parent is not None
    ]
    if links:
        statement = (
            update(POSTINGS)
            .where(POSTINGS.c.id == bindparam("pid"))
            .values(duplicate_of=bindparam("original"))
        )
        connection.execute(statement, links)


def _store_bands(
    connection: Connection,
    prepared: list[_Prepared],
    existing: dict[tuple[str, str], Any],
    id_by_index: dict[int, int],
) -> None:
    rows, replaced = [], []
    for item in prepared:
        candidate = item.candidate
        before = existing.get(candidate.key)
        if not _needs_bands(candidate, before):
            continue
        posting_id = id_by_index[candidate.index]
        if before is not None:
            replaced.append(posting_id)
        rows.extend((posting_id, band, key) for band, key in enumerate(candidate.band_keys))
    for condition in matching(connection, BANDS.c.posting_id, replaced):
        connection.execute(delete(BANDS).where(condition))
    insert_integer_rows(connection, BANDS, ["posting_id", "band", "key"], rows)


def _row_band_keys(candidate: Candidate, before: Any) -> str | None:
    """Return the ``band_keys`` of a PostgreSQL row as array text; ``None`` keeps the stored keys.

    COPY takes the array literal as it is; adapting each list with psycopg was a large share
    of the client's CPU time per posting.
    """
    if not _needs_bands(candidate, before):
        return None
    if not candidate.band_keys and before is None:
        return None
    # An original whose new text is too short to compare must lose its old keys: '{}'.
    return "{" + ",".join(map(str, candidate.band_keys)) + "}"


def _needs_bands(candidate: Candidate, before: Any) -> bool:
    if before is None:
        return candidate.original_id is None and candidate.batch_parent is None
    # A stored original whose text changed gets new keys; an empty body keeps the stored text.
    return (
        before.duplicate_of is None
        and candidate.posting.body != ""
        and before.fingerprint != candidate.posting.fingerprint
    )


def _store_occupations(
    connection: Connection, prepared: list[_Prepared], id_by_index: dict[int, int]
) -> None:
    classified = {id_by_index[p.candidate.index]: p.occupations for p in prepared if p.occupations}
    if not classified:
        return
    for condition in matching(connection, OCCUPATIONS.c.posting_id, sorted(classified)):
        connection.execute(delete(OCCUPATIONS).where(condition))
    rows = [row for pid, codes in classified.items() for row in occupation_values(pid, codes)]
    bulk_insert(connection, OCCUPATIONS, rows)


def _count(prepared: list[_Prepared], existing: dict) -> dict[str, int]:
    counts = {"new": 0, "duplicate": 0, "updated": 0}
    for item in prepared:
        candidate = item.candidate
        counts["updated"] += len(item.indexes) - 1  # repeats within the batch
        if candidate.key in existing:
            counts["updated"] += 1
        elif candidate.original_id is not None or candidate.batch_parent is not None:
            counts["duplicate"] += 1
        else:
            counts["new"] += 1
    return counts


# -- reading helpers ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _ByIds:
    """A read statement built once, selecting by a list of ids bound as ``ids``.

    Building a statement and its cache key on every call cost more than running it for a
    page of postings (about 0.15 of 0.4 ms on SQLite).
    """

    any_form: Select  # PostgreSQL: one ``= ANY(:ids)`` array parameter
    in_form: Select  # elsewhere: an expanding IN list, run in chunks of IN_CHUNK

    @classmethod
    def build(cls, column, make) -> _ByIds:
        """Return ``make(condition)`` in both forms, for a condition on ``column``."""
        array = bindparam("ids", type_=ARRAY(column.type))
        return cls(make(column == any_(array)), make(column.in_(bindparam("ids", expanding=True))))

    def rows(self, connection: Connection, ids: list[int]) -> Iterator[Any]:
        """Yield the rows the statement selects for ``ids``."""
        if not ids:
            return
        if connection.dialect.name == "postgresql":
            yield from connection.execute(self.any_form, {"ids": list(ids)})
            return
        for start in range(0, len(ids), IN_CHUNK):
            yield from connection.execute(
                self.in_form, {"ids": list(ids[start : start + IN_CHUNK])}
            )


_POSTINGS_BY_ID = _ByIds.build(
    POSTINGS.c.id, lambda condition: select(*READ_COLUMNS).where(condition)
)
_CODES_BY_POSTING = _ByIds.build(
    OCCUPATIONS.c.posting_id,
    lambda condition: (
        select(
            OCCUPATIONS.c.posting_id, OCCUPATIONS.c.code, OCCUPATIONS.c.score, OCCUPATIONS.c.rank
        )
        .where(condition)
        .order_by(OCCUPATIONS.c.posting_id, OCCUPATIONS.c.rank)
    ),
)


def load_postings(connection: Connection, ids: list[int]) -> dict[int, StoredPosting]:
    """Return the stored postings with these ids, with their occupation codes, by id."""
    rows, codes = {}, {}
    wanted = sorted(set(ids))
    for row in _POSTINGS_BY_ID.rows(connection, wanted):
        rows[row.id] = row
        codes[row.id] = []
    for posting_id, code, score, rank in _CODES_BY_POSTING.rows(connection, wanted):
        codes[posting_id].append(OccupationCode(code=code, score=score, rank=rank))
    return {i: stored_posting(row, codes[i]) for i, row in rows.items()}


def _without_parallel_workers(connection: Connection) -> None:
    """Plan this transaction's searches for one process (PostgreSQL).

    The planner divides a parallel plan's cost by its workers, so it prefers one for a short
    index walk; with many requests sharing the cores, starting and merging the workers made
    such a search 5-10 times slower than the serial plan (about 100 ms against 15 ms).
    """
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL max_parallel_workers_per_gather = 0")


def _rank_at_most(max_rank: int):
    # Ranks start at 1 (validated on write). As a list, PostgreSQL probes the
    # (soc, rank, posting_id) index at each rank, so checking one posting's occupation reads
    # that index alone; a range on rank would leave posting_id out of the index search.
    if max_rank <= _LISTED_RANKS:
        return OCCUPATIONS.c.rank.in_(range(1, max_rank + 1))
    return OCCUPATIONS.c.rank <= max_rank


def _occupation_match(codes, socs, max_rank):
    """Return the query of posting ids coded with these occupations (``None``: no filter)."""
    if not (codes or socs):
        return None
    match = select(OCCUPATIONS.c.posting_id)
    if codes:
        match = match.where(OCCUPATIONS.c.code.in_([parse_onet_soc(c) for c in codes]))
    if socs:
        match = match.where(OCCUPATIONS.c.soc.in_([parse_soc(s) for s in socs]))
    if max_rank is not None:
        match = match.where(_rank_at_most(max_rank))
    return match


def _having(match) -> list:
    if match is None:
        return []
    return [match.where(OCCUPATIONS.c.posting_id == POSTINGS.c.id).exists()]


def _conditions(area, region, since, until, include_duplicates) -> list:
    conditions = []
    if not include_duplicates:
        conditions.append(POSTINGS.c.duplicate_of.is_(None))
    if area is not None:
        conditions.append(POSTINGS.c.area == area)
    if region is not None:
        conditions.append(POSTINGS.c.region == region.upper())
    if since is not None:
        conditions.append(POSTINGS.c.listed_at >= _utc(since))
    if until is not None:
        conditions.append(POSTINGS.c.listed_at < _utc(until))
    return conditions


def _search_near(
    connection: Connection,
    conditions: list,
    match,
    near: tuple[float, float, float],
    limit: int,
    offset: int,
) -> list[StoredPosting]:
    """Return one page of postings within the radius, nearest then newest first.

    The search starts with a small circle and widens it until it holds the page: every
    posting within ``reach`` of the point lies in that reach's bounding box, and one that does
    not is farther away than all that do, so the first ``offset + limit`` inside a circle are
    the first overall. In a dense metro that reads a few hundred rows instead of the tens of
    thousands in the full radius; where postings are sparse the last circle is the radius.

    An occupation with few postings (``match``) is searched the other way round: its
    postings are read by id and those within the radius kept. Circles around a dense metro
    would read every occupation's postings there (tens of thousands within 50 km of New York)
    to find a page of a rare one.
    """
    lat, lon, radius_km = _check_near(near)
    wanted = offset + limit
    few = _few_posting_ids(connection, match)
    if few is not None:
        # No bounding box in SQL: with one, the planner reads the box and filters the ids.
        rows = [
            row
            for condition in matching(connection, POSTINGS.c.id, few)
            for row in connection.execute(_NEAR_COLUMNS.where(*conditions, condition))
        ]
        distances, inside = _within(rows, lat, lon, radius_km)
        found = int(inside.sum())
    else:
        conditions = [*conditions, *_having(match)]
        reach = min(radius_km, _FIRST_REACH_KM)
        while True:
            rows = _rows_near(connection, conditions, lat, lon, reach)
            distances, inside = _within(rows, lat, lon, reach)
            found = int(inside.sum())
            if found >= wanted or reach >= radius_km:
                break
            # Postings per area: enough for a page with some room, at most _MAX_GROWTH times
            # the radius at a time.
            grow = _MAX_GROWTH
            if found:
                grow = min(_MAX_GROWTH, max(1.25, 1.2 * math.sqrt(wanted / found)))
            reach = min(radius_km, reach * grow)
    if not found:
        return []
    ids = np.array([r[0] for r in rows])[inside]
    newest = np.array([-_utc(r[3]).timestamp() for r in rows])[inside]
    distances = distances[inside]
    order = np.lexsort((ids * -1, newest, distances))
    page = order[offset : offset + limit]
    page_ids = [int(i) for i in ids[page]]
    loaded = load_postings(connection, page_ids)
    return [
        dataclasses.replace(loaded[i], distance_km=round(float(d), 3))
        for i, d in zip(page_ids, distances[page], strict=True)
    ]


def _few_posting_ids(connection: Connection, match) -> list[int] | None:
    """Return the ids ``match`` selects if there are at most ``_FEW_POSTINGS``, else ``None``."""
    if match is None:
        return None
    # No DISTINCT: the index then stops reading after the limit even for a large occupation.
    # Counted in the database first: a common occupation (the usual case) would otherwise send
    # 2,001 ids to be decoded only to say "many" (3 of a recommend request's 11 ms of CPU).
    bounded = match.limit(_FEW_POSTINGS + 1).subquery()
    if connection.execute(select(func.count()).select_from(bounded)).scalar_one() > _FEW_POSTINGS:
        return None
    return sorted(set(connection.execute(match).scalars().all()))


def _rows_near(connection: Connection, conditions: list, lat: float, lon: float, reach: float):
    query = _NEAR_COLUMNS.where(*conditions, *_bounding_box(lat, lon, reach))
    return connection.execute(query).all()


def _within(rows, lat: float, lon: float, reach: float) -> tuple[np.ndarray, np.ndarray]:
    """Return the distance of each row from the point, and which are within ``reach``."""
    lats = np.array([r[1] for r in rows], float)
    distances = haversine_km(lat, lon, lats, np.array([r[2] for r in rows], float))
    return distances, distances <= reach


def _bounding_box(lat: float, lon: float, radius_km: float) -> list:
    dlat = radius_km / _KM_PER_DEGREE
    south, north = max(-90.0, lat - dlat), min(90.0, lat + dlat)
    box = [
        POSTINGS.c.latitude.between(south, north),
        # Redundant with the latitude range, but the index is on (strip, longitude).
        POSTINGS.c.latitude_strip.in_(_strips(south, north)),
    ]
    cos_lat = math.cos(math.radians(lat))
    if cos_lat > 1e-6:
        dlon = radius_km / (_KM_PER_DEGREE * cos_lat)
        # Near the antimeridian or a pole the longitude window wraps; latitude alone then bounds.
        if dlon < 180 and lon - dlon >= -180 and lon + dlon <= 180:
            box.append(POSTINGS.c.longitude.between(lon - dlon, lon + dlon))
    return box


def _strips(south: float, north: float) -> list[float]:
    """Return every value ``round(latitude)`` takes from ``south`` to ``north``.

    Either rule for halves gives one of these: PostgreSQL rounds 2.5 to 2, SQLite to 3.
    """
    return [float(s) for s in range(math.ceil(south - 0.5), math.floor(north + 0.5) + 1)]


def haversine_km(lat: float, lon: float, lats: np.ndarray, lons: np.ndarray) -> np.ndarray:
    """Return great-circle distances in km from one point to many."""
    phi1, phi2 = math.radians(lat), np.radians(lats)
    dphi = phi2 - phi1
    dlmb = np.radians(lons) - math.radians(lon)
    a = np.sin(dphi / 2) ** 2 + math.cos(phi1) * np.cos(phi2) * np.sin(dlmb / 2) ** 2
    return 2 * _EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def _check_near(near: tuple[float, float, float]) -> tuple[float, float, float]:
    try:
        lat, lon, radius_km = (float(v) for v in near)
    except (TypeError, ValueError):
        raise ValueError(f"near must be (latitude, longitude, radius_km), got {near!r}") from None
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise ValueError(f"near point ({lat}, {lon}) is out of range")
    if not (0 < radius_km <= 20_000):
        raise ValueError(f"radius must be between 0 and 20000 km, got {radius_km}")
    return lat, lon, radius_km


def _check_page(limit: int, offset: int) -> None:
    if not (isinstance(limit, int) and 1 <= limit <= 10_000):
        raise ValueError(f"limit must be an integer from 1 to 10000, got {limit!r}")
    if not (isinstance(offset, int) and offset >= 0):
        raise ValueError(f"offset must be an integer >= 0, got {offset!r}")


# -- small utilities ---------------------------------------------------------------------------


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _reason(exc: Exception) -> str:
    original = getattr(exc, "orig", None) or exc
    return " ".join(str(original).split())[:300]


def batches(items: Iterable, size: int) -> Iterator[list]:
    """Yield lists of at most ``size`` items."""
    batch = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch
