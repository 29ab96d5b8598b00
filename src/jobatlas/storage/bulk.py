"""Export stored postings to CSV, Parquet or JSON-LD, and import such files back.

Exports run one query that brings each posting with its occupation codes (``COPY ... TO
STDOUT`` on PostgreSQL) and write Arrow record batches. Imports read Arrow batches too.

On PostgreSQL a batch is checked and cleaned by column (:mod:`jobatlas.storage.bulk_prepare`:
records that might be bad go through the crawl's own checks and are rejected with its reason)
and merged with COPY and set-based SQL (:mod:`jobatlas.storage.bulk_load`), which links exact
reposts by content fingerprint but does not look for near duplicates. Other databases store
through :meth:`PostingRepository.upsert_sightings`, record by record. Either way importing a
file twice changes nothing.
"""

from __future__ import annotations

import json
import multiprocessing
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
from sqlalchemy import Engine, select

from jobatlas.storage.bulk_export import (
    COLUMNS,
    DATES,
    EXPORT_SCHEMA,
    iso_dates,
    stored_batches,
)
from jobatlas.storage.bulk_load import Encoded, encode, store_batches
from jobatlas.storage.bulk_prepare import (
    Unreadable,
    prepare,
    prepare_records,
    readable_rows,
    unreadable,
)
from jobatlas.storage.postings import (
    PostingRepository,
    Rejection,
    UpsertResult,
    batches,
    load_postings,
)
from jobatlas.storage.rows import POSTINGS, StoredPosting

FORMATS = ("csv", "parquet", "jsonld")
EXPORT_BATCH = 1000
IMPORT_BATCH = 50_000
# Not fork: the importing process may hold threads and open database connections.
_FORKSERVER = multiprocessing.get_context("forkserver")
O_NET_SOC = "O*NET-SOC 2019"
_REQUIRED_COLUMNS = {"source", "source_id", "url", "title"}
# CSV and JSON-LD carry dates as ISO 8601 text; Arrow parses a whole column at once.
_TEXT_DATES = pa.schema(
    [pa.field(f.name, pa.string()) if f.name in DATES else f for f in EXPORT_SCHEMA]
)


class BulkFormatError(ValueError):
    """A file that is not a posting export in the expected format."""


def format_of(path: str | Path, fmt: str | None = None) -> str:
    """Return the export format named or implied by the file suffix."""
    fmt = fmt or {
        ".csv": "csv",
        ".parquet": "parquet",
        ".jsonld": "jsonld",
        ".jsonl": "jsonld",
    }.get(Path(path).suffix.lower())
    if fmt not in FORMATS:
        raise BulkFormatError(f"cannot tell the format of {path}: use one of {', '.join(FORMATS)}")
    return fmt


def iter_stored(
    engine: Engine, include_duplicates: bool = True, batch_size: int = EXPORT_BATCH
) -> Iterator[StoredPosting]:
    """Yield every stored posting in id order, loading ``batch_size`` at a time."""
    last = 0
    while True:
        query = select(POSTINGS.c.id).where(POSTINGS.c.id > last)
        if not include_duplicates:
            query = query.where(POSTINGS.c.duplicate_of.is_(None))
        with engine.connect() as connection:
            ids = list(
                connection.execute(query.order_by(POSTINGS.c.id).limit(batch_size)).scalars()
            )
            loaded = load_postings(connection, ids)
        if not ids:
            return
        yield from (loaded[i] for i in ids)
        last = ids[-1]


def export_postings(
    engine: Engine, path: str | Path, fmt: str | None = None, include_duplicates: bool = True
) -> int:
    """Write stored postings to ``path`` as CSV, Parquet or JSON-LD lines; return the count."""
    fmt = format_of(path, fmt)
    stored = stored_batches(engine, include_duplicates)
    writer = {"csv": _write_csv, "parquet": _write_parquet, "jsonld": _write_jsonld}[fmt]
    return writer(Path(path), stored)


