"""Find the input partitions of a batch and read each one into records.

A partition is one input file: Parquet, CSV or JSON Lines (optionally compressed), on a local
path or any fsspec URL. Records are plain dicts, as the JSONL contract of ``jobatlas classify``
has them; a line that cannot be read becomes a ``RowError`` in its place so that the output
keeps one row per input row.
"""

from __future__ import annotations

import hashlib
import io
import json
import posixpath
from dataclasses import dataclass

import fsspec
import pandas as pd
import pyarrow.parquet as pq

FORMATS = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".csv": "csv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
}
COMPRESSIONS = (".gz", ".bz2", ".xz", ".zst")
# Columns the classifier reads; others (salary, location, ...) are not loaded.
RECORD_COLUMNS = ("id", "title", "text")


class InputError(ValueError):
    """The batch input cannot be used (no files, unknown format)."""


@dataclass(frozen=True)
class Partition:
    """One input file of a batch, and the name its output gets."""

    url: str  # full fsspec URL, e.g. "file:///data/postings/2024-05.parquet"
    format: str  # "parquet", "csv" or "jsonl"
    name: str  # deterministic output stem, e.g. "2024-05-1a2b3c4d"
    fingerprint: str  # changes when the input file changes (size, mtime, etag)


@dataclass(frozen=True)
class RowError:
    """An input line that could not be read as a record."""

    error: str


def detect_format(path: str) -> str:
    """Return the format of a file from its name, looking through a compression suffix."""
    name = posixpath.basename(path).lower()
    for suffix in COMPRESSIONS:
        name = name.removesuffix(suffix)
    ext = posixpath.splitext(name)[1]
    if ext not in FORMATS:
        known = ", ".join(sorted(FORMATS))
        raise InputError(f"cannot tell the format of {path!r}: use one of {known}")
    return FORMATS[ext]


def partition_name(url: str) -> str:
    """Return the output stem of an input: its file stem plus a short hash of its full URL.

    The hash keeps two inputs with the same file name in different folders apart, and is the
    same on every run, so a re-run finds the outputs of the previous one.
    """
    stem = posixpath.basename(url)
    for suffix in COMPRESSIONS:
        stem = stem.removesuffix(suffix)
    stem = posixpath.splitext(stem)[0]
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:8]
    return f"{stem}-{digest}"


def find_partitions(input_glob: str, storage_options: dict | None = None) -> list[Partition]:
    """Return the input files a glob (local or fsspec URL) matches, sorted, as partitions."""
    fs, _, paths = fsspec.get_fs_token_paths(input_glob, storage_options=storage_options)
    paths = sorted(p for p in paths if fs.isfile(p))
    if not paths:
        raise InputError(f"no input files match {input_glob!r}")
    partitions = []
    for path in paths:
        url = fs.unstrip_protocol(path)
        partitions.append(
            Partition(
                url=url,
                format=detect_format(path),
                name=partition_name(url),
                fingerprint=fs.ukey(path),
            )
        )
    return partitions


def read_partition(partition: Partition, storage_options: dict | None = None) -> list:
    """Return the rows of one partition: record dicts, or ``RowError`` for unreadable lines."""
    opts = storage_options or {}
    with fsspec.open(partition.url, "rb", compression="infer", **opts) as f:
        if partition.format == "parquet":
            parquet = pq.ParquetFile(f)
            wanted = [c for c in RECORD_COLUMNS if c in parquet.schema_arrow.names]
            return _frame_records(parquet.read(columns=wanted).to_pandas())
        data = f.read()
    if partition.format == "jsonl":
        return _read_jsonl(data)
    return _frame_records(pd.read_csv(io.BytesIO(data), dtype=str, keep_default_na=False))


def _frame_records(frame: pd.DataFrame) -> list[dict]:
    frame = frame[[c for c in RECORD_COLUMNS if c in frame.columns]]
    frame = frame.astype(object).where(frame.notna(), None)
    return frame.to_dict(orient="records")


def _read_jsonl(data: bytes) -> list:
    rows: list = []
    for line in data.decode("utf-8", errors="replace").splitlines():
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError as exc:
            rows.append(RowError(f"line is not JSON: {exc.msg}"))
            continue
        rows.append(value)
    return rows
