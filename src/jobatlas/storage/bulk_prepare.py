"""Check and clean a batch of imported postings column by column, as a crawl would one by one.

A batch is an Arrow table of export columns plus each record's ``position`` in the file.
Whole-column checks find the records that might fail :func:`validate_posting`; those few go
through the very code a crawl runs (``validate_posting``, ``clean_posting``) and are stored or
rejected with its reason. Every other record is cleaned by column: each cleaning step runs once
per distinct value (pay text, employment type, place) rather than once per posting, and the
content fingerprint of ASCII text is built by Arrow kernels (see :func:`ascii_fingerprints`).
"""

from __future__ import annotations

import functools
import hashlib
import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pajson

from jobatlas.postings.clean.fingerprint import content_fingerprint, text_words
from jobatlas.postings.clean.near_duplicates import MIN_BODY_WORDS
from jobatlas.postings.clean.normalize_compensation import compensation_changes
from jobatlas.postings.clean.normalize_employment_type import employment_type_changes
from jobatlas.postings.clean.normalize_location import location_changes
from jobatlas.postings.records import Compensation, OccupationCode, Posting
from jobatlas.soc import InvalidSocCode, parse_onet_soc
from jobatlas.storage.bulk_export import EXPORT_SCHEMA, TIMESTAMP
from jobatlas.storage.postings import Rejection, _prepare
from jobatlas.storage.rows import occupation_values
from jobatlas.storage.validation import MAX_LENGTHS, PAY_UNITS, REQUIRED, InvalidPosting

# Every character Python's str.strip() removes, so a "blank" check is never laxer than it.
_BLANK = (
    r"^[\t\n\x0b\x0c\r\x1c-\x1f \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}"
    r"\x{202f}\x{205f}\x{3000}]*$"
)
_CODES_TYPE = pa.list_(
    pa.struct([("code", pa.string()), ("score", pa.float64()), ("rank", pa.int64())])
)
# Text that may carry NUL bytes, which PostgreSQL text cannot hold (removed as a crawl does).
_NUL_FREE = ("source", "source_id", "url", "title", "body", "employer", "employment_type",
             "area", "locality", "region", "postal_code", "category", "model_version",
             "compensation_raw")  # fmt: skip
STAGE_SCHEMA = pa.schema(
    [
        ("position", pa.int64()),
        *[field for field in EXPORT_SCHEMA if field.name != "occupations"],
        ("fingerprint", pa.string()),
        ("classified_at", TIMESTAMP),
        ("comparable", pa.bool_()),
    ]
)
CODES_SCHEMA = pa.schema(
    [("position", pa.int64()), ("code", pa.string()), ("soc", pa.string()),
     ("rank", pa.int16()), ("score", pa.float64())]
)  # fmt: skip


@dataclass
class Prepared:
    """A batch ready to store: cleaned postings, their occupation codes, rejected records."""

    postings: pa.Table  # STAGE_SCHEMA, by position
    codes: pa.Table  # CODES_SCHEMA
    rejected: list[Rejection]


@dataclass
class Row:
    """A posting read from a file, with when it was first and last seen."""

    posting: Posting
    first_seen: datetime | None
    last_seen: datetime | None


@dataclass
class Unreadable:
    """A record that could not be turned into a Posting, and why."""

    source: str | None
    source_id: str | None
    reason: str


def prepare(table: pa.Table, now: datetime) -> Prepared:
    """Check and clean a table of export columns plus ``position``; see the module docstring."""
    table = _seen_filled(table, now)
    codes = _parsed_codes(table["occupations"])
    suspect = _suspects(table, codes)
    fast = _clean(table.filter(pa.array(~suspect)), codes.filter(pa.array(~suspect)))
    slow = prepare_records(
        zip(table["position"].filter(pa.array(suspect)).to_pylist(),
            table.filter(pa.array(suspect)).drop_columns("position").to_pylist(), strict=True),
        now,
    )  # fmt: skip
    return Prepared(
        pa.concat_tables([fast.postings, slow.postings]).sort_by("position"),
        pa.concat_tables([fast.codes, slow.codes]),
        slow.rejected,
    )