def import_postings(engine: Engine, path: str | Path, fmt: str | None = None) -> UpsertResult:
    """Store the postings of an export file; bad records are rejected, the rest stored.

    The result counts what was stored and lists rejected records by their position in the
    file; it keeps no ids (a file can hold millions of postings).
    """
    fmt = format_of(path, fmt)
    path = Path(path)
    if not path.is_file():
        raise BulkFormatError(f"{path} is not a file")
    reader = {"csv": _read_csv, "parquet": _read_parquet, "jsonld": _read_jsonld}[fmt]
    total = UpsertResult()
    if engine.dialect.name == "postgresql":
        _store_set_based(engine, reader(path), total)
    else:
        for chunk in reader(path):
            _store_row_by_row(engine, chunk, total)
    total.rejected.sort(key=lambda r: r.index)
    return total


@dataclass
class _Chunk:
    """Records read from a file: a typed table with ``position``, or records one by one."""

    table: pa.Table | None = None
    records: list[tuple[int, Any]] = field(default_factory=list)  # (position, dict|Unreadable)


def _store_set_based(engine: Engine, chunks: Iterable[_Chunk], total: UpsertResult) -> None:
    def prepared_batches(id_base: int | None) -> Iterator[Encoded]:
        # The next batch is checked, cleaned and encoded in another process while the database
        # merges this one, on the other core. In a thread it held the GIL that sending each
        # piece of this batch's COPY needs, and the sends waited on it.
        # Workers fork from a server that imported this module once, not each on its own.
        _FORKSERVER.set_forkserver_preload([__name__])
        with ProcessPoolExecutor(max_workers=1, mp_context=_FORKSERVER) as pool:
            waiting = None
            for chunk in chunks:
                ready = pool.submit(_prepared, chunk, datetime.now(UTC), id_base)
                if waiting is not None:
                    yield from _rejections_noted(waiting.result(), total)
                waiting = ready
            if waiting is not None:
                yield from _rejections_noted(waiting.result(), total)

    with engine.connect() as connection:
        counts = store_batches(connection, prepared_batches)
    total.new += counts.new
    total.duplicate += counts.duplicate
    total.updated += counts.updated


def _prepared(chunk: _Chunk, now: datetime, id_base: int | None) -> list[Encoded]:
    found = [prepare(chunk.table, now)] if chunk.table is not None else []
    found += [prepare_records(chunk.records, now)] if chunk.records else []
    return [encode(prepared, id_base) for prepared in found]


def _rejections_noted(prepared: list[Encoded], total: UpsertResult) -> Iterator[Encoded]:
    for batch in prepared:
        total.rejected.extend(batch.rejected)
        yield batch


def _store_row_by_row(engine: Engine, chunk: _Chunk, total: UpsertResult) -> None:
    records = list(chunk.records)
    if chunk.table is not None:
        positions = chunk.table["position"].to_pylist()
        records += zip(positions, chunk.table.drop_columns("position").to_pylist(), strict=True)
        records.sort(key=lambda item: item[0])
    rows, rejected = readable_rows(records)
    total.rejected.extend(rejected)
    now = datetime.now(UTC)
    result = PostingRepository(engine).upsert_sightings(
        (row.posting, row.first_seen or now, row.last_seen or row.first_seen or now)
        for _, row in rows
    )
    total.new += result.new
    total.updated += result.updated
    total.duplicate += result.duplicate
    total.rejected.extend(
        Rejection(rows[r.index][0], r.source, r.source_id, r.reason) for r in result.rejected
    )


def _typed(table: pa.Table, positions: list[int]) -> _Chunk:
    """Return ``table`` with the export columns and types, and each record's position.

    A column that does not convert as a whole (a stray text among numbers or dates) sends the
    batch record by record, where each bad value is rejected with its record.
    """
    arrays = []
    for target in EXPORT_SCHEMA:
        if target.name not in table.column_names:
            arrays.append(pa.nulls(table.num_rows, target.type))
            continue
        column = table[target.name]
        try:
            arrays.append(column if column.type == target.type else column.cast(target.type))
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            return _Chunk(records=list(zip(positions, table.to_pylist(), strict=True)))
    position = pa.array(positions, pa.int64())
    return _Chunk(table=pa.table([*arrays, position], names=[*COLUMNS, "position"]))


