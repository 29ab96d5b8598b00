"""Benchmark the personalization library: resume reading, skill extraction, recommendations.

Measures CPU time per call (``time.process_time``, medians) after loading, plus latency under
16 concurrent threads. Baseline, measured in the same run: scoring the same candidate moves by
filtering the reference DataFrames per request (what ``RecommenderIndex`` precomputes).
Figures go into ``docs/benchmarks.md`` under ``## personalization (resume, skills, profiles,
recommend)``.

    .venv/bin/python -m bench.recommend --repeat 30
"""

from __future__ import annotations

import argparse
import re
import statistics
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from jobatlas.geo import resolve_location
from jobatlas.profiles import occupation_profile
from jobatlas.recommend import RecommenderIndex, recommend, recommend_for_matches
from jobatlas.reference import load_reference
from jobatlas.resume import extract_text

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
FIXTURES = ROOT / "tests" / "fixtures" / "resumes"
SECTION = "## personalization (resume, skills, profiles, recommend)"


@dataclass(frozen=True)
class Match:
    """Classifier output as plain data, for runs without the occupation engine."""

    code: str
    score: float
    title: str = ""
    evidence: list[str] = field(default_factory=list)


TRUCK = [Match("53-3032.00", 0.7), Match("53-3033.00", 0.1), Match("53-7051.00", 0.05)]


def cpu_ms(function, repeat: int) -> float:
    """Return the median CPU milliseconds of ``function()`` over ``repeat`` calls (after one)."""
    function()
    samples = []
    for _ in range(repeat):
        start = time.process_time()
        function()
        samples.append((time.process_time() - start) * 1000)
    return statistics.median(samples)


def concurrent_latency(function, clients: int = 16, calls: int = 8) -> tuple[float, float]:
    """Return (median, p95) wall milliseconds of ``function()`` with ``clients`` threads."""

    def timed(_):
        start = time.perf_counter()
        function()
        return (time.perf_counter() - start) * 1000

    with ThreadPoolExecutor(clients) as pool:
        samples = list(pool.map(timed, range(clients * calls)))
    return statistics.median(samples), float(np.percentile(samples, 95))


def naive_moves(ref, matches) -> list[tuple[float, str]]:
    """Score related occupations by filtering the DataFrames per request (the baseline)."""
    def vector(code):
        rows = ref.skills[ref.skills["code"] == code].sort_values("element_id")
        return rows["importance"].to_numpy()

    person = sum(m.score * vector(m.code) for m in matches)
    scored = []
    for match in matches:
        related = ref.related[ref.related["code"] == match.code]
        for code in related["related_code"]:
            other = vector(code)
            if other.size == person.size:
                cosine = float(other @ person / np.linalg.norm(other) / np.linalg.norm(person))
                scored.append((cosine, code))
    return sorted(scored, reverse=True)


