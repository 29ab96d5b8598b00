"""Write batch results as Parquet, one file per input partition, atomically, with a marker.

Rows carry the fields of the JSONL contract of ``jobatlas classify``: ``id``, ``occupations``
(a list of ``code``, ``soc``, ``title``, ``score``, ``evidence`` structs), ``error``, and ``line``
(set, as in the JSONL output, only on error rows without an id). A row has either occupations
or an error. ``id`` is stored as text so that every partition has one schema whatever type the
inputs used.
"""

from __future__ import annotations

import io
import json
import posixpath
import uuid
from dataclasses import asdict, dataclass

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq

MATCH_TYPE = pa.struct(
    [
        ("code", pa.string()),
        ("soc", pa.string()),
        ("title", pa.string()),
        ("score", pa.float64()),
        ("evidence", pa.list_(pa.string())),
    ]
)
RESULT_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("occupations", pa.list_(MATCH_TYPE)),
        ("error", pa.string()),
        ("line", pa.int64()),
    ]
)
MARKER_DIR = "_markers"


@dataclass(frozen=True)
class Marker:
    """What a finished partition wrote; its presence means the partition is done."""

    input: str
    fingerprint: str
    output: str
    rows: int
    errors: int
    model_version: str


def results_table(results: list[dict], model_version: str) -> pa.Table:
    """Return the Parquet table of JSONL-contract result dicts, in order."""
    rows = [
        {
            "id": None if r.get("id") is None else str(r["id"]),
            "occupations": r.get("occupations"),
            "error": r.get("error"),
            "line": r.get("line"),
        }
        for r in results
    ]
    table = pa.Table.from_pylist(rows, schema=RESULT_SCHEMA)
    return table.replace_schema_metadata({"jobatlas.model_version": model_version})


def output_fs(output_dir: str, storage_options: dict | None = None):
    """Return the filesystem and root path of an output folder (local or fsspec URL)."""
    fs, root = fsspec.core.url_to_fs(output_dir, **(storage_options or {}))
    return fs, root.rstrip("/")


def data_path(root: str, name: str) -> str:
    """Return where the Parquet file of partition ``name`` goes."""
    return posixpath.join(root, f"{name}.parquet")


def marker_path(root: str, name: str) -> str:
    """Return where the done-marker of partition ``name`` goes."""
    return posixpath.join(root, MARKER_DIR, f"{name}.json")


def _write_atomically(fs, path: str, payload: bytes) -> None:
    # Readers never see half a file: write a hidden temp name, then rename (atomic on a local
    # or POSIX filesystem; object stores publish a whole object at once anyway).
    folder, base = posixpath.split(path)
    fs.makedirs(folder, exist_ok=True)
    tmp = posixpath.join(folder, f".{base}.{uuid.uuid4().hex}.tmp")
    with fs.open(tmp, "wb") as f:
        f.write(payload)
    try:
        fs.mv(tmp, path)
    except BaseException:
        fs.rm(tmp)
        raise


def write_partition(fs, root: str, name: str, table: pa.Table, marker: Marker) -> None:
    """Write a partition's table and then its marker, each atomically."""
    buffer = io.BytesIO()
    pq.write_table(table, buffer)
    _write_atomically(fs, data_path(root, name), buffer.getvalue())
    _write_atomically(fs, marker_path(root, name), json.dumps(asdict(marker)).encode("utf-8"))


def read_marker(fs, root: str, name: str) -> Marker | None:
    """Return the marker of a finished partition, or None if it is missing or unreadable."""
    path = marker_path(root, name)
    if not fs.exists(path) or not fs.exists(data_path(root, name)):
        return None
    try:
        with fs.open(path, "rb") as f:
            return Marker(**json.loads(f.read()))
    except (ValueError, TypeError):
        return None
