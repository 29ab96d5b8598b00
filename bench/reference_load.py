"""Time loading the reference data and geography for serving, cold and from the Parquet cache.

Each measurement runs in a fresh Python process so no in-process cache helps. Run with
``.venv/bin/python -m bench.reference_load [--repeat 3]``; results go to the
"reference data" section of ``docs/benchmarks.md``.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
SECTION = "## reference data (jobatlas.reference, jobatlas.geo)"

_PROBE = """
import json, sys, time
from jobatlas.reference import build_reference
from jobatlas.geo import load_geo
cache = sys.argv[1] if sys.argv[1] != "-" else None
loaded = {}
steps = {
    "load": lambda: loaded.setdefault("ref", build_reference(cache_root=cache)),
    "metro": lambda: loaded["ref"].wages.metro("53-3032", "41860"),
    "geo": lambda: load_geo().resolve("94103"),
    "areas": lambda: load_geo().craigslist_area("sfbay"),
}
out = {}
for name, step in steps.items():
    wall, cpu = time.perf_counter(), time.process_time()
    step()
    out[name] = time.perf_counter() - wall
    out[name + "_cpu"] = time.process_time() - cpu
print(json.dumps(out))
"""


def probe(cache: str) -> dict[str, float]:
    """Run one fresh-process load and return its timings in seconds."""
    out = subprocess.run([sys.executable, "-c", _PROBE, cache], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def run(repeat: int) -> dict[str, dict[str, float]]:
    """Return median timings for cold (no cache), cache-filling and warm (cached) loads."""
    results: dict[str, list[dict[str, float]]] = {"cold": [], "fill": [], "warm": []}
    for _ in range(repeat):
        results["cold"].append(probe("-"))
        with tempfile.TemporaryDirectory() as cache:
            results["fill"].append(probe(cache))
            results["warm"].append(probe(cache))
    return {mode: {key: statistics.median(r[key] for r in runs) for key in runs[0]}
            for mode, runs in results.items()}


def report(medians: dict[str, dict[str, float]], repeat: int) -> str:
    """Return the markdown section for ``docs/benchmarks.md``."""
    cold_cpu = medians["cold"]["load_cpu"] + medians["cold"]["metro_cpu"]
    lines = [
        SECTION, "",
        f"`.venv/bin/python -m bench.reference_load --repeat {repeat}`: medians of {repeat} runs, "
        "each in a fresh process, on the shared 2-core dev machine (other jobs running). "
        "Baseline: cold parse of the shipped gzip files without the Parquet cache.", "",
        "Wall-clock seconds, with CPU seconds of the process in brackets (the machine is "
        "shared, so CPU time is the steadier figure).", "",
        "| mode | `build_reference` | first metro wage | load + metro | vs cold (CPU) | "
        "geo + Craigslist areas |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for mode, label in (("cold", "cold, no cache (baseline)"), ("fill", "cold, filling cache"),
                        ("warm", "warm, from Parquet cache")):
        m = medians[mode]
        total, total_cpu = m["load"] + m["metro"], m["load_cpu"] + m["metro_cpu"]
        geo, geo_cpu = m["geo"] + m["areas"], m["geo_cpu"] + m["areas_cpu"]
        lines.append(
            f"| {label} | {m['load']:.2f} ({m['load_cpu']:.2f}) | "
            f"{m['metro']:.2f} ({m['metro_cpu']:.2f}) | {total:.2f} ({total_cpu:.2f}) | "
            f"{total_cpu / cold_cpu:.2f}x | {geo:.2f} ({geo_cpu:.2f}) |"
        )
    return "\n".join(lines) + "\n"


def write_section(text: str) -> None:
    """Replace (or append) this benchmark's section in ``docs/benchmarks.md``."""
    current = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    pattern = re.compile(rf"{re.escape(SECTION)}\n.*?(?=\n## |\Z)", re.DOTALL)
    if pattern.search(current):
        updated = pattern.sub(lambda _: text.rstrip("\n"), current)
    else:
        updated = current.rstrip("\n") + "\n\n" + text
    DOC.write_text(updated if updated.endswith("\n") else updated + "\n", encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    text = report(run(args.repeat), args.repeat)
    print(text)
    write_section(text)


if __name__ == "__main__":
    main()
