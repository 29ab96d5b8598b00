"""Classify one partition: read it, code its rows with the occupation engine, write Parquet.

The same function runs in-process (``engine="local"``) and as a Dask task, so both paths give
the same rows. The engine is loaded once per process and kept, keyed by loader and settings.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, is_dataclass

from jobatlas.batch.inputs import Partition, RowError, read_partition
from jobatlas.batch.outputs import Marker, output_fs, results_table, write_partition
from jobatlas.config import Settings

log = logging.getLogger(__name__)

Loader = Callable[[Settings], object]

_engines: dict[tuple, object] = {}
_engines_lock = threading.Lock()


def load_default_engine(settings: Settings):
    """Return ``jobatlas.engine.load_engine(settings)`` (imported here: Dask workers call it)."""
    from jobatlas.engine import load_engine

    return load_engine(settings)


def cached_engine(loader: Loader, settings: Settings):
    """Return this process's engine for ``loader`` and ``settings``, loading it the first time.

    ``loader`` is part of the key, so it must compare equal after pickling: a module-level
    function or a frozen dataclass, not a lambda or ``functools.partial``.
    """
    key = (loader, str(settings.cache_dir), str(settings.data_dir))
    with _engines_lock:
        if key not in _engines:
            started = time.perf_counter()
            _engines[key] = loader(settings)
            log.info("loaded occupation engine in %.1f s", time.perf_counter() - started)
        return _engines[key]


@dataclass(frozen=True)
class PartitionResult:
    """What classifying one partition produced."""

    name: str
    input: str
    output: str
    rows: int
    errors: int
    model_version: str
    seconds: float


def match_dict(match) -> dict:
    """Return an ``OccupationMatch`` as the JSONL contract's occupation object."""
    data = asdict(match) if is_dataclass(match) else dict(match)
    return {
        "code": data["code"],
        "soc": data["soc"],
        "title": data["title"],
        "score": float(data["score"]),
        "evidence": list(data.get("evidence") or []),
    }


def record_text(record: dict) -> str:
    """Return the text to classify for a record: its title and text, whichever it has."""
    parts = [record.get(key) for key in ("title", "text")]
    return "\n".join(p.strip() for p in parts if isinstance(p, str) and p.strip())


def record_problem(record: dict) -> str | None:
    """Return why a record cannot be classified, or None."""
    if record.get("id") is None or (isinstance(record["id"], str) and not record["id"].strip()):
        return "missing id"
    if not record_text(record):
        return "no title or text"
    return None


def classify_rows(rows: list, engine, top_k: int, batch_size: int = 1000) -> list[dict]:
    """Return one JSONL-contract result per row: ``{"id", "occupations"}`` or ``{"id", "error"}``.

    Rows are classified ``batch_size`` at a time to bound memory.
    """
    results: list[dict | None] = [None] * len(rows)
    todo: list[int] = []
    for i, row in enumerate(rows):
        if isinstance(row, RowError):
            results[i] = {"id": row.id, "error": row.error}
        elif (problem := record_problem(row)) is not None:
            results[i] = {"id": row.get("id"), "error": problem}
        else:
            todo.append(i)
    for start in range(0, len(todo), batch_size):
        chunk = todo[start : start + batch_size]
        texts = [record_text(rows[i]) for i in chunk]
        for i, matches in zip(chunk, _classify_chunk(engine, texts, top_k), strict=True):
            results[i] = {"id": rows[i]["id"], **matches}
    return results


def _classify_chunk(engine, texts: list[str], top_k: int) -> list[dict]:
    try:
        batches = engine.classify_many(texts, top_k=top_k)
        return [{"occupations": [match_dict(m) for m in ms]} for ms in batches]
    except ValueError:
        # One bad text fails the whole call; redo one by one so only that row is an error.
        return [_classify_one(engine, text, top_k) for text in texts]


def _classify_one(engine, text: str, top_k: int) -> dict:
    try:
        [matches] = engine.classify_many([text], top_k=top_k)
    except ValueError as exc:
        return {"error": str(exc) or type(exc).__name__}
    return {"occupations": [match_dict(m) for m in matches]}


def process_partition(
    partition: Partition,
    output_dir: str,
    settings: Settings,
    top_k: int = 10,
    loader: Loader = load_default_engine,
    storage_options: dict | None = None,
    batch_size: int = 1000,
) -> PartitionResult:
    """Classify one input partition and write its Parquet file and marker."""
    started = time.perf_counter()
    engine = cached_engine(loader, settings)
    rows = read_partition(partition, storage_options)
    results = classify_rows(rows, engine, top_k, batch_size)
    version = str(engine.model_version)
    fs, root = output_fs(output_dir, storage_options)
    errors = sum(1 for r in results if "error" in r)
    marker = Marker(
        input=partition.url,
        fingerprint=partition.fingerprint,
        output=f"{partition.name}.parquet",
        rows=len(results),
        errors=errors,
        model_version=version,
    )
    write_partition(fs, root, partition.name, results_table(results, version), marker)
    seconds = time.perf_counter() - started
    log.info(
        "classified %s: %d rows, %d errors, %.1f s", partition.url, len(results), errors, seconds
    )
    return PartitionResult(
        name=partition.name,
        input=partition.url,
        output=marker.output,
        rows=len(results),
        errors=errors,
        model_version=version,
        seconds=seconds,
    )
