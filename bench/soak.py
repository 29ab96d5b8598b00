"""Soak test: a crawl and 16 API clients against gunicorn at once, for 10 minutes by default.

Everything runs on 127.0.0.1: the local stand-in Craigslist site, a fresh PostgreSQL database,
gunicorn started as the Procfile does (``gunicorn.conf.py``: app preloaded, ``WEB_CONCURRENCY``
workers), crawls of the site one after another (each in its own process, bounded by
``--max-crawls``), and ``--clients`` threads calling ``POST /api/v1/recommend`` and
``GET /api/v1/postings`` in a loop until the time is up. Every few seconds the RSS (and PSS) of
the gunicorn workers is sampled.

Checks: no failed API call and no server error; the stored postings are exactly the site's
storable postings (none lost, none twice), however many crawls ran; worker memory flat (the
mean of the last quarter of samples within 10% of the first quarter after warm-up).

    .venv/bin/python -m bench.soak [--minutes 10] [--clients 16] [--workers 2] [--postings 2400]

Not part of ``make test``. Figures go into ``docs/benchmarks.md`` under "## Soak".
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

import psycopg
import requests

from jobatlas.config import Settings

logger = logging.getLogger("bench.soak")

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "benchmarks.md"
SECTION = "## Soak (crawl + 16 API clients against gunicorn)"
ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres"
SOAK_DB = "jobatlas_soak"
AREAS = ("sfbay", "boston", "newyork", "chicago", "seattle")
CATEGORIES = ("trd", "lab", "fbh", "trp")
ZIPS = ("94103", "02118", "10001", "60614", "98101", "94612", "02139", "11201")
OCCUPATIONS = ("", "53-3032", "35-2014", "47-2061", "53-7062", "37-2011")
RESUMES = (
    "Warehouse associate, five years loading trucks, forklift certified, RF scanner, "
    "inventory counts, shipping and receiving. Bilingual English and Spanish.",
    "Line cook and prep cook at a busy diner for three years. Food safety certificate, "
    "grill, fryer, knife skills, kept the kitchen clean and stocked.",
    "Home health aide: helped elderly clients bathe and dress, recorded vital signs, "
    "prepared meals, CPR certified, reliable transportation.",
    "Security guard for an office tower: patrols, camera monitoring, visitor check-in, "
    "incident reports, guard card.",
)
WARM_UP_SECONDS = 60
FLAT_TOLERANCE = 0.10


@dataclass
class ClientStats:
    """What the API clients saw."""

    latencies: dict[str, list[float]] = field(default_factory=lambda: {"recommend": [],
                                                                      "postings": []})  # fmt: skip
    errors: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, kind: str, ms: float, error: str | None) -> None:
        """Add one call's latency, or its error."""
        with self.lock:
            if error:
                self.errors[f"{kind}: {error}"] += 1
            else:
                self.latencies[kind].append(ms)


# -- processes ---------------------------------------------------------------------------------


def fresh_database() -> str:
    """Create an empty soak database on the local server and return its URL."""
    with psycopg.connect(ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{SOAK_DB}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{SOAK_DB}"')
    return f"postgresql+psycopg://postgres@127.0.0.1:5432/{SOAK_DB}"


def free_port() -> int:
    """Return a free TCP port on 127.0.0.1."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_gunicorn(database_url: str, cache_dir: str, port: int, workers: int, log: Path):
    """Start gunicorn as the Procfile does; return the process once the app answers."""
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "JOBATLAS_CACHE_DIR": cache_dir,
        "PORT": str(port),
        "WEB_CONCURRENCY": str(workers),
        "RATELIMIT_ENABLED": "0",  # 16 clients from one address is the point here
        "GUNICORN_ACCESSLOG": "",
    }
    command = [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py",
               "--bind", f"127.0.0.1:{port}", "jobatlas.web:create_app()"]  # fmt: skip
    with log.open("wb") as handle:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=handle, stderr=handle)
    deadline = time.monotonic() + 900
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with {process.returncode}; see {log}")
        try:
            requests.get(f"http://127.0.0.1:{port}/api/v1/health", timeout=2)
            return process
        except requests.ConnectionError:
            time.sleep(0.5)
    process.kill()
    raise SystemExit("gunicorn did not start within 15 minutes")


def worker_pids(master: int) -> list[int]:
    """Return the pids of a process's children (gunicorn's workers), from /proc."""
    path = Path(f"/proc/{master}/task/{master}/children")
    return [int(pid) for pid in path.read_text().split()] if path.exists() else []


def memory_mb(pid: int) -> tuple[float, float]:
    """Return a process's (RSS, PSS) in MB; PSS splits pages shared with the master."""
    values = {}
    for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines():
        name, _, rest = line.partition(":")
        if name in ("Rss", "Pss"):
            values[name] = int(rest.split()[0]) / 1024
    return values.get("Rss", 0.0), values.get("Pss", 0.0)


