"""Export stored postings to CSV, Parquet or JSON-LD, and import such files back.

Exports stream in id order, a batch at a time. Imports go through
:meth:`PostingRepository.upsert` (validation, cleaning, duplicate linking; COPY on PostgreSQL),
so an import never bypasses the checks a crawl gets and importing a file twice changes nothing.
"""

from __future__ import annotations

import csv
import dataclasses
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import Engine, select

from jobatlas.postings.records import Compensation, OccupationCode, Posting
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
O_NET_SOC = "O*NET-SOC 2019"
COLUMNS = [
    "source", "source_id", "url", "title", "body", "employer", "compensation_raw",
    "compensation_min", "compensation_max", "compensation_unit", "compensation_currency",
    "employment_type", "posted_at", "valid_through", "area", "locality", "region",
    "postal_code", "latitude", "longitude", "category", "occupations", "model_version",
    "first_seen", "last_seen",
]  # fmt: skip
_FLOATS = {"compensation_min", "compensation_max", "latitude", "longitude"}
_DATES = {"posted_at", "valid_through", "first_seen", "last_seen"}
_SCHEMA = pa.schema(
    [
        (name, pa.float64() if name in _FLOATS else pa.timestamp("us", tz="UTC")
         if name in _DATES else pa.string())
        for name in COLUMNS
    ]
)  # fmt: skip


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
    stored = iter_stored(engine, include_duplicates)
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
    repository = PostingRepository(engine)
    total = UpsertResult()
    for batch in batches(enumerate(reader(path)), EXPORT_BATCH):
        good = [(index, item) for index, item in batch if isinstance(item, _Row)]
        total.rejected.extend(
            Rejection(index, item.source, item.source_id, item.reason)
            for index, item in batch
            if isinstance(item, _Unreadable)
        )
        now = datetime.now(UTC)
        result = repository.upsert_sightings(
            (row.posting, row.first_seen or now, row.last_seen or row.first_seen or now)
            for _, row in good
        )
        total.new += result.new
        total.updated += result.updated
        total.duplicate += result.duplicate
        total.rejected.extend(
            dataclasses.replace(r, index=good[r.index][0]) for r in result.rejected
        )
    total.rejected.sort(key=lambda r: r.index)
    return total


@dataclasses.dataclass
class _Row:
    """A posting read from a file, with when it was first and last seen."""

    posting: Posting
    first_seen: datetime | None
    last_seen: datetime | None


# -- flat records (CSV, Parquet) -----------------------------------------------------------------


def to_record(stored: StoredPosting) -> dict[str, Any]:
    """Return the flat export record of a stored posting (occupations as JSON text)."""
    posting = stored.posting
    pay = posting.compensation
    record = {name: getattr(posting, name, None) for name in COLUMNS}
    record.update(
        compensation_raw=pay.raw,
        compensation_min=pay.min_amount,
        compensation_max=pay.max_amount,
        compensation_unit=pay.unit,
        compensation_currency=pay.currency,
        occupations=json.dumps(
            [{"code": o.code, "score": o.score, "rank": o.rank} for o in posting.occupations]
        ),
        first_seen=stored.first_seen,
        last_seen=stored.last_seen,
    )
    return record


def from_record(record: dict[str, Any]) -> Any:
    """Return the posting of a flat export record (text values are converted)."""
    value = {name: _blank_to_none(record.get(name)) for name in COLUMNS}
    try:
        occupations = [OccupationCode(**o) for o in json.loads(value["occupations"] or "[]")]
        posting = Posting(
            source=value["source"],
            source_id=value["source_id"],
            url=value["url"],
            title=value["title"],
            body=value["body"] or "",
            employer=value["employer"],
            compensation=Compensation(
                raw=value["compensation_raw"],
                min_amount=_float(value["compensation_min"]),
                max_amount=_float(value["compensation_max"]),
                unit=value["compensation_unit"],
                currency=value["compensation_currency"] or "USD",
            ),
            employment_type=value["employment_type"],
            posted_at=_date(value["posted_at"]),
            valid_through=_date(value["valid_through"]),
            area=value["area"],
            locality=value["locality"],
            region=value["region"],
            postal_code=value["postal_code"],
            latitude=_float(value["latitude"]),
            longitude=_float(value["longitude"]),
            category=value["category"],
            occupations=occupations,
            model_version=value["model_version"],
        )
        return _Row(posting, _date(value["first_seen"]), _date(value["last_seen"]))
    except (TypeError, ValueError) as exc:
        return _unreadable(record, exc)


def _write_csv(path: Path, stored: Iterable[StoredPosting]) -> int:
    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS)
        writer.writeheader()
        for item in stored:
            record = to_record(item)
            writer.writerow({k: _csv_value(v) for k, v in record.items()})
            count += 1
    return count


def _read_csv(path: Path) -> Iterator[Any]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        missing = {"source", "source_id", "url", "title"} - set(reader.fieldnames or ())
        if missing:
            raise BulkFormatError(f"{path} lacks the columns {', '.join(sorted(missing))}")
        yield from (from_record(row) for row in reader)


def _write_parquet(path: Path, stored: Iterable[StoredPosting]) -> int:
    count = 0
    with pq.ParquetWriter(path, _SCHEMA) as writer:
        for batch in batches(stored, EXPORT_BATCH):
            records = [to_record(item) for item in batch]
            writer.write_table(pa.Table.from_pylist(records, schema=_SCHEMA))
            count += len(records)
        if count == 0:
            writer.write_table(_SCHEMA.empty_table())
    return count


