"""Benchmark the trends feature and write its section of docs/benchmarks.md.

1. Backtest on the Indeed Hiring Lab sector series (real postings indexes, CC BY 4.0): MASE of
   the trends forecaster vs naive and seasonal-naive, and interval coverage, at 4, 8, 13 weeks.
2. Refresh of the weekly series, and growth for every stored series, over 1,000,000 *generated*
   postings in PostgreSQL (a throwaway database; rows made by SQL ``generate_series``).
3. Latency of the trends API on that database (Flask test client, in process).

Run: ``.venv/bin/python -m bench.bench_trends [--postings 1000000] [--skip-backtest]``;
``--api-only --database-url <refreshed database>`` times the API alone.
Old against new code on two copies of one refreshed database: ``PYTHONPATH=<old checkout>/src
python -m bench.bench_trends --increment-only --database-url <copy>`` for each (same crawl).
``--no-docs`` prints the figures instead of rewriting the Trends section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import statistics
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd

from jobatlas.config import PACKAGE_DATA_DIR

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "benchmarks.md"
SECTOR_FILE = PACKAGE_DATA_DIR / "indeed" / "job_postings_by_sector_US_2024-10-03.csv.gz"
PG_ADMIN = os.environ.get("JOBATLAS_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
BACKTEST_START = "2022-03-07"  # two years after the series begin (2020-02-01)
BACKTEST_STEP = 4
BACKTEST_DESIGN_END = "2024-01-01"  # forecast design decided on origins before this date
AREAS = {  # Craigslist hostnames and their states
    "chicago": "IL",
    "sfbay": "CA",
    "newyork": "NY",
    "boston": "MA",
    "seattle": "WA",
    "houston": "TX",
    "dallas": "TX",
    "atlanta": "GA",
    "miami": "FL",
    "denver": "CO",
    "phoenix": "AZ",
    "detroit": "MI",
    "minneapolis": "MN",
    "philadelphia": "PA",
    "losangeles": "CA",
    "sandiego": "CA",
    "portland": "OR",
    "stlouis": "MO",
    "tampa": "FL",
    "orlando": "FL",
    "charlotte": "NC",
    "raleigh": "NC",
    "nashville": "TN",
    "memphis": "TN",
    "columbus": "OH",
    "cleveland": "OH",
    "cincinnati": "OH",
    "indianapolis": "IN",
    "milwaukee": "WI",
    "kansascity": "MO",
    "omaha": "NE",
    "saltlakecity": "UT",
    "lasvegas": "NV",
    "sacramento": "CA",
    "austin": "TX",
    "sanantonio": "TX",
    "pittsburgh": "PA",
    "baltimore": "MD",
    "washingtondc": "DC",
    "richmond": "VA",
}
log = logging.getLogger("bench.trends")


def run_backtest() -> dict:
    """Backtest the default forecaster on the Indeed sector series."""
    from jobatlas.trends.backtest import backtest

    frame = pd.read_csv(SECTOR_FILE).rename(
        columns={"display_name": "series_id", "indeed_job_postings_index": "value"}
    )
    started = time.perf_counter()
    report = backtest(frame, start=BACKTEST_START, step=BACKTEST_STEP)
    report["seconds"] = time.perf_counter() - started
    report["series"] = frame["series_id"].nunique()
    return report


def _socs() -> list[str]:
    from jobatlas.reference import load_reference

    occupations = load_reference().occupations
    low = occupations[occupations["job_zone"].fillna(5) <= 3]
    return sorted(set(low["soc"]))[:400]


def generate_postings(url: str, n: int, socs: list[str], now: datetime) -> None:
    """Insert ``n`` generated postings (10 % reposts) and their top occupation with SQL."""
    from sqlalchemy import text

    from jobatlas.storage import make_engine, upgrade

    upgrade(url)
    engine = make_engine(url)
    areas = list(AREAS)
    states = [AREAS[a] for a in areas]
    start = now - timedelta(weeks=104)
    with engine.begin() as connection:
        connection.execute(
            text("""
            INSERT INTO postings (id, source, source_id, url, title, body, compensation_currency,
                first_seen, last_seen, area, region, fingerprint, duplicate_of)
            SELECT g, 'bench', g::text, 'https://example.org/' || g, 'Generated posting ' || g,
                '', 'USD', f, f + (random() * 40) * interval '1 day',
                (CAST(:areas AS text[]))[1 + (g * 7919) % :n_areas],
                (CAST(:states AS text[]))[1 + (g * 7919) % :n_areas],
                md5(g::text)::varchar(32),
                CASE WHEN g > 100 AND g % 10 = 0 THEN g - 100 ELSE NULL END
            FROM (SELECT g, CAST(:start AS timestamptz) + (random() * 104 * 7) * interval '1 day'
                    + (g % 10 = 0)::int * interval '3 day' AS f
                  FROM generate_series(1, :n) AS g) AS s
        """),
            {"areas": areas, "states": states, "n_areas": len(areas), "start": start, "n": n},
        )
        connection.execute(
            text("""
            INSERT INTO posting_occupations (posting_id, code, soc, rank, score)
            SELECT g,
                (CAST(:socs AS text[]))[1 + floor(power(random(), 2) * :n_socs)::int] || '.00',
                '', 1, 0.9
            FROM generate_series(1, :n) AS g
        """),
            {"socs": socs, "n_socs": len(socs), "n": n},
        )
        connection.execute(text("UPDATE posting_occupations SET soc = left(code, 7)"))
        connection.execute(
            text("SELECT setval(pg_get_serial_sequence('postings', 'id'), :n)"), {"n": n}
        )
        connection.execute(text("ANALYZE postings; ANALYZE posting_occupations"))
    engine.dispose()


def add_crawl(url: str, n_before: int, n_new: int, now: datetime, source: str = "bench") -> None:
    """Add one crawl's worth of new postings and re-see 5 % of the recent ones."""
    from sqlalchemy import text

    from jobatlas.storage import make_engine

    engine = make_engine(url)
    with engine.begin() as connection:
        connection.execute(
            text("""
            INSERT INTO postings (id, source, source_id, url, title, body, compensation_currency,
                first_seen, last_seen, area, region, fingerprint)
            SELECT g, :source, 'crawl-' || g, 'https://example.org/' || g, 'New posting ' || g,
                '', 'USD', :now, :now, 'chicago', 'IL', md5(g::text)::varchar(32)
            FROM generate_series(:lo, :hi) AS g
        """),
            {"lo": n_before + 1, "hi": n_before + n_new, "now": now, "source": source},
        )
        connection.execute(
            text("""
            INSERT INTO posting_occupations (posting_id, code, soc, rank, score)
            SELECT g, '53-3032.00', '53-3032', 1, 0.9 FROM generate_series(:lo, :hi) AS g
        """),
            {"lo": n_before + 1, "hi": n_before + n_new},
        )
        connection.execute(
            text("""
            UPDATE postings SET last_seen = :now
            WHERE last_seen > :recent AND id % 20 = 0
        """),
            {"now": now, "recent": now - timedelta(days=10)},
        )
    engine.dispose()


