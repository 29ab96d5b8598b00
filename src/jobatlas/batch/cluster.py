"""Run batch partitions on a dask.distributed cluster (a new LocalCluster when no scheduler)."""

from __future__ import annotations

import asyncio
import logging
import os
import uuid

import dask
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


# Dask's worker defaults suit many short tasks; ours are one long CPU-bound Python task per
# single-threaded worker. Against the same partitions in a plain process, a default worker
# spent about 20 % more CPU per posting (4x the page faults); with these settings, the same
# within measurement noise.
# - The statistical profiler samples the task thread every 10 ms, taking the GIL each time.
# - The event loop wakes every 20 ms (tick watchdog) and 100 ms (memory monitor), each time
#   taking the GIL from the task thread.
WORKER_CONFIG = {
    "distributed": {
        "worker": {"profile": {"enabled": False}, "memory": {"monitor-interval": "1s"}},
        "admin": {"tick": {"interval": "1s"}, "system-monitor": {"interval": "2s"}},
    }
}
# - MALLOC_TRIM_THRESHOLD_, which Dask sets for every worker process, turns off glibc's
#   adaptive mmap threshold: the classifier's large temporary arrays are then mapped and
#   faulted in afresh for every batch instead of being reused from the heap. None unsets it.
WORKER_ENVIRON = {"MALLOC_TRIM_THRESHOLD_": None}


def local_cluster(workers: int | None = None) -> LocalCluster:
    """Return a LocalCluster of single-threaded worker processes set up by ``WORKER_CONFIG``.

    A cluster started elsewhere (``--scheduler``) should give its workers the same settings.
    """
    environ = {**dask.config.get("distributed.nanny.pre-spawn-environ"), **WORKER_ENVIRON}
    # Nannies read the spawn environment from the global config when created, which
    # LocalCluster does before returning; the worker config is passed whole because a
    # nanny keeps only a shallow copy of the global one (it would revert on leaving the block).
    with dask.config.set({"distributed.nanny.pre-spawn-environ": environ}):
        return LocalCluster(
            n_workers=workers or os.cpu_count() or 1,
            threads_per_worker=1,  # the classifier is CPU-bound Python: one task per process
            processes=True,
            # Any free loopback port: with None the scheduler still serves HTTP on 8787 and
            # warns when another cluster on this machine holds it.
            dashboard_address="127.0.0.1:0",
            config=dask.config.merge(dask.config.config, WORKER_CONFIG),
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
