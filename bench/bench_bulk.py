"""Time ``export postings`` and ``import postings`` on PostgreSQL at scale, old code against new.

1. The new code exports a copy of the generated 1M-posting database (Parquet, then CSV),
   imports the Parquet file into an empty migrated database and imports it again (which must
   change nothing).
2. On a slice of the file (the first ``--slice`` postings), the new code and the code of
   another checkout (``--baseline-source``, e.g. ``git archive HEAD src``) each import it into
   an empty database and export it again, one after the other in this run; both databases must
   end up holding the same postings, duplicate links and codes.

    python -m bench.bench_bulk --baseline-source /tmp/old/src

Databases are created with ``--prefix`` and dropped at the end; the source is only read
(through a TEMPLATE copy).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
from sqlalchemy import text

from bench.other_checkout import run_in_checkout
from jobatlas.storage import make_engine, upgrade
from jobatlas.storage.bulk import export_postings, import_postings

logger = logging.getLogger(__name__)
SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432/"
PG = ["-h", "127.0.0.1", "-U", "postgres"]

# Run by the baseline checkout: import FILE into URL, export it to OUT; print the seconds.
CHECKOUT_ROUND = """
import json, sys, time
from jobatlas.storage import make_engine
from jobatlas.storage.bulk import export_postings, import_postings
url, path, out = sys.argv[1:4]
engine = make_engine(url)
start = time.perf_counter()
result = import_postings(engine, path)
imported = time.perf_counter() - start
start = time.perf_counter()
count = export_postings(engine, out)
exported = time.perf_counter() - start
print(json.dumps({"import": imported, "export": exported, "new": result.new,
                  "duplicate": result.duplicate, "rejected": len(result.rejected),
                  "exported": count}))
"""


def _createdb(name: str, template: str | None = None) -> str:
    subprocess.run(["dropdb", *PG, "--if-exists", name], check=True)
    extra = ["-T", template] if template else []
    for attempt in range(30):  # a TEMPLATE copy waits for other sessions to leave
        done = subprocess.run(["createdb", *PG, *extra, name], capture_output=True, text=True)
        if done.returncode == 0:
            return SERVER + name
        if "being accessed by other users" not in done.stderr or attempt == 29:
            raise RuntimeError(done.stderr)
        time.sleep(2)
    raise AssertionError("unreachable")


def _empty(name: str) -> str:
    url = _createdb(name)
    upgrade(url)
    return url


def _dropdb(name: str) -> None:
    subprocess.run(["dropdb", *PG, "--if-exists", name], check=True)


def _load() -> str:
    return os.getloadavg().__repr__()


def _contents(url: str) -> dict:
    """Return what an import must reproduce, summed so that two databases can be compared."""
    engine = make_engine(url)
    with engine.connect() as connection:
        row = connection.execute(
            text(
                "SELECT count(*), count(p.duplicate_of), count(DISTINCT p.fingerprint),"
                " (SELECT count(*) FROM posting_occupations),"
                " md5(string_agg(p.source || p.source_id || p.fingerprint"
                " || coalesce(d.source_id, '')"
                "     || coalesce(p.locality, '') || coalesce(p.compensation_min::text, ''),"
                "     ',' ORDER BY p.source, p.source_id))"
                " FROM postings AS p LEFT JOIN postings AS d ON d.id = p.duplicate_of"
            )
        ).one()
    engine.dispose()
    names = ("postings", "duplicates", "fingerprints", "codes", "digest")
    return dict(zip(names, row, strict=True))


def _timed(function, *args) -> tuple[float, object]:
    start = time.perf_counter()
    value = function(*args)
    return time.perf_counter() - start, value


def at_scale(args, work: Path) -> dict:
    """Export the copy of the source database, import into an empty one, import again."""
    figures: dict = {}
    source = _createdb(f"{args.prefix}_src", args.source)
    engine = make_engine(source)
    for fmt in args.formats:
        path = work / f"postings.{fmt}"
        seconds, count = _timed(export_postings, engine, path)
        figures[f"export {fmt}"] = {"seconds": seconds, "postings": count, "load": _load(),
                                    "bytes": path.stat().st_size}  # fmt: skip
        logger.info("export %s: %s", fmt, figures[f"export {fmt}"])
    engine.dispose()
    _dropdb(f"{args.prefix}_src")
    target = _empty(f"{args.prefix}_dst")
    engine = make_engine(target)
    parquet = work / "postings.parquet"
    for label in ("import parquet into empty", "import parquet again"):
        seconds, result = _timed(import_postings, engine, parquet)
        figures[label] = {"seconds": seconds, "new": result.new, "duplicate": result.duplicate,
                          "updated": result.updated, "rejected": len(result.rejected),
                          "load": _load()}  # fmt: skip
        logger.info("%s: %s", label, figures[label])
    engine.dispose()
    figures["contents"] = _contents(target)
    _dropdb(f"{args.prefix}_dst")
    return figures


def on_slice(args, work: Path) -> dict:
    """Import and export the first ``args.slice`` postings with the old and the new code."""
    path = work / "slice.parquet"
    table = pq.ParquetFile(work / "postings.parquet").iter_batches(batch_size=args.slice)
    pq.write_table(pa.Table.from_batches([next(table)]), path)
    figures = {}
    for label in ("old", "new"):
        url = _empty(f"{args.prefix}_{label}")
        out = work / f"slice_{label}.parquet"
        if label == "old":
            figures[label] = run_in_checkout(
                Path(args.baseline_source), CHECKOUT_ROUND, url, path, out
            )
        else:
            engine = make_engine(url)
            imported, result = _timed(import_postings, engine, path)
            exported, count = _timed(export_postings, engine, out)
            engine.dispose()
            figures[label] = {"import": imported, "export": exported, "new": result.new,
                              "duplicate": result.duplicate, "rejected": len(result.rejected),
                              "exported": count}  # fmt: skip
        figures[label]["load"] = _load()
        figures[label]["contents"] = _contents(url)
        logger.info("slice %s: %s", label, figures[label])
        _dropdb(f"{args.prefix}_{label}")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default="ja_scale_1m", help="database to copy and export")
    parser.add_argument("--prefix", default="jab_bench", help="names of the scratch databases")
    parser.add_argument("--formats", nargs="+", default=["parquet", "csv"])
    parser.add_argument("--slice", type=int, default=50_000)
    parser.add_argument("--baseline-source", required=True, help="src dir of the old code")
    parser.add_argument("--output", default=None, help="write the figures here as JSON")
    parser.add_argument(
        "--slice-only", action="store_true", help="export --source and time only the slice"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(message)s")
    with tempfile.TemporaryDirectory(prefix=f"{args.prefix}_") as directory:
        work = Path(directory)
        if args.slice_only:
            engine = make_engine(SERVER + args.source)
            export_postings(engine, work / "postings.parquet")
            engine.dispose()
            figures = {"slice": on_slice(args, work)}
        else:
            figures = {"scale": at_scale(args, work), "slice": on_slice(args, work)}
    text_ = json.dumps(figures, indent=2, default=str)
    if args.output:
        Path(args.output).write_text(text_)
    print(text_)


if __name__ == "__main__":
    main()
