"""Run batch classification over many input files, in-process or on a Dask cluster."""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field

from jobatlas.batch.inputs import Partition, find_partitions
from jobatlas.batch.outputs import output_fs, read_marker
from jobatlas.batch.partition import (
    Loader,
    PartitionResult,
    expected_model_version,
    load_default_engine,
    process_partition,
)
from jobatlas.config import Settings

log = logging.getLogger(__name__)

ENGINES = ("local", "dask")


@dataclass(frozen=True)
class PartitionFailure:
    """A partition that still failed after its retries."""

    name: str
    input: str
    error: str


@dataclass
class BatchReport:
    """What a batch run did: partitions written, skipped (already done) and failed."""

    written: list[PartitionResult] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[PartitionFailure] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def rows(self) -> int:
        """Return how many rows the written partitions hold."""
        return sum(p.rows for p in self.written)

    @property
    def error_rows(self) -> int:
        """Return how many written rows are error rows."""
        return sum(p.errors for p in self.written)

    @property
    def ok(self) -> bool:
        """Return whether every partition is written."""
        return not self.failed

    def summary(self) -> dict:
        """Return the report as plain JSON-ready values."""
        return {
            "written": len(self.written),
            "skipped": len(self.skipped),
            "failed": [f.__dict__ for f in self.failed],
            "rows": self.rows,
            "error_rows": self.error_rows,
            "model_versions": sorted({p.model_version for p in self.written}),
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class BatchJob:
    """The settings every partition of one batch run shares."""

    output_dir: str
    settings: Settings
    top_k: int
    loader: Loader
    storage_options: dict | None
    batch_size: int
    retries: int

    def task_kwargs(self) -> dict:
        """Return the keyword arguments of ``process_partition`` for this job."""
        return {
            "output_dir": self.output_dir,
            "settings": self.settings,
            "top_k": self.top_k,
            "loader": self.loader,
            "storage_options": self.storage_options,
            "batch_size": self.batch_size,
        }


def is_batch_output(output: str | None, engine: str | None = None) -> bool:
    """Return whether a ``classify`` output means batch mode: a folder, or an explicit engine.

    A folder is an existing directory or a path or URL ending in ``/``; ``-`` (stdout) and
    file names keep the JSON Lines mode.
    """
    if engine is not None:
        return True
    if not output or output == "-":
        return False
    return output.endswith("/") or os.path.isdir(output)


def pending_partitions(
    partitions: list[Partition],
    output_dir: str,
    storage_options: dict | None = None,
    model_version: str | None = None,
) -> tuple[list[Partition], list[str]]:
    """Split partitions into those still to do and the names of those already written.

    A partition counts as written when its Parquet file and its marker exist, the marker was
    made from the same input file (same fingerprint) and, when ``model_version`` is given, by
    that model version.
    """
    fs, root = output_fs(output_dir, storage_options)
    todo, done = [], []
    for partition in partitions:
        marker = read_marker(fs, root, partition.name)
        if (
            marker
            and (marker.input, marker.fingerprint) == (partition.url, partition.fingerprint)
            and model_version in (None, marker.model_version)
        ):
            done.append(partition.name)
        else:
            todo.append(partition)
    return todo, done


def run_batch(
    input_glob: str,
    output_dir: str,
    engine: str = "local",
    scheduler: str | None = None,
    top_k: int = 10,
    settings: Settings | None = None,
    *,
    workers: int | None = None,
    retries: int = 2,
    overwrite: bool = False,
    loader: Loader = load_default_engine,
    storage_options: dict | None = None,
    batch_size: int = 512,
) -> BatchReport:
    """Classify every file ``input_glob`` matches into one Parquet file each under ``output_dir``.

    ``engine="local"`` runs the partitions one after another in this process; ``"dask"`` runs
    them on the cluster at ``scheduler``, or on a new local cluster of ``workers`` processes.
    Partitions already written from the same input (and, for the default engine, the same
    model version) are skipped unless ``overwrite``. A partition that raises is retried
    ``retries`` times, then reported in ``failed``; a Dask worker that dies is replaced and its
    partition rescheduled (``distributed.scheduler.allowed-failures`` times).
    """
    if engine not in ENGINES:
        raise ValueError(f"unknown batch engine {engine!r}: use one of {', '.join(ENGINES)}")
    if scheduler and engine != "dask":
        raise ValueError("a scheduler address needs engine='dask'")
    if retries < 0:
        raise ValueError(f"retries must be 0 or more, got {retries}")
    started = time.perf_counter()
    settings = settings or Settings.from_env()
    partitions = find_partitions(input_glob, storage_options)
    if overwrite:
        todo, skipped = partitions, []
    else:
        version = expected_model_version(loader, settings)
        todo, skipped = pending_partitions(partitions, output_dir, storage_options, version)
    log.info(
        "%d partitions: %d to do, %d already written", len(partitions), len(todo), len(skipped)
    )
    job = BatchJob(output_dir, settings, top_k, loader, storage_options, batch_size, retries)
    report = BatchReport(skipped=skipped)
    if todo:
        if engine == "dask":
            from jobatlas.batch.cluster import run_on_dask

            run_on_dask(todo, job, report, scheduler=scheduler, workers=workers)
        else:
            _run_local(todo, job, report)
    report.seconds = time.perf_counter() - started
    return report


def _run_local(todo: list[Partition], job: BatchJob, report: BatchReport) -> None:
    for partition in todo:
        for attempt in range(job.retries + 1):
            try:
                report.written.append(process_partition(partition, **job.task_kwargs()))
                break
            except Exception as exc:  # noqa: BLE001 - any failure of one partition is reported
                log.warning("partition %s failed (attempt %d): %s", partition.url, attempt + 1, exc)
                error = f"{type(exc).__name__}: {exc}"
        else:
            report.failed.append(PartitionFailure(partition.name, partition.url, error))