def time_refresh_and_growth(url: str, n: int, existing: bool = False) -> dict:
    """Generate the table (unless ``existing``), then time a full refresh, growth, an increment.

    With ``existing`` the database already holds generated postings (``bench.scale_data``);
    the crawl this adds uses their source, so the database stays reusable.
    """
    from sqlalchemy import text

    from jobatlas.geo import load_geo
    from jobatlas.storage import make_engine
    from jobatlas.trends.series import refresh

    now = datetime.now(UTC).replace(microsecond=0)
    started = time.perf_counter()
    if not existing:
        generate_postings(url, n, _socs(), now - timedelta(days=1))
    figures = {"generate_s": None if existing else time.perf_counter() - started}
    geo = load_geo()
    _ = geo.areas  # geography is loaded once per process; timed separately
    engine = make_engine(url)
    with engine.connect() as connection:
        n = connection.execute(text("SELECT max(id) FROM postings")).scalar_one()
        figures["postings"] = connection.execute(text("SELECT count(*) FROM postings")).scalar()
    figures["load_before"] = os.getloadavg()[0]
    started = time.perf_counter()
    result = refresh(engine, full=True, skills=False, geo=geo, now=now)
    figures["full_refresh_s"] = time.perf_counter() - started
    figures["series_rows"] = result.rows
    figures.update(time_growth(engine))
    engine.dispose()
    figures.update(time_increment(url, geo, "scale-generated" if existing else "bench"))
    return figures