# -- CSV ---------------------------------------------------------------------------------------


def _write_csv(path: Path, batches: Iterable[pa.RecordBatch]) -> int:
    count = 0
    with pacsv.CSVWriter(path, _TEXT_DATES) as writer:
        for batch in batches:
            arrays = [
                iso_dates(batch.column(name)) if name in DATES else batch.column(name)
                for name in COLUMNS
            ]
            writer.write_batch(pa.RecordBatch.from_arrays(arrays, schema=_TEXT_DATES))
            count += batch.num_rows
    return count


def _read_csv(path: Path) -> Iterator[_Chunk]:
    try:
        header = pacsv.open_csv(path, read_options=pacsv.ReadOptions(block_size=1 << 16))
        names = header.schema.names
    except (pa.ArrowInvalid, StopIteration) as exc:
        raise BulkFormatError(f"{path} is not a CSV export: {exc}") from exc
    missing = _REQUIRED_COLUMNS - set(names)
    if missing:
        raise BulkFormatError(f"{path} lacks the columns {', '.join(sorted(missing))}")
    present = [name for name in COLUMNS if name in names]
    reader = pacsv.open_csv(
        path,
        read_options=pacsv.ReadOptions(block_size=32 << 20),
        parse_options=pacsv.ParseOptions(newlines_in_values=True),
        convert_options=pacsv.ConvertOptions(
            column_types={name: pa.string() for name in present},
            include_columns=present,
            null_values=[""],
            strings_can_be_null=True,
            quoted_strings_can_be_null=True,  # as csv.DictReader: an empty field is no value
        ),
    )
    start = 0
    for batch in reader:
        yield _typed(pa.Table.from_batches([batch]), list(range(start, start + batch.num_rows)))
        start += batch.num_rows


# -- Parquet -----------------------------------------------------------------------------------


def _write_parquet(path: Path, batches: Iterable[pa.RecordBatch]) -> int:
    count = 0
    with pq.ParquetWriter(path, EXPORT_SCHEMA) as writer:
        for batch in batches:
            writer.write_batch(batch)
            count += batch.num_rows
        if count == 0:
            writer.write_table(EXPORT_SCHEMA.empty_table())
    return count


def _read_parquet(path: Path) -> Iterator[_Chunk]:
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise BulkFormatError(f"{path} is not a Parquet file: {exc}") from exc
    names = parquet.schema_arrow.names
    missing = _REQUIRED_COLUMNS - set(names)
    if missing:
        raise BulkFormatError(f"{path} lacks the columns {', '.join(sorted(missing))}")
    start = 0
    present = [name for name in COLUMNS if name in names]
    for batch in parquet.iter_batches(batch_size=IMPORT_BATCH, columns=present):
        yield _typed(pa.Table.from_batches([batch]), list(range(start, start + batch.num_rows)))
        start += batch.num_rows


# -- JSON-LD (schema.org JobPosting, one object per line) ----------------------------------------


def to_jobposting(record: dict[str, Any]) -> dict[str, Any]:
    """Return the schema.org ``JobPosting`` of a flat export record.

    jobatlas-only fields go under ``jobatlas``.
    """
    codes = json.loads(record["occupations"] or "[]")
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "JobPosting",
        "identifier": {"@type": "PropertyValue", "name": record["source"],
                       "value": record["source_id"]},
        "url": record["url"],
        "title": record["title"],
        "description": record["body"],
        "datePosted": _iso(record["posted_at"]),
        "validThrough": _iso(record["valid_through"]),
        "employmentType": record["employment_type"],
        "jobLocation": {
            "@type": "Place",
            "address": {"@type": "PostalAddress", "addressLocality": record["locality"],
                        "addressRegion": record["region"], "postalCode": record["postal_code"],
                        "addressCountry": "US"},
            "geo": {"@type": "GeoCoordinates", "latitude": record["latitude"],
                    "longitude": record["longitude"]},
        },
        "occupationalCategory": [
            {"@type": "CategoryCode", "codeValue": o["code"], "inCodeSet": O_NET_SOC}
            for o in codes
        ],
        "jobatlas": {
            "area": record["area"], "category": record["category"],
            "payText": record["compensation_raw"], "modelVersion": record["model_version"],
            "scores": [{"code": o["code"], "score": o["score"], "rank": o["rank"]}
                       for o in codes],
            "firstSeen": _iso(record["first_seen"]), "lastSeen": _iso(record["last_seen"]),
        },
    }  # fmt: skip
    if record["employer"]:
        data["hiringOrganization"] = {"@type": "Organization", "name": record["employer"]}
    low, high = record["compensation_min"], record["compensation_max"]
    if low is not None or high is not None:
        data["baseSalary"] = {
            "@type": "MonetaryAmount", "currency": record["compensation_currency"],
            "value": {"@type": "QuantitativeValue", "minValue": low, "maxValue": high,
                      "unitText": (record["compensation_unit"] or "").upper() or None},
        }  # fmt: skip
    return data


