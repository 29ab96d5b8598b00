"""Batch classification on a Dask LocalCluster of two worker processes."""

from __future__ import annotations

import pyarrow.parquet as pq
import pytest
from batch_model import FailingLoader, KillOnceLoader, load_test_engine, write_postings
from distributed import Client

from jobatlas.batch import run_batch
from jobatlas.batch.cluster import local_cluster
from jobatlas.config import Settings


@pytest.fixture(scope="module")
def scheduler():
    """Return the address of a two-process LocalCluster shared by this module's tests."""
    with local_cluster(workers=2) as cluster:
        yield cluster.scheduler_address


@pytest.fixture(scope="module")
def postings(tmp_path_factory):
    """Return a glob over four Parquet files of 60 generated postings each."""
    folder = tmp_path_factory.mktemp("postings")
    write_postings(folder, files=4, rows=60)
    return str(folder / "*.parquet")


def tables(folder) -> dict:
    return {p.name: pq.read_table(p) for p in sorted(folder.glob("*.parquet"))}


def assert_same_outputs(a, b):
    ta, tb = tables(a), tables(b)
    assert sorted(ta) == sorted(tb) and len(ta) == 4
    for name in ta:
        assert ta[name].equals(tb[name], check_metadata=True), name


def test_dask_on_own_local_cluster_equals_local_path(tmp_path, model_cache_dir):
    # The real occupation engine; the local run trains it into the shared cache if needed, so
    # the workers only load it. Few rows: the real engine codes a few dozen postings a second.
    write_postings(tmp_path / "in", files=4, rows=12)
    postings = str(tmp_path / "in" / "*.parquet")
    settings = Settings(database_url="sqlite://", cache_dir=model_cache_dir)
    local = run_batch(postings, str(tmp_path / "local"), settings=settings)
    dask = run_batch(postings, str(tmp_path / "dask"), engine="dask", workers=2, settings=settings)
    assert dask.ok and dask.rows == local.rows == 48 and dask.error_rows == 0
    assert dask.summary()["model_versions"] == local.summary()["model_versions"]
    assert_same_outputs(tmp_path / "local", tmp_path / "dask")


def test_killed_worker_partition_is_retried(tmp_path, postings, scheduler, batch_settings):
    marker = tmp_path / "killed"
    report = run_batch(
        postings,
        str(tmp_path / "dask"),
        engine="dask",
        scheduler=scheduler,
        settings=batch_settings,
        loader=KillOnceLoader(str(marker)),
    )
    assert marker.exists(), "no worker was killed"
    assert report.ok and len(report.written) == 4
    run_batch(postings, str(tmp_path / "local"), settings=batch_settings, loader=load_test_engine)
    assert_same_outputs(tmp_path / "local", tmp_path / "dask")


def test_failing_partition_is_reported_after_retries(tmp_path, scheduler, batch_settings):
    write_postings(tmp_path / "in", files=2, rows=5)
    (tmp_path / "in" / "poison.csv").write_text("id,title\n1,POISON\n", encoding="utf-8")
    report = run_batch(
        str(tmp_path / "in/*"),
        str(tmp_path / "out"),
        engine="dask",
        scheduler=scheduler,
        settings=batch_settings,
        loader=FailingLoader("POISON"),
        retries=1,
    )
    assert len(report.written) == 2
    [failure] = report.failed
    assert failure.input.endswith("poison.csv")
    assert failure.error == "RuntimeError: cannot classify 'POISON'"


def test_dask_rerun_skips_written_partitions(tmp_path, postings, scheduler, batch_settings):
    first = run_batch(
        postings,
        str(tmp_path / "out"),
        engine="dask",
        scheduler=scheduler,
        settings=batch_settings,
        loader=load_test_engine,
    )
    assert len(first.written) == 4
    again = run_batch(
        postings,
        str(tmp_path / "out"),
        engine="dask",
        scheduler=scheduler,
        settings=batch_settings,
        loader=load_test_engine,
    )
    assert again.written == [] and len(again.skipped) == 4


def _worker_settings() -> tuple:
    import os

    import dask

    return (
        os.environ.get("MALLOC_TRIM_THRESHOLD_"),
        dask.config.get("distributed.worker.profile.enabled"),
        dask.config.get("distributed.admin.tick.interval"),
    )


def test_local_cluster_workers_keep_their_settings_after_a_restart(monkeypatch):
    # A nanny keeps a shallow copy of the global config, so settings applied only while the
    # cluster starts would be lost when a worker is restarted.
    monkeypatch.delenv("MALLOC_TRIM_THRESHOLD_", raising=False)
    with local_cluster(workers=1) as cluster, Client(cluster) as client:
        assert set(client.run(_worker_settings).values()) == {(None, False, "1s")}
        client.restart()
        assert set(client.run(_worker_settings).values()) == {(None, False, "1s")}
