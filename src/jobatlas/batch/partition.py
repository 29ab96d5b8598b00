"""Classify one partition: read it, code its rows with the occupation engine, write Parquet.

The same function runs in-process (``engine="local"``) and as a Dask task, so both paths give
the same rows. The engine is loaded once per process and kept, keyed by loader and settings.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

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


def expected_model_version(loader: Loader, settings: Settings) -> str | None:
    """Return the model version ``loader`` will load, when it is known without loading it."""
    if loader is load_default_engine:
        from jobatlas.engine import engine_version

        return engine_version(settings)[1]
    return None


def cached_engine(loader: Loader, settings: Settings):
    """Return this process's engine for ``loader`` and ``settings``, loading it the first time.

    The key is the loader, the cache and data folders and, when known, the model version (so
    a retrained model is picked up). ``loader`` must compare equal after pickling: a
    module-level function or a frozen dataclass, not a lambda or ``functools.partial``.
    """
    version = expected_model_version(loader, settings)
    key = (loader, str(settings.cache_dir), str(settings.data_dir), version)
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


def partition_results(rows: list, engine, top_k: int, batch_size: int = 512) -> list[dict]:
    """Return one JSONL-contract result per row, exactly as ``jobatlas classify --input`` does.

    Unreadable rows (``RowError``) go in as the exceptions ``classify_records`` turns into
    ``{"line": n, "error": ...}`` results, so the numbering stays that of the input.
    """
    from jobatlas.engine import classify_records

    records = [ValueError(r.error) if isinstance(r, RowError) else r for r in rows]
    return list(classify_records(records, engine, top_k=top_k, chunk_size=batch_size))


def process_partition(
    partition: Partition,
    output_dir: str,
    settings: Settings,
    top_k: int = 10,
    loader: Loader = load_default_engine,
    storage_options: dict | None = None,
    batch_size: int = 512,
) -> PartitionResult:
    """Classify one input partition and write its Parquet file and marker."""
    started = time.perf_counter()
    engine = cached_engine(loader, settings)
    rows = read_partition(partition, storage_options)
    results = partition_results(rows, engine, top_k, batch_size)
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