def readable_rows(records) -> tuple[list[tuple[int, Row]], list[Rejection]]:
    """Split ``(position, record)`` pairs into readable rows and rejections of the rest."""
    rows, rejected = [], []
    for position, record in records:
        item = record if isinstance(record, Unreadable) else from_record(record)
        if isinstance(item, Unreadable):
            rejected.append(Rejection(position, item.source, item.source_id, item.reason))
        else:
            rows.append((position, item))
    return rows, rejected


def prepare_records(records, now: datetime) -> Prepared:
    """Check and clean ``(position, record)`` pairs one by one, exactly as a crawl does."""
    readable, rejected = readable_rows(records)
    rows, codes = [], []
    for position, item in readable:
        first_seen = item.first_seen or now
        try:
            ready = _prepare(position, item.posting, first_seen, item.last_seen or first_seen)
        except InvalidPosting as exc:
            posting = item.posting
            rejected.append(Rejection(position, posting.source, posting.source_id, str(exc)))
            continue
        rows.append(
            dict(
                ready.values,
                position=position,
                first_seen=ready.first_seen,
                last_seen=ready.last_seen,
                classified_at=ready.last_seen if ready.occupations else None,
                comparable=ready.candidate.shingles is not None,
            )
        )
        for code in occupation_values(position, ready.occupations):
            code["position"] = code.pop("posting_id")
            codes.append(code)
    return Prepared(
        pa.Table.from_pylist(rows, schema=STAGE_SCHEMA),
        pa.Table.from_pylist(codes, schema=CODES_SCHEMA),
        rejected,
    )


# -- checks ----------------------------------------------------------------------------------


def _seen_filled(table: pa.Table, now: datetime) -> pa.Table:
    """Fill missing sighting times as the row-by-row import does: now, or the first sighting."""
    first = pc.fill_null(table["first_seen"], pa.scalar(now, TIMESTAMP))
    last = pc.coalesce(table["last_seen"], first)
    table = table.set_column(table.schema.get_field_index("first_seen"), "first_seen", first)
    return table.set_column(table.schema.get_field_index("last_seen"), "last_seen", last)


def _parsed_codes(text: pa.ChunkedArray) -> pa.ChunkedArray:
    """Return the occupation codes of each record as a list column; null where unparseable.

    The JSON of every record is parsed by Arrow in one go. A batch Arrow cannot parse (bad
    JSON, unexpected keys or types) comes back all null, and its records go the slow way.
    """
    wrapped = pc.binary_join_element_wise('{"o":', pc.fill_null(text, "[]"), "}", "")
    try:
        data = "\n".join(wrapped.to_pylist()).encode()
        options = pajson.ParseOptions(
            explicit_schema=pa.schema([("o", _CODES_TYPE)]), unexpected_field_behavior="error"
        )
        parsed = pajson.read_json(pa.BufferReader(data), parse_options=options)["o"]
    except (pa.ArrowInvalid, UnicodeEncodeError):
        parsed = None
    if parsed is None or len(parsed) != len(text):
        return pa.chunked_array([pa.nulls(len(text), _CODES_TYPE)])
    return parsed


