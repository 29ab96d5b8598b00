"""Query plans and latency of posting search and trends queries on a 1,000,000-posting table.

Needs the generated load-test database (``python -m bench.scale_data``). The queries are the
ones the app issues: this script calls ``PostingRepository.search`` and the trends readers and
records the SQL they send, then runs ``EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON)`` on it and checks
that the plan uses indexes. Latency is end to end through the repository (ids, then the rows and
their codes) over random (ZIP, occupation) pairs. The baseline is the first of the same calls in
the same run, either through another checkout's search code (``--baseline-source``, e.g. the
last commit, on ``--baseline-url``, a copy of the data before this code's migrations) or, by
default, through this code on connections with ``enable_indexscan``, ``enable_bitmapscan`` and
``enable_indexonlyscan`` off.

    .venv/bin/python -m bench.bench_scale [--samples 200] [--baseline-samples 20]
        [--database-url URL] [--refresh-trends]
        [--baseline-source DIR --baseline-url URL [--baseline-revision REV]]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import random
import statistics
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, event, text

from bench.other_checkout import run_in_checkout
from bench.scale_data import DEFAULT_URL, SOURCE
from jobatlas.storage import PostingRepository, make_engine

logger = logging.getLogger("bench.bench_scale")

DOCS = Path(__file__).resolve().parents[1] / "docs" / "benchmarks.md"
SECTION = "## Serving at scale (1,000,000 postings)"
RADIUS_KM = 50.0  # the web app's default search radius
PAGE = 21  # the app asks for one page of 20 plus one row (is there a next page?)
NO_INDEXES = "-c enable_indexscan=off -c enable_bitmapscan=off -c enable_indexonlyscan=off"
INDEX_NODES = {"Index Scan", "Index Only Scan", "Bitmap Index Scan"}
CHECKOUT_LATENCY = """
import json, sys
from bench.bench_scale import checkout_latency
print(json.dumps(checkout_latency(*sys.argv[1:])))
"""
NOTES = [
    "Reading the plans (columns and indexes from migrations `0003_search_indexes` and "
    "`0006_listed_at`):",
    "",
    "- Near a ZIP: the search starts with a 5 km circle and widens it until it holds the "
    "page (a circle holding `offset + limit` postings holds the nearest ones). Each circle is "
    "one index-only scan of `ix_postings_latitude_strip_longitude`: `latitude_strip` is "
    "`round(latitude)`, a generated column, so the box is read one whole degree of latitude "
    "at a time, each bounded in longitude. The old `(latitude, longitude)` index could only "
    "bound latitude and read the box's whole band of latitude, coast to coast (2,285 pages "
    "and 52 ms for a 50 km box near Chicago, against 1.7 ms through strips). The occupation "
    "is checked in `ix_posting_occupations_soc_rank` alone: ranks are asked as a list "
    "(`rank IN (1)`), so posting_id is part of the index search. The plan shown is the "
    "widest circle of that call. Circles grow up to 3x in radius at a time (2x before). An "
    "occupation with at most 2,000 postings is searched the other way round: its ids from "
    "`ix_posting_occupations_soc_rank`, their places from `ix_postings_id_covering`, the "
    "distances in Python (about 3 ms for 550 postings), where circles around New York read "
    "55,000 postings of every occupation within 50 km (40-80 ms).",
    "- By occupation, newest first: `listed_at` (`coalesce(posted_at, first_seen)`, "
    "generated) is a plain column with statistics, so the planner picks per occupation: a "
    "large one walks `ix_postings_listed_at_id` backwards and checks each posting in "
    "`ix_posting_occupations_soc_rank` until the page is full; a small one reads its ids "
    "from that index and looks them up in `ix_postings_id_covering`, then sorts. Both are "
    "index-only (INCLUDE columns). `posting_occupations.soc` keeps statistics for every SOC. "
    "Searches plan without parallel workers (`SET LOCAL max_parallel_workers_per_gather = "
    "0`): the planner chose a parallel walk for mid-sized occupations that took 50-160 ms "
    "under load against 10-20 ms serial.",
    "- Trends: a refresh stages only the jobs with a row first seen, seen or classified since "
    "the last refresh (`ix_postings_first_seen`, `ix_postings_last_seen`, "
    "`ix_postings_classified_at`) and adds their signed changes to the stored series; only a "
    "full recount reads every job.",
]

# -- plans -------------------------------------------------------------------------------------


@contextmanager
def recorded_sql(engine: Engine) -> Iterator[list[tuple[str, object]]]:
    """Record the (statement, parameters) the engine sends while the block runs."""
    statements: list[tuple[str, object]] = []

    def record(_conn, _cursor, statement, parameters, _context, _many):
        statements.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)


def explain(engine: Engine, statement: str, parameters, setup: list[str] = ()) -> dict:
    """Return the JSON plan of ``EXPLAIN (ANALYZE, BUFFERS)`` for one recorded statement.

    ``setup``: statements the call ran before it in its transaction (``SET LOCAL ...``).
    """
    with engine.connect() as connection:
        for sql in setup:
            connection.exec_driver_sql(sql)
        row = connection.exec_driver_sql(
            "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + statement, parameters
        ).scalar_one()
    document = row if isinstance(row, list) else json.loads(row)
    return document[0]


def plan_nodes(node: dict) -> Iterator[dict]:
    """Yield every node of a plan tree, depth first (accepts the EXPLAIN document or a node)."""
    node = node.get("Plan", node)
    yield node
    for child in node.get("Plans", []):
        yield from plan_nodes(child)


def index_use(plan: dict) -> set[str]:
    """Return the names of the indexes a plan reads."""
    return {n["Index Name"] for n in plan_nodes(plan) if n["Node Type"] in INDEX_NODES}


def sequential_scans(plan: dict) -> set[str]:
    """Return the tables a plan reads with a sequential scan."""
    return {n["Relation Name"] for n in plan_nodes(plan) if n["Node Type"] == "Seq Scan"}


def summarize_plan(plan: dict) -> list[str]:
    """Return one line per plan node: type, table, index, actual rows and time."""
    lines = []

    def walk(node: dict, depth: int) -> None:
        parts = [node["Node Type"]]
        if node.get("Relation Name"):
            parts.append(f"on {node['Relation Name']}")
        if node.get("Index Name"):
            parts.append(f"using {node['Index Name']}")
        loops = node.get("Actual Loops", 1)
        parts.append(
            f"(rows={node.get('Actual Rows', 0):,} loops={loops:,} "
            f"time={node.get('Actual Total Time', 0):.1f} ms)"
        )
        lines.append("  " * depth + " ".join(parts))
        for child in node.get("Plans", []):
            walk(child, depth + 1)

    walk(plan["Plan"], 0)
    lines.append(f"execution {plan.get('Execution Time', 0):.1f} ms")
    return lines


def first_query_plan(engine: Engine, call: Callable[[], object], index: int = 0) -> dict:
    """Run ``call`` and return the plan of one statement it sent (default: the first)."""
    with recorded_sql(engine) as statements:
        call()
    statement, parameters = statements[index]
    return {"sql": statement, "plan": explain(engine, statement, parameters)}


def search_plans(engine: Engine, call: Callable[[], object]) -> list[dict]:
    """Return the plans of every search statement of ``call`` (not the page loading after)."""
    with recorded_sql(engine) as statements:
        call()
    # The page is loaded last, with every column (the search statements never read titles).
    loading = next(i for i, (sql, _) in enumerate(statements) if "postings.title" in sql)
    setup = [sql for sql, _ in statements[:loading] if sql.startswith("SET ")]
    return [
        {"sql": sql, "plan": explain(engine, sql, p, setup)}
        for sql, p in statements[:loading]
        if not sql.startswith("SET ")
    ]


# -- workload ----------------------------------------------------------------------------------


def sample_places(engine: Engine, count: int, rng: random.Random) -> list[tuple[str, float, float]]:
    """Return random (ZIP, lat, lon) points where generated postings are."""
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT postal_code, avg(latitude), avg(longitude) FROM postings "
                "WHERE source = :source AND latitude IS NOT NULL GROUP BY postal_code "
                "ORDER BY postal_code"
            ),
            {"source": SOURCE},
        ).all()
    return rng.sample([(z, float(a), float(b)) for z, a, b in rows], min(count, len(rows)))


def sample_socs(engine: Engine, count: int, rng: random.Random) -> list[str]:
    """Return SOC codes drawn like user searches: by how often they are posted."""
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT soc, count(*) FROM posting_occupations WHERE rank = 1 "
                "GROUP BY soc ORDER BY soc"
            )
        ).all()
    socs, weights = zip(*rows, strict=True)
    return rng.choices(list(socs), weights=list(weights), k=count)


def timed(calls: list[Callable[[], object]]) -> list[float]:
    """Return the wall time of each call in ms."""
    times = []
    for call in calls:
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return times


def percentile(values: list[float], q: float) -> float:
    """Return the ``q`` quantile (0-1) by linear interpolation."""
    return statistics.quantiles(values, n=100, method="inclusive")[int(q * 100) - 1]


def near_calls(repository, places, socs) -> list[Callable[[], object]]:
    """Return near-ZIP posting searches, one per (place, occupation) pair."""
    return [
        (lambda lat=lat, lon=lon, soc=soc: repository.search(
            socs=[soc], near=(lat, lon, RADIUS_KM), limit=PAGE))
        for (_, lat, lon), soc in zip(places, socs, strict=True)
    ]  # fmt: skip


def occupation_calls(repository, socs) -> list[Callable[[], object]]:
    """Return newest-first posting searches by occupation alone."""
    return [(lambda soc=soc: repository.search(socs=[soc], limit=PAGE)) for soc in socs]


def draw_workload(engine: Engine, samples: int, seed: int) -> tuple[list, list[str]]:
    """Return the (ZIP, lat, lon) places and SOC codes of a run; equal for equal data."""
    rng = random.Random(seed)
    places = sample_places(engine, samples, rng)
    return places, sample_socs(engine, len(places), rng)


def latency(repository, places, socs) -> dict[str, list[float]]:
    """Return the times (ms) of both searches over the same (place, occupation) pairs."""
    return {
        "near a ZIP + occupation": timed(near_calls(repository, places, socs)),
        "by occupation, newest first": timed(occupation_calls(repository, socs)),
    }


def checkout_latency(url: str, seed: str, samples: str, count: str) -> dict[str, dict]:
    """Return :func:`latency` of the first ``count`` pairs a run draws (for another checkout)."""
    engine = make_engine(url)
    try:
        places, socs = draw_workload(engine, int(samples), int(seed))
        times = latency(PostingRepository(engine), places[: int(count)], socs[: int(count)])
        return {name: figures(values) for name, values in times.items()}
    finally:
        engine.dispose()


# -- trends ------------------------------------------------------------------------------------


def trends_plans(engine: Engine, now: datetime) -> dict[str, dict]:
    """Return plans of the trends queries: change detection, jobs to recount, stored series."""
    from jobatlas.trends import series

    since = now - timedelta(days=1)
    plans = {}
    with engine.connect() as connection:
        stage = series._Stage(connection, ["occupation"])
        touched, params = stage.touched_select(since)
        everything = stage.jobs_select(False)
    for name, query, values in (
        ("trends: jobs touched since the last refresh (a day ago)", touched, params),
        ("trends: every job (full recount)", everything, {}),
    ):
        compiled = series._typed(query, values).compile(engine)
        plans[name] = {
            "sql": query,
            "plan": explain(engine, str(compiled), compiled.construct_params(values)),
        }
    if series.latest_week(engine) is not None:
        plans["trends: read_series (one SOC, nation)"] = first_query_plan(
            engine,
            lambda: series.read_series(
                engine, level="detailed", keys=["41-2031"], geo_level="nation", geo="US"
            ),
        )
    return plans


def refresh_trends(engine: Engine) -> float:
    """Compute the weekly series once (occupations only); return the seconds it took."""
    from jobatlas.trends import series

    started = time.perf_counter()
    series.refresh(engine, full=True, skills=False)
    return time.perf_counter() - started


# -- report ------------------------------------------------------------------------------------


def figures(times: list[float]) -> dict:
    """Return median and p95 of a list of ms timings."""
    return {"n": len(times), "median": statistics.median(times), "p95": percentile(times, 0.95)}


def write_section(report: dict) -> str:
    """Replace this benchmark's section of docs/benchmarks.md and return it."""
    lines = [
        SECTION,
        "",
        f"`python -m bench.bench_scale --samples {report['samples']} --baseline-samples "
        f"{report['baseline_samples']}{report['baseline_options']}`, "
        f"{time.strftime('%Y-%m-%d')}, PostgreSQL "
        f"{report['server']}, {os.cpu_count()} cores shared with other work (load average "
        f"{report['load']:.0f} during the run). Data: **{report['rows']:,} GENERATED postings** "
        f"(`python -m bench.scale_data`: O*NET titles and tasks of job zone 1-3 occupations "
        f"weighted by projected openings, real ZIP points around {report['areas']} US "
        f"Craigslist areas, two years of dates, 3% reposts) - not crawled data.",
        "",
        "Latency is end to end through `PostingRepository.search` (the query, then the page "
        "of postings and their codes), one call at a time; random ZIPs and occupations (drawn "
        f"by how often they are posted), radius 50 km, one page of 21. Baseline: the first "
        f"{report['baseline_samples']} of the same calls, {report['baseline']}.",
        "",
        "The speed-ups compare the baseline with this code on the same calls (the first "
        f"{report['baseline_samples']}).",
        "",
        "| query | n | median | p95 | same calls: median | p95 | baseline median | p95 "
        "| speed-up median | p95 |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for name, result in report["latency"].items():
        ours, same, base = result["indexed"], result["same"], result["baseline"]
        lines.append(
            f"| {name} | {ours['n']} | {ours['median']:.1f} ms | {ours['p95']:.1f} ms | "
            f"{same['median']:.1f} ms | {same['p95']:.1f} ms | "
            f"{base['median']:.0f} ms | {base['p95']:.0f} ms | "
            f"{base['median'] / same['median']:.1f}x | {base['p95'] / same['p95']:.1f}x |"
        )
    target = report["latency"]["near a ZIP + occupation"]["indexed"]["p95"]
    lines += [
        "",
        f"Target: near-ZIP search p95 <= 100 ms: **{'met' if target <= 100 else 'NOT met'}** "
        f"({target:.1f} ms).",
    ]
    if report.get("refresh_seconds") is not None:
        lines.append(
            f"Full trends refresh (occupations, no skill scan) at this size: "
            f"{report['refresh_seconds']:.0f} s."
        )
    lines += ["", "EXPLAIN (ANALYZE) summaries (indexes used / sequential scans):", ""]
    for name, item in report["plans"].items():
        plan = item["plan"]
        lines += [
            f"- **{name}**: indexes {', '.join(sorted(index_use(plan))) or 'none'}; "
            f"seq scans {', '.join(sorted(sequential_scans(plan))) or 'none'}; "
            f"{plan.get('Execution Time', 0):.1f} ms",
            "",
            "  ```",
            *("  " + line for line in summarize_plan(plan)),
            "  ```",
        ]
    lines += ["", *NOTES]
    section = "\n".join(lines).rstrip() + "\n"
    text_ = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n"
    start = text_.find(SECTION)
    if start == -1:
        text_ = text_.rstrip("\n") + "\n\n" + section
    else:
        end = text_.find("\n## ", start + len(SECTION))
        text_ = text_[:start] + section + (text_[end + 1 :] if end != -1 else "")
    DOCS.write_text(text_, encoding="utf-8")
    return section


# -- main --------------------------------------------------------------------------------------


def check_indexed(plans: dict[str, dict], required: list[str]) -> list[str]:
    """Return failures: a required plan that reads no index or scans ``postings`` in full."""
    failures = []
    for name in required:
        plan = plans[name]["plan"]
        if not index_use(plan):
            failures.append(f"{name}: no index used")
        if "postings" in sequential_scans(plan):
            failures.append(f"{name}: sequential scan of postings")
    return failures


def run(args) -> dict:
    """Measure plans and latency; return the report."""
    engine = make_engine(args.database_url)
    repository = PostingRepository(engine)
    with engine.connect() as connection:
        rows = connection.execute(text("SELECT count(*) FROM postings")).scalar_one()
        server = connection.execute(text("SHOW server_version")).scalar_one()
        areas = connection.execute(text("SELECT count(DISTINCT area) FROM postings")).scalar_one()
    places, socs = draw_workload(engine, args.samples, args.seed)
    refresh_seconds = refresh_trends(engine) if args.refresh_trends else None
    zip_code, lat, lon = places[0]
    near = search_plans(
        engine, lambda: repository.search(socs=[socs[0]], near=(lat, lon, RADIUS_KM), limit=PAGE)
    )
    newest = search_plans(engine, lambda: repository.search(socs=[socs[1]], limit=PAGE))
    plans = {
        f"near a ZIP + occupation ({zip_code}, SOC {socs[0]}, 50 km; widest of "
        f"{len(near)} circles)": near[-1],
        f"by occupation, newest first (SOC {socs[1]})": newest[0],
    }
    plans.update(trends_plans(engine, datetime.now(UTC)))
    for name, item in plans.items():
        logger.info("%s\n%s", name, "\n".join(summarize_plan(item["plan"])))
    nb = args.baseline_samples
    ours = latency(repository, places, socs)
    engine.dispose()
    if args.baseline_source:
        base = run_in_checkout(
            Path(args.baseline_source), CHECKOUT_LATENCY, args.baseline_url or args.database_url,
            args.seed, args.samples, nb,
        )  # fmt: skip
        baseline = (
            f"the search code of {args.baseline_label or args.baseline_source} on a copy of "
            f"the same data at migration {args.baseline_revision}, run right after"
        )
    else:
        baseline_engine = make_engine(args.database_url, connect_args={"options": NO_INDEXES})
        times = latency(PostingRepository(baseline_engine), places[:nb], socs[:nb])
        base = {name: figures(values) for name, values in times.items()}
        baseline_engine.dispose()
        baseline = (
            "the same calls in the same run with `enable_indexscan`, `enable_bitmapscan` "
            "and `enable_indexonlyscan` off"
        )
    return {
        "rows": rows, "server": server, "areas": areas, "samples": len(places),
        "baseline_samples": nb, "plans": plans, "baseline": baseline,
        "baseline_options": (
            " --baseline-source DIR --baseline-url URL" if args.baseline_source else ""
        ),
        "latency": {
            name: {"indexed": figures(t), "same": figures(t[:nb]), "baseline": base[name]}
            for name, t in ours.items()
        },
        "refresh_seconds": refresh_seconds, "load": os.getloadavg()[0],
        "failures": check_indexed(plans, list(plans)[:2]),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--baseline-samples", type=int, default=20)
    parser.add_argument(
        "--baseline-source",
        help="a checkout's src/ folder whose search code "
        "is the baseline (default: this code with index scans off)",
    )
    parser.add_argument(
        "--baseline-url",
        help="database for --baseline-source (default: "
        "--database-url), e.g. a copy of the data before a migration",
    )
    parser.add_argument("--baseline-label", help="what --baseline-source is, for the report")
    parser.add_argument("--baseline-revision", default="0005",
                        help="the migration of --baseline-url, for the report")  # fmt: skip
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--refresh-trends", action="store_true",
                        help="compute the weekly trend series first (slow at 1M rows)")  # fmt: skip
    parser.add_argument("--no-write", action="store_true", help="do not update the docs")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    report = run(args)
    for name, result in report["latency"].items():
        logger.info("%s: %s", name, result)
    if not args.no_write:
        print(write_section(report))
    for failure in report["failures"]:
        logger.error("plan check failed: %s", failure)
    if report["failures"]:
        raise SystemExit(1)


if __name__ == "__main__":
    main()
