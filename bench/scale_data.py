"""Generate a load-test postings table (default 1,000,000 rows) in PostgreSQL.

The rows are GENERATED, not crawled: titles are O*NET alternate and reported titles of job
zone 1-3 occupations, bodies are built from those occupations' O*NET task statements, places
are real ZIP points (Census ZCTA) within 40 km of US Craigslist areas, dates spread over about
two years, and each posting carries the occupation code it was generated from (plus a second,
lower-ranked code for about half). About 3% are reposts linked to an earlier row. Every row has
source ``scale-generated`` and model version ``generated-for-load-test``.

Rows go in with COPY; the secondary indexes the migrations define are dropped first and rebuilt
afterwards (from their own definitions in ``pg_indexes``), then the tables are analyzed.

    .venv/bin/python -m bench.scale_data [--rows 1000000] [--database-url URL] [--seed 7]
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import psycopg
from sqlalchemy.engine import make_url

from jobatlas.config import normalize_database_url
from jobatlas.storage import upgrade

logger = logging.getLogger("bench.scale_data")

DEFAULT_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/jobatlas_scale"
SOURCE = "scale-generated"
MODEL_VERSION = "generated-for-load-test"
TABLES = ("postings", "posting_occupations")
CHUNK = 50_000
AREA_RADIUS_KM = 40.0
DAYS = 730
REPOST_SHARE = 0.03
POSTING_COLUMNS = [
    "id", "source", "source_id", "url", "title", "body", "employer", "compensation_raw",
    "compensation_min", "compensation_max", "compensation_unit", "compensation_currency",
    "employment_type", "posted_at", "first_seen", "last_seen", "area", "locality", "region",
    "postal_code", "latitude", "longitude", "category", "fingerprint", "duplicate_of",
    "model_version", "classified_at",
]  # fmt: skip
OCCUPATION_COLUMNS = ["posting_id", "code", "soc", "rank", "score"]
# Craigslist job category by SOC major group (others: "etc").
CATEGORIES = {
    "35": "fbh", "53": "trp", "47": "trd", "49": "trd", "51": "mnu", "41": "ret", "31": "hea",
    "29": "hea", "33": "sec", "43": "ofc", "37": "lab", "45": "lab", "39": "sss", "25": "edu",
}  # fmt: skip
EMPLOYMENT = ["FULL_TIME"] * 6 + ["PART_TIME"] * 3 + ["CONTRACTOR"]
EXTRAS = [
    "Weekly pay by direct deposit.", "No experience needed, we train on the job.",
    "Must pass a background check and drug screen.", "Bilingual English and Spanish is a plus.",
    "Paid time off after ninety days.", "Health and dental insurance for full-time staff.",
    "Reliable transportation required.", "Overtime available most weeks.",
    "Day and night shifts open.", "Valid driver license preferred.",
    "Able to stand for long periods and lift fifty pounds.", "Start this week if you qualify.",
]  # fmt: skip
EMPLOYER_WORDS = [
    "Summit", "Harbor", "Pioneer", "Lakeside", "Metro", "Evergreen", "Union", "Keystone",
    "Redwood", "Prairie", "Atlas", "Liberty", "Granite", "Riverside", "Cardinal", "Frontier",
]  # fmt: skip
EMPLOYER_KINDS = [
    "Logistics", "Staffing", "Foods", "Health Services", "Builders", "Cleaning Co.",
    "Auto Group", "Security", "Retail", "Home Care", "Transport", "Facilities",
]  # fmt: skip


@dataclass
class Vocabulary:
    """What rows are drawn from: occupations with titles and tasks, places with weights."""

    codes: list[str]
    hourly: list[float]  # median hourly wage per code
    code_weights: np.ndarray
    titles: list[list[str]]
    tasks: list[list[str]]
    areas: list[tuple[str, str]]  # (hostname, state)
    area_weights: np.ndarray
    zips: list[list[tuple[str, float, float, str, str]]]  # per area: zip, lat, lon, city, state


@functools.cache  # read-only once built; a test generating several tables builds it once
def build_vocabulary() -> Vocabulary:
    """Collect occupations (job zones 1-3), their titles and tasks, and US areas with ZIPs."""
    from jobatlas.geo import load_geo
    from jobatlas.reference import load_reference

    ref = load_reference()
    occupations = ref.occupations[ref.occupations["job_zone"].isin([1, 2, 3]).fillna(False)]
    titles = _grouped(ref.alternate_titles, "title")
    reported = _grouped(ref.reported_titles, "title")
    tasks = _grouped(ref.tasks, "task")
    codes, title_lists, task_lists = [], [], []
    for code, row in occupations.iterrows():
        names = sorted(set([row["title"]] + titles.get(code, []) + reported.get(code, [])))
        found = [t for t in tasks.get(code, []) if len(t) < 220]
        if len(names) >= 2 and len(found) >= 3:
            codes.append(code)
            title_lists.append(names)
            task_lists.append(found)
    # Postings follow demand: weight each occupation by its SOC's projected annual openings
    # (BLS), shared among the O*NET codes of that SOC; pay centres on the SOC's median wage.
    openings, hourly = _demand(ref, codes)
    code_weights = openings / openings.sum()
    areas, area_zips = _areas_with_zips(load_geo())
    area_weights = np.array([len(z) for z in area_zips], dtype=float)
    return Vocabulary(
        codes, hourly, code_weights, title_lists, task_lists, areas,
        area_weights / area_weights.sum(), area_zips,
    )  # fmt: skip


def _demand(ref, codes: list[str]) -> tuple[np.ndarray, list[float]]:
    """Return per code: projected annual openings (split per SOC) and a median hourly wage."""
    projections = ref.projections
    socs = [code[:7] for code in codes]
    shares = {soc: socs.count(soc) for soc in set(socs)}
    known = projections["openings"].dropna()
    fallback_openings = float(known.median())
    fallback_wage = float(projections["median_wage"].dropna().median())
    openings, hourly = [], []
    for soc in socs:
        row = projections.loc[soc] if soc in projections.index else None
        value = row["openings"] if row is not None else None
        wage = row["median_wage"] if row is not None else None
        openings.append((fallback_openings if _missing(value) else float(value)) / shares[soc])
        hourly.append((fallback_wage if _missing(wage) else float(wage)) / 2080)
    return np.array(openings), hourly


def _missing(value) -> bool:
    return value is None or value != value  # NaN is the only value unequal to itself


def _grouped(frame, column: str) -> dict[str, list[str]]:
    return frame.groupby("code")[column].apply(lambda s: [str(v) for v in s if v]).to_dict()


def _areas_with_zips(geo) -> tuple[list[tuple[str, str]], list[list[tuple]]]:
    """Return US areas and, per area, the real ZIP points within 40 km (its weight: density)."""
    from sklearn.neighbors import BallTree

    zip_codes = [z for z in geo.points if z in geo.zips]
    points = np.radians([geo.points[z] for z in zip_codes])
    tree = BallTree(points, metric="haversine")
    areas, area_zips = [], []
    for hostname, area in sorted(geo.areas.items()):
        centre = np.radians([[area.lat, area.lon]])
        (near,) = tree.query_radius(centre, r=AREA_RADIUS_KM / 6371.0088)
        if len(near) == 0:
            continue
        places = []
        for i in sorted(near):
            code = zip_codes[i]
            _, city, state = geo.zips[code]
            lat, lon = geo.points[code]
            places.append((code, lat, lon, str(city).title(), state))
        areas.append((hostname, area.state))
        area_zips.append(places)
    return areas, area_zips


def generate_rows(vocab: Vocabulary, rows: int, seed: int, now: datetime):
    """Yield (posting rows, occupation rows) chunks of generated postings, ids from 1."""
    rng = np.random.default_rng(seed)
    employers = [f"{a} {b}" for a in EMPLOYER_WORDS for b in EMPLOYER_KINDS]
    for start in range(0, rows, CHUNK):
        size = min(CHUNK, rows - start)
        yield _chunk(vocab, rng, employers, start, size, now)


def _chunk(vocab, rng, employers, start, size, now):
    code_idx = rng.choice(len(vocab.codes), size=size, p=vocab.code_weights)
    second_idx = rng.choice(len(vocab.codes), size=size, p=vocab.code_weights)
    area_idx = rng.choice(len(vocab.areas), size=size, p=vocab.area_weights)
    # More postings lately: the age in days is skewed towards the present.
    age_days = DAYS * (1 - rng.power(1.6, size))
    uniform = rng.random((size, 12))
    postings, occupations = [], []
    for i in range(size):
        posting_id = start + i + 1
        u = uniform[i]
        original = posting_id - 1 - int(u[0] * 200)
        repost = u[1] < REPOST_SHARE and original > start
        if repost:
            source = postings[original - start - 1]
            row = _repost(source, posting_id, rng, now)
        else:
            row = _posting(vocab, employers, posting_id, int(code_idx[i]), int(area_idx[i]),
                           float(age_days[i]), u, now)  # fmt: skip
        postings.append(row)
        code = vocab.codes[row[-1]]
        occupations.append((posting_id, code, code[:7], 1, round(0.55 + 0.4 * u[6], 3)))
        other = vocab.codes[int(second_idx[i])]
        if u[7] < 0.5 and other != code:
            occupations.append((posting_id, other, other[:7], 2, round(0.3 * u[6], 3)))
    return [row[:-1] for row in postings], occupations


def _posting(vocab, employers, posting_id, code_i, area_i, age, u, now) -> tuple:
    hostname, _ = vocab.areas[area_i]
    places = vocab.zips[area_i]
    zip_code, lat, lon, city, state = places[int(u[2] * len(places))]
    titles, tasks = vocab.titles[code_i], vocab.tasks[code_i]
    title = titles[int(u[3] * len(titles))]
    employer = employers[int(u[4] * len(employers))]
    picked = _two(len(tasks), u[8], u[9])
    extras = _two(len(EXTRAS), u[10], u[11])
    # About 70% of ads state pay: within 20% of the occupation's median hourly wage.
    pay = round(vocab.hourly[code_i] * (0.8 + 0.4 * u[5] / 0.7), 0) if u[5] < 0.7 else None
    pay_raw = f"${pay:.0f}/hr" if pay else None
    body = (
        f"{title} wanted. {employer} is hiring in {city}, {state}. "
        f"{tasks[picked[0]]} {tasks[picked[1]]} {EXTRAS[extras[0]]} {EXTRAS[extras[1]]}"
        + (f" Pay {pay_raw}." if pay_raw else "")
    )
    first_seen = now - timedelta(days=age, seconds=int(u[6] * 86_400))
    posted_at = first_seen - timedelta(hours=int(u[7] * 48)) if u[7] < 0.9 else None
    last_seen = min(first_seen + timedelta(days=int(u[1] * 45)), now)
    category = CATEGORIES.get(vocab.codes[code_i][:2], "etc")
    fingerprint = hashlib.md5(f"{title}|{employer}|{hostname}".encode()).hexdigest()
    source_id = str(8_000_000_000 + posting_id)
    url = f"https://{hostname}.craigslist.org/{category}/d/{source_id}.html"
    jitter_lat, jitter_lon = (u[3] - 0.5) * 0.01, (u[4] - 0.5) * 0.01
    return (
        posting_id, SOURCE, source_id, url, title, body, employer, pay_raw, pay, pay,
        "hour" if pay else None, "USD", EMPLOYMENT[int(u[0] * len(EMPLOYMENT))], posted_at,
        first_seen, last_seen, hostname, city, state, zip_code, lat + jitter_lat,
        lon + jitter_lon, category, fingerprint, None, MODEL_VERSION, last_seen, code_i,
    )  # fmt: skip


def _two(count: int, a: float, b: float) -> tuple[int, int]:
    """Return two different indexes below ``count`` from two uniform numbers."""
    first = int(a * count)
    return first, (first + 1 + int(b * (count - 1))) % count


def _repost(source: tuple, posting_id: int, rng, now: datetime) -> tuple:
    """Return a repost of ``source`` a few days later, linked to it as its duplicate."""
    row = list(source)
    original_id = source[0] if source[24] is None else source[24]
    shift = timedelta(days=int(rng.integers(1, 10)))
    source_id = str(8_000_000_000 + posting_id)
    row[0], row[2] = posting_id, source_id
    row[3] = source[3].rsplit("/", 1)[0] + f"/{source_id}.html"
    row[13] = None if source[13] is None else min(source[13] + shift, now)
    row[14] = min(source[14] + shift, now)
    row[15] = max(row[14], source[15])
    row[24] = original_id
    return tuple(row)


def ensure_database(url: str) -> None:
    """Create the target database if it does not exist (connecting to ``postgres``)."""
    parsed = make_url(normalize_database_url(url))
    if parsed.get_backend_name() != "postgresql":
        raise SystemExit("scale_data needs a PostgreSQL database URL")
    admin = parsed.set(drivername="postgresql", database="postgres")
    with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
        exists = conn.execute(
            "SELECT 1 FROM pg_database WHERE datname = %s", (parsed.database,)
        ).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{parsed.database}"')


def connect(url: str, autocommit: bool = False) -> psycopg.Connection:
    """Open a psycopg connection for a SQLAlchemy-style URL."""
    parsed = make_url(normalize_database_url(url)).set(drivername="postgresql")
    return psycopg.connect(parsed.render_as_string(hide_password=False), autocommit=autocommit)


def secondary_indexes(conn: psycopg.Connection) -> list[tuple[str, str]]:
    """Return (name, definition) of the posting tables' indexes that back no constraint."""
    return conn.execute(
        """SELECT i.indexname, i.indexdef FROM pg_indexes i
           WHERE i.schemaname = 'public' AND i.tablename = ANY(%s)
             AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conname = i.indexname)
           ORDER BY i.indexname""",
        (list(TABLES),),
    ).fetchall()