def _suspects(table: pa.Table, codes: pa.ChunkedArray) -> np.ndarray:
    """Return which records might fail validation: they are checked one by one."""
    bad = np.zeros(table.num_rows, dtype=bool)

    def flag(mask, null_is_bad: bool = False) -> None:
        nonlocal bad
        bad |= pc.fill_null(mask, null_is_bad).to_numpy(zero_copy_only=False)

    for name in REQUIRED:
        flag(pc.match_substring_regex(table[name], _BLANK), null_is_bad=True)
    for name, limit in {**MAX_LENGTHS, "compensation_raw": 1000}.items():
        if name in table.column_names:
            flag(pc.greater(pc.utf8_length(table[name]), limit))
    url = table["url"]
    flag(pc.invert(pc.or_(pc.starts_with(url, "http://"), pc.starts_with(url, "https://"))))
    lat, lon = table["latitude"], table["longitude"]
    flag(pc.xor(pc.is_null(lat), pc.is_null(lon)))
    for column, limit in ((lat, 90), (lon, 180)):
        flag(pc.invert(pc.is_finite(column)))
        flag(pc.greater(pc.abs(column), limit))
    low, high = table["compensation_min"], table["compensation_max"]
    for column in (low, high):
        flag(pc.or_(pc.invert(pc.is_finite(column)), pc.less(column, 0)))
    flag(pc.greater(low, high))
    unit = table["compensation_unit"]
    flag(pc.and_(pc.is_valid(unit), pc.invert(pc.is_in(unit, pa.array(sorted(PAY_UNITS))))))
    flag(pc.not_equal(pc.utf8_length(table["compensation_currency"]), 3))
    flag(pc.greater(table["first_seen"], table["last_seen"]))
    flag(pc.is_null(codes), null_is_bad=True)
    bad[_bad_code_parents(codes)] = True
    return bad


def _bad_code_parents(codes: pa.ChunkedArray) -> np.ndarray:
    """Return the record indexes whose occupation codes a crawl would reject or rewrite."""
    flat = pc.list_flatten(codes)
    if len(flat) == 0:
        return np.zeros(0, dtype=np.int64)
    parents = pc.list_parent_indices(codes).to_numpy()
    code = pc.struct_field(flat, "code")
    # Each distinct code is checked with the parser the crawl uses; a code that parses but is
    # not in its stored form ("533032") goes the slow way and is normalized there.
    distinct = pc.unique(code).drop_null()
    good = pa.array([_is_stored_form(c) for c in distinct.to_pylist()], pa.bool_())
    ok = pc.fill_null(pc.take(good, pc.index_in(code, distinct)), False)
    ok = pc.and_(ok, pc.fill_null(pc.is_finite(pc.struct_field(flat, "score")), False))
    ok = pc.and_(ok, pc.fill_null(pc.greater_equal(pc.struct_field(flat, "rank"), 1), False))
    bad = parents[~ok.to_numpy(zero_copy_only=False)]
    pairs = pa.table({"parent": parents, "code": code})
    counts = pairs.group_by(["parent", "code"]).aggregate([("code", "count")])
    twice = counts.filter(pc.greater(counts["code_count"], 1))["parent"].to_numpy()
    return np.concatenate([bad, twice])


def _is_stored_form(code: str) -> bool:
    try:
        return parse_onet_soc(code) == code
    except InvalidSocCode:
        return False


# -- cleaning --------------------------------------------------------------------------------


def _clean(table: pa.Table, codes: pa.ChunkedArray) -> Prepared:
    columns = {name: table[name] for name in STAGE_SCHEMA.names if name in table.column_names}
    for name in _NUL_FREE:
        if pc.any(pc.match_substring(columns[name], "\x00")).as_py():
            columns[name] = pc.replace_substring(columns[name], "\x00", "")
    columns["body"] = pc.fill_null(columns["body"], "")
    columns["compensation_currency"] = pc.fill_null(columns["compensation_currency"], "USD")
    columns.update(_cleaned_pay(columns))
    columns["employment_type"] = _mapped(
        columns["employment_type"],
        lambda value: employment_type_changes(_bare(employment_type=value)).get(
            "employment_type", value
        ),
    )
    columns.update(_cleaned_places(columns))
    fingerprints, comparable = _fingerprints(columns["title"], columns["body"])
    columns["fingerprint"], columns["comparable"] = fingerprints, comparable
    classified = pc.greater(pc.list_value_length(codes), 0)
    columns["model_version"] = pc.if_else(classified, columns["model_version"], None)
    columns["classified_at"] = pc.if_else(classified, columns["last_seen"], None)
    postings = pa.table([columns[name] for name in STAGE_SCHEMA.names], schema=STAGE_SCHEMA)
    return Prepared(postings, _code_rows(table["position"], codes), [])