# -- load --------------------------------------------------------------------------------------


def client_loop(base: str, stop: threading.Event, stats: ClientStats, seed: int) -> None:
    """Call the API until ``stop`` is set, alternating recommend and postings searches."""
    rng = random.Random(seed)
    with requests.Session() as session:
        while not stop.is_set():
            location = rng.choice(ZIPS)
            if rng.random() < 0.5:
                body = {"text": rng.choice(RESUMES), "location": location}
                call = partial(session.post, f"{base}/api/v1/recommend", json=body, timeout=60)
                stats.record("recommend", *_call(call))
            else:
                params = {"location": location, "occupation": rng.choice(OCCUPATIONS)}
                call = partial(session.get, f"{base}/api/v1/postings", params=params, timeout=60)
                stats.record("postings", *_call(call))


def _call(call) -> tuple[float, str | None]:
    started = time.perf_counter()
    try:
        response = call()
        ms = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            return ms, f"HTTP {response.status_code}"
        response.json()
        return ms, None
    except (requests.RequestException, ValueError) as exc:
        return (time.perf_counter() - started) * 1000, type(exc).__name__


def crawl_loop(settings: Settings, site, stop: threading.Event, max_crawls: int, out: list) -> None:
    """Crawl the site again and again (at most ``max_crawls`` times) until ``stop`` is set."""
    from jobatlas.crawl.runner import run_craigslist_crawl

    while not stop.is_set() and len(out) < max_crawls:
        started = time.perf_counter()
        summary = run_craigslist_crawl(
            settings, site.areas, ["jjj"], base_url=site.base_url, throttle=False,
            scrapy_settings={"LOG_LEVEL": "WARNING", "DOWNLOAD_TIMEOUT": 60}, batch_size=200,
        )  # fmt: skip
        out.append((time.perf_counter() - started, summary))
        logger.info("crawl %d done: %s", len(out), summary)


def sample_memory(master: int, stop: threading.Event, every: float, started: float) -> list:
    """Sample (seconds, total RSS, total PSS, workers) of the gunicorn workers until ``stop``."""
    samples = []
    while not stop.wait(every):
        pids = worker_pids(master)
        try:
            memory = [memory_mb(pid) for pid in pids]
        except OSError:  # a worker exited between listing and reading
            continue
        samples.append((time.perf_counter() - started, sum(m[0] for m in memory),
                        sum(m[1] for m in memory), len(pids)))  # fmt: skip
    return samples


# -- checks and report -------------------------------------------------------------------------


def stored_ids(database_url: str) -> list[str]:
    """Return the source ids of every stored Craigslist posting (duplicates included)."""
    plain = database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain) as conn:
        rows = conn.execute("SELECT source_id FROM postings WHERE source = 'craigslist'")
        return [row[0] for row in rows]