def time_increment(url: str, geo=None, source: str = "scale-generated") -> dict:
    """Add one crawl to a refreshed database and time the incremental refresh after it.

    The crawl (1 % new postings, 5 % of the last 10 days seen again) is stamped two hours
    after the last refresh, so two copies of one database get the same crawl: the old and
    the new code can then be timed on identical data (``--increment-only``).
    """
    from sqlalchemy import text

    from jobatlas.geo import load_geo
    from jobatlas.storage import make_engine
    from jobatlas.trends.series import refresh

    if geo is None:
        geo = load_geo()
        _ = geo.areas
    engine = make_engine(url)
    with engine.connect() as connection:
        n = connection.execute(text("SELECT max(id) FROM postings")).scalar_one()
        count = connection.execute(text("SELECT count(*) FROM postings")).scalar_one()
        now = connection.execute(
            text("SELECT started_at FROM trend_refreshes ORDER BY id DESC LIMIT 1")
        ).scalar_one()
    add_crawl(url, n, max(1, count // 100), now + timedelta(hours=2), source=source)
    figures = {"load_before_increment": os.getloadavg()[0]}
    started = time.perf_counter()
    increment = refresh(engine, skills=False, geo=geo, now=now + timedelta(hours=3))
    figures["incremental_refresh_s"] = time.perf_counter() - started
    figures["incremental_from"] = str(increment.from_week)
    figures["incremental_rows"] = increment.rows
    figures["incremental_jobs"] = increment.jobs
    figures["load_after"] = os.getloadavg()[0]
    # The first refresh of the next week: nothing new to count, growth for every series.
    started = time.perf_counter()
    refresh(engine, skills=False, geo=geo, now=now + timedelta(weeks=1))
    figures["new_week_s"] = time.perf_counter() - started
    engine.dispose()
    return figures


def time_growth(engine) -> dict:
    """Time the growth step of a refresh alone: every occupation and skill series, both metrics.

    A refresh ends with it (``growth_store.write_growth``); the pages and the API then read
    the stored rows instead of computing intervals per request.
    """
    from sqlalchemy import func, select

    from jobatlas.trends.growth_store import write_growth
    from jobatlas.trends.tables import trend_growth

    started = time.perf_counter()
    with engine.begin() as connection:
        rows = write_growth(connection, datetime.now(UTC).date())
    seconds = time.perf_counter() - started
    with engine.connect() as connection:
        series = connection.execute(
            select(func.count()).where(trend_growth.c.metric == "new")
        ).scalar()
    return {"growth_s": seconds, "growth_rows": rows, "growth_series": series}


def time_api(url: str, requests: int = 200) -> dict:
    """Return p50/p95 latency (ms) of the trends API endpoints on the generated database.

    The per-occupation endpoints fit a forecast per series on first request (cached per
    process), so each starts from an empty cache and walks through the largest occupations:
    with as many occupations as requests, every request fits its forecasts afresh.
    """
    from sqlalchemy import text

    from jobatlas.config import Settings
    from jobatlas.storage import make_engine
    from jobatlas.trends import report
    from jobatlas.web import create_app

    current_growth(url)
    settings = Settings(database_url=url)
    app = create_app(
        {
            "TESTING": True,
            "SETTINGS": settings,
            "RATELIMIT_ENABLED": False,
            "SECRET_KEY": "bench",
            "JOBATLAS_AUTO_MIGRATE": False,
        }
    )
    client = app.test_client()
    # Loads reference data and geography once; its rows name the occupations with data.
    rows = client.get("/api/v1/trends/occupations").get_json()["rows"]
    codes = [r["code"] for r in sorted(rows, key=lambda r: (-(r["recent"] or 0), r["code"]))]
    engine = make_engine(url)
    with engine.connect() as connection:  # areas that hold postings in this database
        found = connection.execute(text("SELECT DISTINCT area FROM postings")).scalars().all()
    engine.dispose()
    areas = [a for a in AREAS if a in set(found)] or sorted(a for a in found if a)[:40]
    states = sorted({AREAS[a] for a in areas if a in AREAS}) or ["CA"]
    log.info("API: %d occupations with data, %d areas in turn", len(codes), len(areas))
    urls = {
        "occupations (nation, detailed)": lambda i: "/api/v1/trends/occupations",
        "occupations (area, detailed)": lambda i: (
            f"/api/v1/trends/occupations?area={areas[i % len(areas)]}"
        ),
        "trends page (area)": lambda i: f"/trends?area={areas[i % len(areas)]}",
        "occupation series + forecast (nation)": lambda i: (
            f"/api/v1/trends/occupations/{codes[i % len(codes)]}"
        ),
        "occupation series + forecast (area and nation)": lambda i: (
            f"/api/v1/trends/occupations/{codes[i % len(codes)]}?area={areas[i % len(areas)]}"
        ),
        # States hold more postings than areas: more of their series get a model fit.
        "occupation series + forecast (state and nation)": lambda i: (
            f"/api/v1/trends/occupations/{codes[i % len(codes)]}?state={states[i % len(states)]}"
        ),
        "occupation page (area and nation)": lambda i: (
            f"/trends/occupations/{codes[i % len(codes)]}?area={areas[i % len(areas)]}"
        ),
    }
    out = {}
    for name, make in urls.items():
        report._forecast.cache_clear()  # measure fitting, not the per-process cache
        times, methods = [], {}
        for i in range(requests):
            started = time.perf_counter()
            response = client.get(make(i))
            times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise RuntimeError(f"{make(i)} answered {response.status_code}: {response.data}")
            for block in (response.get_json(silent=True) or {}).get("places", []):
                method = (block["forecast"] or {}).get("method", "no data")
                methods[method] = methods.get(method, 0) + 1
        times.sort()
        out[name] = {"p50": statistics.median(times), "p95": times[int(0.95 * len(times)) - 1]}
        if methods:
            out[name]["forecasts"] = methods
    app.extensions["jobatlas"].database().dispose()
    return out


def current_growth(url: str) -> None:
    """Store growth at today's end week unless it is there (pages read it, else recompute it).

    ``time_increment`` ends with a refresh dated a week ahead, which stores growth at a week
    the app, asking with today's date, does not use yet.
    """
    from jobatlas.storage import make_engine
    from jobatlas.trends.growth_store import growth_is_current, write_growth

    today = datetime.now(UTC).date()
    engine = make_engine(url)
    with engine.begin() as connection:
        if not growth_is_current(connection, today):
            log.info("storing growth at today's end week: %d rows", write_growth(connection, today))
    engine.dispose()


def _throwaway_pg():
    import psycopg

    name = f"jobatlas_bench_{uuid.uuid4().hex[:8]}"
    admin = PG_ADMIN.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}", lambda: _drop(admin, name)


def _drop(admin: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _previous(title: str) -> list[str]:
    """Return a subsection of the current Trends section (kept when its part is skipped)."""
    if not DOCS.exists():
        return []
    text = DOCS.read_text(encoding="utf-8")
    section = re.search(r"^## Trends\n(.*?)(?=^## |\Z)", text, re.S | re.M)
    if not section:
        return []
    found = re.search(rf"^### {title}.*?(?=^### |\Z)", section.group(1), re.S | re.M)
    return found.group(0).rstrip().splitlines() + [""] if found else []


def render(backtest: dict | None, storage: dict | None, api: dict | None, n: int) -> str:
    """Return the markdown section (parts not run this time are kept from the last run)."""
    lines = [
        "## Trends",
        "",
        "`.venv/bin/python -m bench.bench_trends` on the shared 2-core machine (other "
        f"engineers' jobs running, load average {os.getloadavg()[0]:.0f} at the end), "
        f"{datetime.now(UTC):%Y-%m-%d}.",
        "",
    ]
    lines += _backtest_lines(backtest) if backtest else _previous("Forecast backtest")
    if not storage:
        lines += _previous("Series refresh")
    else:
        lines += _storage_lines(storage)
    if api:
        lines += [
            "### Trends API latency (in-process test client, same database)",
            "",
            "| endpoint | p50 ms | p95 ms (target <= 200) |",
            "|---|---:|---:|",
        ]
        for name, figures in api.items():
            lines.append(f"| {name} | {figures['p50']:.0f} | {figures['p95']:.0f} |")
        lines.append("")
    return "\n".join(lines)


def _storage_lines(storage: dict) -> list[str]:
    generated = storage["generate_s"]
    setup = (
        f"| generate the table (setup, not part of the target) | {generated:.1f} |"
        if generated is not None
        else "| table generated beforehand (`python -m bench.scale_data`) | - |"
    )
    return [
        f"### Series refresh: {storage['postings']:,} generated postings, PostgreSQL",
        "",
        "Generated postings (not real ones). Counting runs in SQL (`INSERT ... SELECT ... "
        "GROUP BY`); skill extraction is not part of these figures. Load average "
        f"{storage['load_before']:.1f} before the run, {storage['load_after']:.1f} after.",
        "",
        "| step | seconds |",
        "|---|---:|",
        setup,
        f"| full refresh: every week, all SOC levels x area/CBSA/state/nation "
        f"({storage['series_rows']:,} series rows), then growth | "
        f"{storage['full_refresh_s']:.1f} |",
        f"| of which growth with 90 % intervals, stored for every series at every level and "
        f"place ({storage['growth_series']:,} series x 2 metrics), measured alone | "
        f"{storage['growth_s']:.1f} |",
        f"| incremental refresh after a crawl (1 % new, 5 % of the last 10 days re-seen; "
        f"{storage['incremental_jobs']:,} touched jobs read, {storage['incremental_rows']:,} "
        f"series rows changed from week {storage['incremental_from']}; growth included) | "
        f"{storage['incremental_refresh_s']:.1f} |",
        f"| **incremental refresh + growth** (target <= 30 s) | "
        f"**{storage['incremental_refresh_s']:.1f}** |",
        f"| a refresh a week later, no crawl (growth of every series at the new end week) | "
        f"{storage['new_week_s']:.1f} |",
        "",
        "Loading the geography tables (once per process, ~10 s) is excluded.",
        "",
    ]


def _backtest_lines(report: dict) -> list[str]:
    lines = [
        f"### Forecast backtest: Indeed Hiring Lab sector postings indexes ({report['series']} "
        "series, daily, resampled to weekly means)",
        "",
        f"Rolling origins from {BACKTEST_START}, every {BACKTEST_STEP} weeks, "
        f"{report['seconds']:.0f} s. MASE: median over series of the mean scaled absolute error; "
        "baseline = the better of naive and seasonal-naive, measured in the same run. "
        f"The model was chosen on the origins before {BACKTEST_DESIGN_END} only; this table is "
        "the full run. Data: Indeed Hiring Lab, CC BY 4.0.",
        "",
        "| horizon | MASE | naive | seasonal naive | ratio vs better baseline (target <= 0.90) "
        "| coverage 80 % | coverage 95 % | forecasts |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for h, m in report["horizons"].items():
        baseline = min(v for v in (m["mase_naive"], m["mase_seasonal_naive"]) if v is not None)
        lines.append(
            f"| {h} | {m['mase']:.3f} | {m['mase_naive']:.3f} | {m['mase_seasonal_naive']:.3f} "
            f"| {m['mase'] / baseline:.3f} | {m['coverage80']:.3f} | {m['coverage95']:.3f} "
            f"| {m['n_forecasts']} |"
        )
    return lines + [""]


def write_section(text: str) -> None:
    """Replace (or add) the ``## Trends`` section of docs/benchmarks.md."""
    current = DOCS.read_text(encoding="utf-8") if DOCS.exists() else "# Benchmarks\n"
    pattern = re.compile(r"^## Trends\n.*?(?=^## |\Z)", re.S | re.M)
    if pattern.search(current):
        updated = pattern.sub(lambda _: text.rstrip() + "\n\n", current)
    else:
        updated = current.rstrip() + "\n\n" + text.rstrip() + "\n"
    DOCS.write_text(updated, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postings", type=int, default=1_000_000)
    parser.add_argument("--skip-backtest", action="store_true")
    parser.add_argument("--skip-storage", action="store_true")
    parser.add_argument("--database-url", help="an existing generated database "
                        "(python -m bench.scale_data) instead of a throwaway one")  # fmt: skip
    parser.add_argument("--requests", type=int, default=200, help="per API endpoint")
    parser.add_argument("--increment-only", action="store_true",
                        help="with --database-url (refreshed already): add a crawl, time the "
                        "incremental refresh, print its figures as JSON")  # fmt: skip
    parser.add_argument(
        "--api-only",
        action="store_true",
        help="with --database-url (refreshed already): time the API only",
    )
    parser.add_argument("--no-docs", action="store_true",
                        help="print the figures as JSON instead of rewriting the Trends "
                        "section of docs/benchmarks.md")  # fmt: skip
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    if args.increment_only:
        print(json.dumps(time_increment(args.database_url)))
        return
    if args.api_only:
        print(json.dumps(time_api(args.database_url, args.requests)))
        return
    backtest = None if args.skip_backtest else run_backtest()
    if backtest:
        log.info("backtest: %s", backtest)
    storage = api = None
    if not args.skip_storage:
        if args.database_url:
            url, drop = args.database_url, lambda: None
        else:
            url, drop = _throwaway_pg()
        try:
            storage = time_refresh_and_growth(url, args.postings, bool(args.database_url))
            log.info("storage: %s", storage)
            api = time_api(url, args.requests)
            log.info("api: %s", api)
        finally:
            drop()
    if args.no_docs:
        print(json.dumps({"backtest": backtest, "storage": storage, "api": api}, default=str))
        return
    write_section(render(backtest, storage, api, args.postings))


if __name__ == "__main__":
    main()