def _bare(**fields: Any) -> Posting:
    """Return a posting with only ``fields`` set, for running one cleaning step on them."""
    return Posting(source="", source_id="", url="", title="", **fields)


def _mapped(column: pa.ChunkedArray, function) -> pa.ChunkedArray:
    """Apply ``function`` once per distinct non-null value of ``column``."""
    distinct = pc.unique(column).drop_null()
    if len(distinct) == 0:
        return column
    mapped = pa.array([function(v) for v in distinct.to_pylist()], column.type)
    return pc.take(mapped, pc.index_in(column, distinct))


def _cleaned_pay(columns: dict) -> dict[str, pa.Array]:
    """Parse pay text where no amount is given, once per distinct text, unit and currency."""
    names = ("compensation_raw", "compensation_unit", "compensation_currency")
    needs = pc.and_(
        pc.is_valid(columns["compensation_raw"]),
        pc.and_(pc.is_null(columns["compensation_min"]), pc.is_null(columns["compensation_max"])),
    )
    if not pc.any(needs).as_py():
        return {}
    keys = zip(*(columns[n].filter(needs).to_pylist() for n in names), strict=True)
    cache: dict[tuple, Compensation] = {}
    parsed = []
    for raw, unit, currency in keys:
        pay = cache.get((raw, unit, currency))
        if pay is None:
            given = Compensation(raw=raw, unit=unit, currency=currency)
            pay = compensation_changes(_bare(compensation=given)).get("compensation", given)
            cache[(raw, unit, currency)] = pay
        parsed.append(pay)
    replaced = {
        "compensation_min": [p.min_amount for p in parsed],
        "compensation_max": [p.max_amount for p in parsed],
        "compensation_unit": [p.unit for p in parsed],
    }
    return {
        name: pc.replace_with_mask(
            columns[name].combine_chunks(), needs.combine_chunks(),
            pa.array(values, columns[name].type),
        )
        for name, values in replaced.items()
    }  # fmt: skip


def _cleaned_places(columns: dict) -> dict[str, pa.Array]:
    """Normalize locality, region and ZIP once per distinct triple; drop (0, 0) coordinates."""
    names = ("locality", "region", "postal_code")
    cleaned = list(map(_clean_place, *(columns[n].to_pylist() for n in names)))
    result = {name: pa.array([c[i] for c in cleaned], pa.string()) for i, name in enumerate(names)}
    # Broken geocoders emit (0, 0); validation has already ruled out everything else.
    nowhere = pc.fill_null(
        pc.and_(pc.equal(columns["latitude"], 0), pc.equal(columns["longitude"], 0)), False
    )
    for name in ("latitude", "longitude"):
        result[name] = pc.if_else(nowhere, pa.scalar(None, pa.float64()), columns[name])
    return result


# Places repeat across a file's batches (a few tens of thousands of ZIP codes in a million ads).
@functools.lru_cache(maxsize=1 << 17)
def _clean_place(locality: str | None, region: str | None, postal_code: str | None) -> tuple:
    given = {"locality": locality, "region": region, "postal_code": postal_code}
    changed = {**given, **location_changes(_bare(**given))}
    return changed["locality"], changed["region"], changed["postal_code"]