def memory_verdict(samples: list) -> dict:
    """Compare worker memory early (after warm-up) and late in the run."""
    settled = [s for s in samples if s[0] >= WARM_UP_SECONDS] or samples
    quarter = max(len(settled) // 4, 1)
    early = statistics.mean(s[1] for s in settled[:quarter])
    late = statistics.mean(s[1] for s in settled[-quarter:])
    minutes = (settled[-1][0] - settled[0][0]) / 60 or 1.0
    return {"early": early, "late": late, "growth": late / early - 1,
            "mb_per_min": (late - early) / minutes,
            "flat": late / early - 1 <= FLAT_TOLERANCE}  # fmt: skip


def gunicorn_problems(log: Path) -> Counter:
    """Count worker timeouts, crashes and tracebacks in gunicorn's error log."""
    text = log.read_text(encoding="utf-8", errors="replace")
    return Counter({key: text.count(key) for key in ("Traceback", "WORKER TIMEOUT",
                    "Worker exiting", "[ERROR]")})  # fmt: skip


def write_section(report: dict) -> str:
    """Replace the soak section of docs/benchmarks.md and return it."""
    stats, memory = report["stats"], report["memory"]
    lines = [
        SECTION,
        "",
        f"`python -m bench.soak --minutes {report['minutes']:g} --clients {report['clients']} "
        f"--workers {report['workers']} --postings {report['site_postings']}`, "
        f"{time.strftime('%Y-%m-%d')}: **{report['minutes']:g} minutes** (the default is 10), "
        f"{os.cpu_count()} cores shared with other work (load average {report['load']:.0f}). "
        "gunicorn as in the Procfile on PostgreSQL; the crawler ran against the local stand-in "
        f"site ({report['site_postings']:,} storable postings) {len(report['crawls'])} time(s) "
        "while the clients ran.",
        "",
        "| check | result |",
        "|---|---|",
    ]
    for kind, values in stats.latencies.items():
        if values:
            lines.append(
                f"| {kind}: calls, median, p95 | {len(values):,}, "
                f"{statistics.median(values):.0f} ms, "
                f"{statistics.quantiles(values, n=20)[-1]:.0f} ms |"
            )
    errors = sum(stats.errors.values())
    lines += [
        f"| failed API calls | {errors} {dict(stats.errors) if errors else ''} |",
        f"| gunicorn log: tracebacks / worker timeouts | {report['problems']['Traceback']} / "
        f"{report['problems']['WORKER TIMEOUT']} |",
        "| crawls (wall s, stored new + duplicate) | "
        + "; ".join(f"{w:.0f} s, {s.new + s.duplicate}" for w, s in report["crawls"])
        + " |",
        f"| postings stored vs site ground truth | {report['stored']:,} rows, "
        f"{report['unique']:,} distinct ids vs {report['site_postings']:,}: "
        f"{report['missing']} missing, {report['extra']} unexpected, "
        f"{report['stored'] - report['unique']} twice |",
        f"| worker memory (sum of RSS), after {WARM_UP_SECONDS} s warm-up: first vs last quarter"
        f" | {memory['early']:.0f} MB -> {memory['late']:.0f} MB ({memory['growth']:+.1%}, "
        f"{memory['mb_per_min']:+.1f} MB/min): {'flat' if memory['flat'] else 'GROWING'} |",
        "",
        "Worker memory curve (every ~30 s; RSS counts pages shared with the preloaded master "
        "in each worker, PSS splits them):",
        "",
        "| t (s) | workers | RSS sum (MB) | PSS sum (MB) |",
        "|---|---|---|---|",
    ]
    step = max(1, round(30 / report["sample_every"]))
    for t, rss, pss, n in report["samples"][::step]:
        lines.append(f"| {t:.0f} | {n} | {rss:.0f} | {pss:.0f} |")
    section = "\n".join(lines) + "\n"
    text = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n"
    start = text.find(SECTION)
    if start == -1:
        text = text.rstrip("\n") + "\n\n" + section
    else:
        end = text.find("\n## ", start + len(SECTION))
        text = text[:start] + section + (text[end + 1 :] if end != -1 else "")
    DOCS.write_text(text, encoding="utf-8")
    return section


# -- main --------------------------------------------------------------------------------------


def soak(args) -> dict:
    """Run the soak and return what it measured."""
    from jobatlas.testing.site import LocalCraigslist

    per_category = max(1, args.postings // (len(AREAS) * len(CATEGORIES)))
    database_url = fresh_database()
    folder = Path(tempfile.mkdtemp(prefix="jobatlas-soak-"))
    log = folder / "gunicorn.log"
    port = free_port()
    server = start_gunicorn(database_url, args.cache_dir, port, args.workers, log)
    stop, crawls, stats = threading.Event(), [], ClientStats()
    settings = Settings(database_url=database_url, cache_dir=Path(args.cache_dir))
    try:
        with LocalCraigslist(areas=AREAS, categories=CATEGORIES, per_category=per_category,
                             faults=False) as site:  # fmt: skip
            started = time.perf_counter()
            threads = [
                threading.Thread(
                    target=crawl_loop, args=(settings, site, stop, args.max_crawls, crawls)
                )
            ]
            threads += [threading.Thread(target=client_loop,
                                         args=(f"http://127.0.0.1:{port}", stop, stats, i))
                        for i in range(args.clients)]  # fmt: skip
            for thread in threads:
                thread.start()
            timer = threading.Timer(args.minutes * 60, stop.set)
            timer.start()
            try:
                samples = sample_memory(server.pid, stop, args.sample_every, started)
            finally:
                stop.set()
                timer.cancel()
                for thread in threads:
                    thread.join()  # the site serves until the crawl running at the end is done
            truth = {p.source_id for p in site.storable()}
    finally:
        stop.set()
        server.terminate()
        server.wait(timeout=60)
    ids = stored_ids(database_url)
    report = {
        "minutes": args.minutes, "clients": args.clients, "workers": args.workers,
        "site_postings": len(truth), "crawls": crawls, "stats": stats, "samples": samples,
        "sample_every": args.sample_every, "memory": memory_verdict(samples),
        "problems": gunicorn_problems(log), "stored": len(ids), "unique": len(set(ids)),
        "missing": len(truth - set(ids)), "extra": len(set(ids) - truth),
        "load": os.getloadavg()[0],
    }  # fmt: skip
    shutil.rmtree(folder, ignore_errors=True)
    return report


def failures(report: dict) -> list[str]:
    """Return the checks the soak failed."""
    problems = []
    if report["stats"].errors:
        problems.append(f"API errors: {dict(report['stats'].errors)}")
    if report["problems"]["Traceback"] or report["problems"]["WORKER TIMEOUT"]:
        problems.append(f"gunicorn log: {dict(report['problems'])}")
    if report["missing"] or report["extra"] or report["stored"] != report["unique"]:
        problems.append("stored postings differ from the site's ground truth")
    if not report["crawls"]:
        problems.append("no crawl finished")
    if not report["memory"]["flat"]:
        problems.append(f"worker memory grew {report['memory']['growth']:+.1%}")
    return problems


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--postings", type=int, default=2400, help="postings on the local site")
    parser.add_argument("--max-crawls", type=int, default=20)
    parser.add_argument("--sample-every", type=float, default=5.0, help="seconds between samples")
    parser.add_argument("--cache-dir", default=os.environ.get("JOBATLAS_CACHE_DIR")
                        or str(Settings().cache_dir), help="model cache")  # fmt: skip
    parser.add_argument("--no-write", action="store_true", help="do not update the docs")
    args = parser.parse_args()
    if args.minutes <= 0 or args.clients < 1 or args.max_crawls < 1:
        parser.error("--minutes, --clients and --max-crawls must be positive")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    report = soak(args)
    if not args.no_write:
        print(write_section(report))
    print(json.dumps({"failures": failures(report)}))
    if failures(report):
        raise SystemExit(1)


if __name__ == "__main__":
    main()
