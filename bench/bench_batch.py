"""Benchmark batch classification: in-process versus Dask with one and two worker processes.

The postings are generated (not real ads): an O*NET alternate title of a random occupation as
the title, and a body built from that occupation's O*NET task statements plus a pay line.
Each configuration classifies the same Parquet partitions with the real occupation engine;
model loading and cluster start-up happen before the clock starts (they are paid once per run,
not per posting). All clusters start first; then the paths take turns within each repeat, so
that load from other work on a shared machine falls on all of them alike. Besides wall time,
the CPU time of the processes doing the work is reported: it moves less with that load.
``--compare-defaults`` also times clusters with Dask's default worker settings (the state
before ``jobatlas.batch.cluster.WORKER_CONFIG``). Figures go into ``docs/benchmarks.md`` under
``## Batch classification``.

    .venv/bin/python -m bench.bench_batch --rows 1000000 --repeats 1
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import shutil
import statistics
import tempfile
import time
from contextlib import ExitStack
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import psutil

from jobatlas.batch import run_batch
from jobatlas.batch.partition import cached_engine, load_default_engine
from jobatlas.config import Settings
from jobatlas.reference.files import read_onet_table

log = logging.getLogger("bench.bench_batch")

DOCS = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
HEADING = "## Batch classification (Dask)"
CITIES = ("Fresno, CA", "Tulsa, OK", "Dayton, OH", "El Paso, TX", "Spokane, WA", "Macon, GA")
SHIFTS = ("Full-time", "Part-time", "Nights and weekends", "Day shift", "Seasonal")


@cache
def occupation_texts() -> tuple[pd.Series, pd.Series, pd.Series]:
    """Return O*NET task statements, alternate titles (lists by code) and official titles."""
    tasks = read_onet_table("Task Statements").groupby("O*NET-SOC Code")["Task"].apply(list)
    alternates = read_onet_table("Alternate Titles").groupby("O*NET-SOC Code")["Alternate Title"]
    official = read_onet_table("Occupation Data").set_index("O*NET-SOC Code")["Title"]
    return tasks, alternates.apply(list), official


def generate_postings(rows: int, seed: int) -> pd.DataFrame:
    """Return ``rows`` generated postings with ``id``, ``title`` and ``text`` (the body)."""
    tasks, alternates, official = occupation_texts()
    codes = tasks.index.to_numpy()
    rng = np.random.default_rng(seed)
    picks = codes[rng.integers(0, len(codes), rows)]
    titles, bodies = [], []
    for code in picks:
        names = alternates.get(code) or [official[code]]
        title = names[rng.integers(len(names))]
        duties = rng.choice(tasks[code], size=min(4, len(tasks[code])), replace=False)
        low = int(rng.integers(13, 30))
        bodies.append(
            f"We are hiring a {title} in {CITIES[rng.integers(len(CITIES))]}. "
            f"{SHIFTS[rng.integers(len(SHIFTS))]}.\nDuties:\n"
            + "\n".join(f"- {d}" for d in duties)
            + f"\nPay ${low}-${low + int(rng.integers(1, 8))} per hour."
        )
        titles.append(title)
    return pd.DataFrame(
        {"id": [f"g{seed}-{i}" for i in range(rows)], "title": titles, "text": bodies}
    )


def write_inputs(folder: Path, rows: int, partitions: int) -> str:
    """Write the generated postings as ``partitions`` Parquet files; return their glob."""
    folder.mkdir(parents=True, exist_ok=True)
    per = -(-rows // partitions)
    for n in range(partitions):
        count = min(per, rows - n * per)
        if count > 0:
            generate_postings(count, seed=n).to_parquet(folder / f"part-{n:03d}.parquet")
    return str(folder / "*.parquet")


def timed(run, pids: list[int] | None = None) -> tuple[float, float]:
    """Return the wall seconds ``run()`` takes and the CPU seconds the processes doing it use.

    ``pids`` are the worker processes; without them, this thread's CPU time is counted (the
    schedulers and nannies of the started clusters run in other threads of this process).
    """
    procs = [psutil.Process(pid) for pid in pids] if pids else None
    cpu_before = _cpu(procs)
    started = time.perf_counter()
    report = run()
    seconds = time.perf_counter() - started
    cpu = _cpu(procs) - cpu_before
    if not report.ok:
        raise RuntimeError(f"batch failed: {report.failed}")
    log.info("%.1f s wall, %.1f CPU s, model %s", seconds, cpu, report.summary()["model_versions"])
    return seconds, cpu


def _cpu(procs) -> float:
    if procs is None:
        return time.thread_time()  # the in-process path runs in this thread alone
    return sum(sum(p.cpu_times()[:2]) for p in procs)


def default_cluster(workers: int):
    """Return a LocalCluster as ``local_cluster`` made it before it tuned the workers."""
    from distributed import LocalCluster

    return LocalCluster(
        n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None
    )


def start_cluster(stack: ExitStack, make, warm: str, out: Path, settings: Settings):
    """Start a cluster, warm its workers on ``warm``; return (scheduler address, worker pids)."""
    from distributed import Client

    cluster = stack.enter_context(make())
    address = cluster.scheduler_address
    run_batch(warm, str(out), engine="dask", scheduler=address, settings=settings, overwrite=True)
    with Client(address) as client:
        pids = list(client.run(os.getpid).values())
    return address, pids


def measure(glob: str, warm: str, work: Path, settings: Settings, args) -> dict:
    """Time every path on the same input, alternating paths within each repeat."""
    from jobatlas.batch.cluster import local_cluster

    cached_engine(load_default_engine, settings)
    makers = {"dask-1": lambda: local_cluster(1), "dask-2": lambda: local_cluster(2)}
    if args.compare_defaults:
        makers |= {"default-1": lambda: default_cluster(1), "default-2": lambda: default_cluster(2)}
    figures: dict[str, list[tuple[float, float]]] = {"local": []}
    with ExitStack() as stack:
        clusters = {
            key: start_cluster(stack, make, warm, work / f"warm-{key}", settings)
            for key, make in makers.items()
        }

        def run(key):
            out = str(work / f"out-{key}")
            if key == "local":
                return timed(lambda: run_batch(glob, out, settings=settings, overwrite=True))
            address, pids = clusters[key]
            return timed(
                lambda: run_batch(
                    glob, out, engine="dask", scheduler=address, settings=settings, overwrite=True
                ),
                pids,
            )

        keys = ["local", *clusters]
        for repeat in range(args.repeats):
            shift = repeat % len(keys)
            for key in keys[shift:] + keys[:shift]:
                figures.setdefault(key, []).append(run(key))
                log.info("%s: %s (load %.1f)", key, figures[key][-1], os.getloadavg()[0])
    return figures


LABELS = {
    "local": ("in-process", 1),
    "dask-1": ("Dask LocalCluster", 1),
    "dask-2": ("Dask LocalCluster", 2),
    "default-1": ("Dask LocalCluster, Dask's worker defaults (before)", 1),
    "default-2": ("Dask LocalCluster, Dask's worker defaults (before)", 2),
}


def report_markdown(args, figures: dict, load: tuple) -> str:
    """Return the benchmark section for docs/benchmarks.md."""
    wall = {k: statistics.median(s for s, _ in v) for k, v in figures.items()}
    cpu = {k: statistics.median(c for _, c in v) for k, v in figures.items()}
    rate = {k: args.rows / w for k, w in wall.items()}
    lines = [
        HEADING,
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `python -m bench.bench_batch "
        f"--rows {args.rows} --partitions {args.partitions} --repeats {args.repeats}"
        f"{' --compare-defaults' if args.compare_defaults else ''}` on "
        f"{platform.machine()}, {os.cpu_count()} cores, shared with other work "
        f"(load average {load[0]:.1f} before, {load[1]:.1f} after).",
        f"Input: {args.rows:,} **generated** postings (O*NET alternate title + four O*NET task "
        f"statements and a pay line as body) in {args.partitions} Parquet partitions; real "
        "occupation engine, top 10 codes per posting. Model load and cluster start are outside "
        "the clock. The paths take turns within each repeat; medians of the repeats. CPU: "
        "the main thread for in-process, the worker processes for Dask (not the scheduler).",
        "",
        "| path | workers | median s | postings/s | postings/s per worker | vs in-process "
        "| CPU ms per posting | CPU vs in-process |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for key in figures:
        label, workers = LABELS[key]
        per_posting = cpu[key] / args.rows
        lines.append(
            f"| {label} | {workers} | {wall[key]:.1f} | {rate[key]:,.0f} | "
            f"{rate[key] / workers:,.0f} | {rate[key] / workers / rate['local']:.2f}× | "
            f"{per_posting * 1000:.2f} | {cpu['local'] / cpu[key]:.2f}× |"
        )
    lines += [
        "",
        f"- Dask, 1 worker, throughput vs in-process: {rate['dask-1'] / rate['local']:.2f} "
        "(target ≥ 0.85).",
        f"- Dask, 2 workers, per-worker throughput vs in-process: "
        f"{rate['dask-2'] / 2 / rate['local']:.2f} (target ≥ 0.85).",
        f"- Speed-up from 1 to 2 workers: {wall['dask-1'] / wall['dask-2']:.2f}× (target ≥ 1.7×).",
    ]
    if max(load) > (os.cpu_count() or 1):
        lines.append(
            "- The load average exceeded the core count, so the wall-clock figures mostly "
            "measure contention with other processes; the CPU columns are less affected."
        )
    lines.append("")
    return "\n".join(lines)


def write_section(text: str, path: Path = DOCS) -> None:
    """Replace (or add) this benchmark's section in docs/benchmarks.md, leaving others alone."""
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n"
    start = old.find(HEADING)
    if start < 0:
        new = old.rstrip("\n") + "\n\n" + text
    else:
        end = old.find("\n## ", start + len(HEADING))
        new = old[:start] + text + (old[end + 1 :] if end >= 0 else "")
    path.write_text(new.rstrip("\n") + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    """Generate the input, time the three paths, write the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--partitions", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=1)
    parser.add_argument("--no-docs", action="store_true", help="print, do not write the docs")
    parser.add_argument(
        "--compare-defaults",
        action="store_true",
        help="also time clusters with Dask's default worker settings",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    logging.getLogger("distributed").setLevel(logging.WARNING)  # per-connection chatter
    settings = Settings.from_env()
    load_before = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="bench-batch-"))
    try:
        glob = write_inputs(work / "in", args.rows, args.partitions)
        warm = write_inputs(work / "warm", 200, 2)
        log.info("inputs written to %s", work)
        figures = measure(glob, warm, work, settings, args)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    text = report_markdown(args, figures, (load_before, os.getloadavg()[0]))
    if args.no_docs:
        log.info("\n%s", text)
    else:
        write_section(text)


if __name__ == "__main__":
    main()