def _fingerprints(title: pa.ChunkedArray, body: pa.ChunkedArray) -> tuple[pa.Array, pa.Array]:
    """Return each posting's content fingerprint and whether its body is long enough to compare."""
    ascii_rows = pc.and_(pc.string_is_ascii(title), pc.string_is_ascii(body)).to_numpy(
        zero_copy_only=False
    )
    fingerprints = np.empty(len(title), dtype=object)
    comparable = np.empty(len(title), dtype=bool)
    if ascii_rows.any():
        mask = pa.array(ascii_rows)
        fingerprints[ascii_rows], words = ascii_fingerprints(title.filter(mask), body.filter(mask))
        comparable[ascii_rows] = words >= MIN_BODY_WORDS
    for i in np.flatnonzero(~ascii_rows):
        t, b = title[int(i)].as_py(), body[int(i)].as_py()
        fingerprints[i] = content_fingerprint(t, b)
        comparable[i] = len(text_words(b)) >= MIN_BODY_WORDS
    return pa.array(fingerprints, pa.string()), pa.array(comparable, pa.bool_())


def ascii_fingerprints(title, body) -> tuple[np.ndarray, np.ndarray]:
    """Return :func:`content_fingerprint` of ASCII titles and bodies, and the body word counts.

    For ASCII text the normalized words are the runs of letters of the lower-cased text: one
    ``bytes.translate`` over a column's whole buffer lower-cases letters and blanks everything
    else, leaving a split and a join per value.
    """
    titles, bodies = _ascii_words(title), _ascii_words(body)
    digests = np.array(
        [
            hashlib.blake2b(t + b"\n" + b, digest_size=16).hexdigest()
            for t, b in zip(titles, bodies, strict=True)
        ],
        dtype=object,
    )
    words = np.array([b.count(b" ") + 1 if b else 0 for b in bodies], dtype=np.int64)
    return digests, words


_LETTERS_ONLY = bytes(c + 32 if 65 <= c <= 90 else c if 97 <= c <= 122 else 32 for c in range(256))


def _ascii_words(text) -> list[bytes]:
    array = pa.chunked_array(text).combine_chunks() if not isinstance(text, pa.Array) else text
    array = pc.fill_null(array, "").cast(pa.large_string())
    offsets = np.frombuffer(array.buffers()[1], dtype=np.int64)[
        array.offset : array.offset + len(array) + 1
    ]
    data = array.buffers()[2].to_pybytes().translate(_LETTERS_ONLY) if len(array) else b""
    return [b" ".join(data[a:b].split()) for a, b in zip(offsets[:-1], offsets[1:], strict=True)]


def _code_rows(positions: pa.ChunkedArray, codes: pa.ChunkedArray) -> pa.Table:
    flat = pc.list_flatten(codes)
    code = pc.struct_field(flat, "code")
    return pa.table(
        [
            pc.take(positions, pc.list_parent_indices(codes)),
            code,
            pc.utf8_slice_codeunits(code, 0, 7),
            pc.fill_null(pc.struct_field(flat, "rank"), 1).cast(pa.int16()),
            pc.struct_field(flat, "score"),
        ],
        schema=CODES_SCHEMA,
    )


# -- records ---------------------------------------------------------------------------------


def from_record(record: dict[str, Any]) -> Row | Unreadable:
    """Return the posting of a flat export record (text values are converted)."""
    value = {name: _blank_to_none(record.get(name)) for name in EXPORT_SCHEMA.names}
    try:
        occupations = value["occupations"]
        if isinstance(occupations, str):
            occupations = json.loads(occupations)
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
            occupations=[OccupationCode(**o) for o in occupations or []],
            model_version=value["model_version"],
        )
        return Row(posting, _date(value["first_seen"]), _date(value["last_seen"]))
    except (TypeError, ValueError) as exc:
        return unreadable(record, exc)


def unreadable(record: dict[str, Any], exc: Exception) -> Unreadable:
    """Return why ``record`` could not be read, with its identity when it has one."""
    source, source_id = record.get("source"), record.get("source_id")
    identifier = record.get("identifier")
    if isinstance(identifier, dict):
        source, source_id = identifier.get("name"), identifier.get("value")
    return Unreadable(
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