def load(url: str, rows: int, seed: int) -> dict:
    """Replace the posting tables' content with ``rows`` generated postings; return timings."""
    ensure_database(url)
    upgrade(normalize_database_url(url))
    vocab = build_vocabulary()
    now = datetime.now(UTC).replace(microsecond=0)
    timings: dict = {"rows": rows, "occupations_rows": 0, "areas": len(vocab.areas),
                     "occupations": len(vocab.codes)}  # fmt: skip
    with connect(url) as conn:
        _check_only_generated(conn)
        conn.execute("TRUNCATE postings, posting_occupations, posting_bands RESTART IDENTITY")
        indexes = secondary_indexes(conn)
        for name, _ in indexes:
            conn.execute(f'DROP INDEX "{name}"')
        started = time.perf_counter()
        for postings, occupations in generate_rows(vocab, rows, seed, now):
            _copy(conn, "postings", POSTING_COLUMNS, postings)
            _copy(conn, "posting_occupations", OCCUPATION_COLUMNS, occupations)
            timings["occupations_rows"] += len(occupations)
            logger.info("generated %d postings", postings[-1][0])
        timings["copy_seconds"] = time.perf_counter() - started
        started = time.perf_counter()
        for _, definition in indexes:
            conn.execute(definition)
        conn.execute("SELECT setval(pg_get_serial_sequence('postings', 'id'), %s)", (rows,))
        timings["index_seconds"] = time.perf_counter() - started
        timings["indexes"] = [name for name, _ in indexes]
        conn.commit()
    with connect(url, autocommit=True) as conn:
        conn.execute("VACUUM ANALYZE postings")
        conn.execute("VACUUM ANALYZE posting_occupations")
    return timings


def _check_only_generated(conn: psycopg.Connection) -> None:
    other = conn.execute("SELECT 1 FROM postings WHERE source <> %s LIMIT 1", (SOURCE,)).fetchone()
    if other:
        raise SystemExit(
            "the database holds other postings: point --database-url at a load-test database"
        )


def _copy(conn: psycopg.Connection, table: str, columns: list[str], rows: list[tuple]) -> None:
    names = ", ".join(columns)
    with conn.cursor() as cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=DEFAULT_URL)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    if args.rows < 1:
        raise SystemExit("--rows must be at least 1")
    timings = load(args.database_url, args.rows, args.seed)
    logger.info(
        "GENERATED load-test data (not real postings): %d postings, %d occupation rows, "
        "%d Craigslist areas, %d occupations; COPY %.0f s, indexes %.0f s",
        timings["rows"], timings["occupations_rows"], timings["areas"], timings["occupations"],
        timings["copy_seconds"], timings["index_seconds"],
    )  # fmt: skip


if __name__ == "__main__":
    main()
