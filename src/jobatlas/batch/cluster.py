"""Run batch partitions on a dask.distributed cluster (a new LocalCluster when no scheduler)."""

from __future__ import annotations

import asyncio
import logging
import os
import uuid

from distributed import Client, LocalCluster, WorkerPlugin, as_completed

from jobatlas.batch.inputs import Partition
from jobatlas.batch.partition import Loader, cached_engine, process_partition
from jobatlas.batch.runner import BatchJob, BatchReport, PartitionFailure
from jobatlas.config import Settings

log = logging.getLogger(__name__)


class EngineWarmup(WorkerPlugin):
    """Load the occupation engine once when a worker starts, so its tasks find it loaded."""

    name = "jobatlas-engine"

    def __init__(self, loader: Loader, settings: Settings):
        self.loader = loader
        self.settings = settings

    async def setup(self, worker) -> None:
        """Load the engine in a thread, keeping the worker's event loop free for heartbeats."""
        await asyncio.get_running_loop().run_in_executor(
            None, cached_engine, self.loader, self.settings
        )


def local_cluster(workers: int | None = None) -> LocalCluster:
    """Return a LocalCluster of single-threaded worker processes."""
    return LocalCluster(
        n_workers=workers or os.cpu_count() or 1,
        threads_per_worker=1,  # the classifier is CPU-bound Python: one task per process
        processes=True,
        dashboard_address=None,
    )


def run_on_dask(
    todo: list[Partition],
    job: BatchJob,
    report: BatchReport,
    scheduler: str | None = None,
    workers: int | None = None,
) -> None:
    """Classify partitions as Dask tasks; add what each wrote, or why it failed, to ``report``."""
    cluster = None if scheduler else local_cluster(workers)
    client = Client(scheduler) if scheduler else Client(cluster)
    try:
        client.register_plugin(EngineWarmup(job.loader, job.settings))
        run_id = uuid.uuid4().hex[:8]
        futures = client.map(
            process_partition,
            todo,
            key=[f"jobatlas-classify-{p.name}-{run_id}" for p in todo],
            retries=job.retries,
            pure=False,
            **job.task_kwargs(),
        )
        by_key = {f.key: p for f, p in zip(futures, todo, strict=True)}
        for future in as_completed(futures):
            _collect(future, by_key[future.key], report)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()


def _collect(future, partition: Partition, report: BatchReport) -> None:
    if future.status == "finished":
        report.written.append(future.result())
        return
    exc = future.exception()
    log.warning("partition %s failed after retries: %s", partition.url, exc)
    report.failed.append(
        PartitionFailure(partition.name, partition.url, f"{type(exc).__name__}: {exc}")
    )
