"""Benchmark batch classification: in-process versus Dask with one and two worker processes.

The postings are generated (not real ads): an O*NET alternate title of a random occupation as
the title, and a body built from that occupation's O*NET task statements plus a pay line.
Each configuration classifies the same Parquet partitions with the real occupation engine;
model loading and cluster start-up happen before the clock starts (they are paid once per run,
not per posting). Figures go into ``docs/benchmarks.md`` under ``## Batch classification``.

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
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

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


def timed(run) -> float:
    """Return the seconds ``run()`` takes."""
    started = time.perf_counter()
    report = run()
    seconds = time.perf_counter() - started
    if not report.ok:
        raise RuntimeError(f"batch failed: {report.failed}")
    busy = sum(p.seconds for p in report.written)
    log.info(
        "%.1f s wall, %.1f s inside partitions, model %s",
        seconds,
        busy,
        report.summary()["model_versions"],
    )
    return seconds


def measure_local(glob: str, out: Path, settings: Settings, repeats: int) -> list[float]:
    """Time the in-process path (engine already loaded in this process)."""
    cached_engine(load_default_engine, settings)
    return [
        timed(lambda: run_batch(glob, str(out), settings=settings, overwrite=True))
        for _ in range(repeats)
    ]


def measure_dask(
    glob: str, warm: str, out: Path, settings: Settings, workers: int, repeats: int
) -> list[float]:
    """Time the Dask path on a started LocalCluster whose workers already hold the engine."""
    from jobatlas.batch.cluster import local_cluster

    with local_cluster(workers) as cluster:
        address = cluster.scheduler_address
        run_batch(
            warm,
            str(out / "warm"),
            engine="dask",
            scheduler=address,
            settings=settings,
            overwrite=True,
        )
        return [
            timed(
                lambda: run_batch(
                    glob,
                    str(out),
                    engine="dask",
                    scheduler=address,
                    settings=settings,
                    overwrite=True,
                )
            )
            for _ in range(repeats)
        ]


def report_markdown(args, figures: dict[str, list[float]], load: tuple) -> str:
    """Return the benchmark section for docs/benchmarks.md."""
    local = statistics.median(figures["local"])
    one = statistics.median(figures["dask-1"])
    two = statistics.median(figures["dask-2"])
    rate = {k: args.rows / statistics.median(v) for k, v in figures.items()}
    lines = [
        HEADING,
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC with `python -m bench.bench_batch "
        f"--rows {args.rows} --partitions {args.partitions} --repeats {args.repeats}` on "
        f"{platform.machine()}, {os.cpu_count()} cores, shared with other work "
        f"(load average {load[0]:.1f} before, {load[1]:.1f} after).",
        f"Input: {args.rows:,} **generated** postings (O*NET alternate title + four O*NET task "
        f"statements and a pay line as body) in {args.partitions} Parquet partitions; real "
        "occupation engine, top 10 codes per posting. Model load and cluster start are outside "
        "the clock. Medians of the repeats.",
        "",
        "| path | workers | median s | postings/s | postings/s per worker | vs in-process |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for key, workers in (("local", 1), ("dask-1", 1), ("dask-2", 2)):
        median = statistics.median(figures[key])
        lines.append(
            f"| {'in-process' if key == 'local' else 'Dask LocalCluster'} | {workers} | "
            f"{median:.1f} | {rate[key]:,.0f} | {rate[key] / workers:,.0f} | "
            f"{local / median:.2f}× |"
        )
    per_worker = (rate["dask-2"] / 2) / rate["local"]
    lines += [
        "",
        f"- Dask, 1 worker, throughput vs in-process: {local / one:.2f} (target ≥ 0.85).",
        f"- Dask, 2 workers, per-worker throughput vs in-process: {per_worker:.2f} "
        "(target ≥ 0.85).",
        f"- Speed-up from 1 to 2 workers: {one / two:.2f}× (target ≥ 1.7×).",
    ]
    if max(load) > (os.cpu_count() or 1):
        lines.append(
            "- The load average exceeded the core count, so these figures mostly measure "
            "contention with other processes; they neither confirm nor refute the targets."
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
        figures = {"local": measure_local(glob, work / "out-local", settings, args.repeats)}
        log.info("in-process: %s s", figures["local"])
        for workers in (1, 2):
            figures[f"dask-{workers}"] = measure_dask(
                glob, warm, work / f"out-dask-{workers}", settings, workers, args.repeats
            )
            log.info("dask %d workers: %s s", workers, figures[f"dask-{workers}"])
    finally:
        shutil.rmtree(work, ignore_errors=True)
    text = report_markdown(args, figures, (load_before, os.getloadavg()[0]))
    if args.no_docs:
        log.info("\n%s", text)
    else:
        write_section(text)


if __name__ == "__main__":
    main()