def jobposting_record(data: dict[str, Any]) -> dict[str, Any]:
    """Return the flat export record of a ``JobPosting`` written by :func:`to_jobposting`."""
    extra = data.get("jobatlas") or {}
    location = data.get("jobLocation") or {}
    address, geo = location.get("address") or {}, location.get("geo") or {}
    salary = data.get("baseSalary") or {}
    value = salary.get("value") or {}
    scores = extra.get("scores") or []
    return {
        "source": data["identifier"]["name"],
        "source_id": data["identifier"]["value"],
        "url": data["url"],
        "title": data["title"],
        "body": data.get("description") or "",
        "employer": (data.get("hiringOrganization") or {}).get("name"),
        "compensation_raw": extra.get("payText"),
        "compensation_min": value.get("minValue"),
        "compensation_max": value.get("maxValue"),
        "compensation_unit": (value.get("unitText") or "").lower() or None,
        "compensation_currency": salary.get("currency") or "USD",
        "employment_type": data.get("employmentType"),
        "posted_at": data.get("datePosted"),
        "valid_through": data.get("validThrough"),
        "area": extra.get("area"),
        "locality": address.get("addressLocality"),
        "region": address.get("addressRegion"),
        "postal_code": address.get("postalCode"),
        "latitude": geo.get("latitude"),
        "longitude": geo.get("longitude"),
        "category": extra.get("category"),
        "occupations": json.dumps(scores) if isinstance(scores, list) else scores,
        "model_version": extra.get("modelVersion"),
        "first_seen": extra.get("firstSeen"),
        "last_seen": extra.get("lastSeen"),
    }


def _write_jsonld(path: Path, batches: Iterable[pa.RecordBatch]) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for batch in batches:
            lines = [json.dumps(to_jobposting(r), ensure_ascii=False) for r in batch.to_pylist()]
            handle.write("".join(line + "\n" for line in lines))
            count += batch.num_rows
    return count


def _read_jsonld(path: Path) -> Iterator[_Chunk]:
    with path.open(encoding="utf-8") as handle:
        records = enumerate(_jsonld_records(path, handle))
        yield from (_jsonld_chunk(batch) for batch in batches(records, IMPORT_BATCH))


def _jsonld_records(path: Path, handle) -> Iterator[Any]:
    for number, line in enumerate(handle, start=1):
        if not line.strip():
            continue
        try:
            data = json.loads(line)
        except json.JSONDecodeError as exc:
            raise BulkFormatError(f"{path} line {number} is not JSON: {exc.msg}") from exc
        data = data if isinstance(data, dict) else {}
        try:
            yield jobposting_record(data)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            yield unreadable(data, exc)


def _jsonld_chunk(batch: list[tuple[int, Any]]) -> _Chunk:
    readable = [(i, record) for i, record in batch if not isinstance(record, Unreadable)]
    if not readable:
        return _Chunk(records=batch)
    try:
        table = pa.Table.from_pylist([record for _, record in readable], schema=_TEXT_DATES)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return _Chunk(records=batch)
    chunk = _typed(table, [i for i, _ in readable])
    chunk.records.extend((i, record) for i, record in batch if isinstance(record, Unreadable))
    return chunk


# -- small helpers -------------------------------------------------------------------------------


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()