def measure(repeat: int) -> dict:
    """Run every measurement and return the figures."""
    figures: dict = {}
    ref = load_reference()
    start = time.perf_counter()
    index = RecommenderIndex.build(ref)
    figures["index_build_s"] = time.perf_counter() - start
    location = resolve_location("43215")
    pdf = (FIXTURES / "truck_driver.pdf").read_bytes()
    docx = (FIXTURES / "line_cook.docx").read_bytes()
    text = extract_text(pdf)
    figures["extract_pdf_ms"] = cpu_ms(lambda: extract_text(pdf), repeat)
    figures["extract_docx_ms"] = cpu_ms(lambda: extract_text(docx), repeat)
    figures["skills_ms"] = cpu_ms(lambda: index.vocabulary.extract(text), repeat)
    codes = list(ref.occupations.index[:: max(1, len(ref.occupations) // repeat)])[:repeat]
    cold = []
    for code in codes:  # the first profile of each occupation builds its place-free part
        start = time.process_time()
        occupation_profile(ref, code, location)
        cold.append((time.process_time() - start) * 1000)
    figures["profile_cold_ms"] = statistics.median(cold)
    figures["profile_ms"] = cpu_ms(lambda: occupation_profile(ref, "53-3032", location), repeat)

    def indexed():
        return recommend_for_matches(text, TRUCK, ref, index, location=location)

    figures["recommend_ms"] = cpu_ms(indexed, repeat)
    figures["baseline_ms"] = cpu_ms(lambda: naive_moves(ref, TRUCK), max(3, repeat // 5))
    figures["concurrent_median_ms"], figures["concurrent_p95_ms"] = concurrent_latency(indexed)
    engine = _engine()
    if engine is not None:
        figures["model_version"] = engine.model_version
        figures["recommend_engine_ms"] = cpu_ms(
            lambda: recommend(text, engine, ref, location=location, index=index), repeat
        )
        figures["engine_p95_ms"] = concurrent_latency(
            lambda: recommend(text, engine, ref, location=location, index=index)
        )[1]
    return figures


def _engine():
    """Return the occupation engine if a trained model is cached; never train here."""
    try:
        from jobatlas.artifacts import artifact_path
        from jobatlas.config import Settings
        from jobatlas.engine import engine_version, load_engine
    except ModuleNotFoundError:
        return None
    settings = Settings.from_env()
    _, version = engine_version(settings)
    if not artifact_path(settings.cache_dir, version).exists():
        return None
    return load_engine(settings)


def section(figures: dict, repeat: int) -> str:
    """Return the markdown section for ``docs/benchmarks.md``."""
    ratio = figures["baseline_ms"] / figures["recommend_ms"]
    rows = [
        ("`RecommenderIndex.build(ref)` (once per process), s", figures["index_build_s"]),
        ("`extract_text` one-page PDF, CPU ms", figures["extract_pdf_ms"]),
        ("`extract_text` DOCX, CPU ms", figures["extract_docx_ms"]),
        ("`SkillVocabulary.extract` one-page resume, CPU ms", figures["skills_ms"]),
        ("`occupation_profile`, first request for an occupation, CPU ms",
         figures["profile_cold_ms"]),
        ("`occupation_profile` with metro pay, repeated, CPU ms", figures["profile_ms"]),
        ("`recommend_for_matches` (no classifier), CPU ms", figures["recommend_ms"]),
        ("baseline: DataFrame scans per request for the moves alone, CPU ms",
         figures["baseline_ms"]),
        ("`recommend_for_matches`, 16 threads: median wall ms", figures["concurrent_median_ms"]),
        ("`recommend_for_matches`, 16 threads: p95 wall ms", figures["concurrent_p95_ms"]),
    ]
    if "recommend_engine_ms" in figures:
        rows += [(f"`recommend` with the classifier ({figures['model_version']}), CPU ms",
                  figures["recommend_engine_ms"]),
                 ("`recommend` with the classifier, 16 threads: p95 wall ms",
                  figures["engine_p95_ms"])]
    lines = [
        SECTION, "",
        f"`.venv/bin/python -m bench.recommend --repeat {repeat}`: medians of {repeat} calls after "
        "loading, truck-driver resume fixture, location ZIP 43215, on the shared 2-core dev "
        "machine (other jobs running). Baseline measured in the same run: scoring the moves by "
        f"filtering DataFrames per request. Indexed full recommendation is {ratio:.1f}x faster "
        "than the baseline's move scoring alone.", "",
        "| measurement | value |",
        "|---|---:|",
    ]
    lines += [f"| {label} | {value:.2f} |" for label, value in rows]
    if "recommend_engine_ms" not in figures:
        lines += ["", "No trained occupation model was cached for this run, so the classifier's "
                  "own time is not included (set `JOBATLAS_CACHE_DIR` to a cache holding one)."]
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
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30)
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args()
    text = section(measure(args.repeat), args.repeat)
    print(text)
    if not args.no_write:
        write_section(text)


if __name__ == "__main__":
    main()