def _read_parquet(path: Path) -> Iterator[Any]:
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise BulkFormatError(f"{path} is not a Parquet file: {exc}") from exc
    for batch in parquet.iter_batches(batch_size=EXPORT_BATCH):
        yield from (from_record(row) for row in batch.to_pylist())


# -- JSON-LD (schema.org JobPosting, one object per line) ----------------------------------------


def to_jobposting(stored: StoredPosting) -> dict[str, Any]:
    """Return a schema.org ``JobPosting`` object; jobatlas-only fields go under ``jobatlas``."""
    posting = stored.posting
    pay = posting.compensation
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "JobPosting",
        "identifier": {"@type": "PropertyValue", "name": posting.source,
                       "value": posting.source_id},
        "url": posting.url,
        "title": posting.title,
        "description": posting.body,
        "datePosted": _iso(posting.posted_at),
        "validThrough": _iso(posting.valid_through),
        "employmentType": posting.employment_type,
        "jobLocation": {
            "@type": "Place",
            "address": {"@type": "PostalAddress", "addressLocality": posting.locality,
                        "addressRegion": posting.region, "postalCode": posting.postal_code,
                        "addressCountry": "US"},
            "geo": {"@type": "GeoCoordinates", "latitude": posting.latitude,
                    "longitude": posting.longitude},
        },
        "occupationalCategory": [
            {"@type": "CategoryCode", "codeValue": o.code, "inCodeSet": O_NET_SOC}
            for o in posting.occupations
        ],
        "jobatlas": {
            "area": posting.area, "category": posting.category, "payText": pay.raw,
            "modelVersion": posting.model_version,
            "scores": [{"code": o.code, "score": o.score, "rank": o.rank}
                       for o in posting.occupations],
            "firstSeen": _iso(stored.first_seen), "lastSeen": _iso(stored.last_seen),
        },
    }  # fmt: skip
    if posting.employer:
        data["hiringOrganization"] = {"@type": "Organization", "name": posting.employer}
    if pay.min_amount is not None or pay.max_amount is not None:
        data["baseSalary"] = {
            "@type": "MonetaryAmount", "currency": pay.currency,
            "value": {"@type": "QuantitativeValue", "minValue": pay.min_amount,
                      "maxValue": pay.max_amount, "unitText": (pay.unit or "").upper() or None},
        }  # fmt: skip
    return data


def from_jobposting(data: dict[str, Any]) -> Any:
    """Return the posting of a ``JobPosting`` object written by :func:`to_jobposting`."""
    try:
        extra = data.get("jobatlas") or {}
        location = data.get("jobLocation") or {}
        address, geo = location.get("address") or {}, location.get("geo") or {}
        salary = data.get("baseSalary") or {}
        value = salary.get("value") or {}
        posting = Posting(
            source=data["identifier"]["name"],
            source_id=data["identifier"]["value"],
            url=data["url"],
            title=data["title"],
            body=data.get("description") or "",
            employer=(data.get("hiringOrganization") or {}).get("name"),
            compensation=Compensation(
                raw=extra.get("payText"),
                min_amount=value.get("minValue"),
                max_amount=value.get("maxValue"),
                unit=(value.get("unitText") or "").lower() or None,
                currency=salary.get("currency") or "USD",
            ),
            employment_type=data.get("employmentType"),
            posted_at=_date(data.get("datePosted")),
            valid_through=_date(data.get("validThrough")),
            area=extra.get("area"),
            locality=address.get("addressLocality"),
            region=address.get("addressRegion"),
            postal_code=address.get("postalCode"),
            latitude=geo.get("latitude"),
            longitude=geo.get("longitude"),
            category=extra.get("category"),
            occupations=[OccupationCode(**o) for o in extra.get("scores") or []],
            model_version=extra.get("modelVersion"),
        )
        return _Row(posting, _date(extra.get("firstSeen")), _date(extra.get("lastSeen")))
    except (KeyError, TypeError, ValueError, AttributeError) as exc:
        return _unreadable(data, exc)


def _write_jsonld(path: Path, stored: Iterable[StoredPosting]) -> int:
    count = 0
    with path.open("w", encoding="utf-8") as handle:
        for item in stored:
            handle.write(json.dumps(to_jobposting(item), ensure_ascii=False) + "\n")
            count += 1
    return count


def _read_jsonld(path: Path) -> Iterator[Any]:
    with path.open(encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise BulkFormatError(f"{path} line {number} is not JSON: {exc.msg}") from exc
            yield from_jobposting(data if isinstance(data, dict) else {})


# -- small helpers -------------------------------------------------------------------------------


@dataclasses.dataclass
class _Unreadable:
    """A record that could not be turned into a Posting, and why."""

    source: str | None
    source_id: str | None
    reason: str


def _unreadable(record: dict[str, Any], exc: Exception) -> Any:
    source, source_id = record.get("source"), record.get("source_id")
    identifier = record.get("identifier")
    if isinstance(identifier, dict):
        source, source_id = identifier.get("name"), identifier.get("value")
    return _Unreadable(
        source if isinstance(source, str) else None,
        source_id if isinstance(source_id, str) else None,
        f"unreadable record: {exc!r}",
    )


def _blank_to_none(value: Any) -> Any:
    return None if value == "" else value


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _date(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value))


def _iso(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _csv_value(value: Any) -> Any:
    return _iso(value) if isinstance(value, datetime) else value
