"""Benchmark the occupation engine: accuracy, calibration, speed, load time and memory.

Run ``.venv/bin/python -m bench.bench_classifier`` (``--quick`` skips the held-out-titles
model and the LinearSVC baseline). Writes the "Occupation engine" section of
``docs/benchmarks.md`` unless ``--no-docs``. Speed is measured on one core (BLAS and OpenMP
limited to 1 thread).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import resource
import statistics
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from threadpoolctl import threadpool_limits  # noqa: E402

from jobatlas.artifacts import artifact_path, load_artifact  # noqa: E402
from jobatlas.classifier.evaluation import (  # noqa: E402
    LabelledTexts,
    direct_match_titles,
    evaluate_reported,
    reported_split,
    score_set,
    synthetic_resumes,
)
from jobatlas.classifier.training import (  # noqa: E402
    build_training_set,
    load_reference_texts,
    soc_of,
)
from jobatlas.config import Settings  # noqa: E402
from jobatlas.engine import (  # noqa: E402
    OccupationEngine,
    engine_version,
    load_engine,
    train_engine,
)

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
SECTION = "## Occupation engine"


def timed(fn, *args, **kwargs):
    """Return (result, wall seconds, CPU seconds) of one call."""
    wall, cpu = time.perf_counter(), time.process_time()
    result = fn(*args, **kwargs)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def load_engine_from(settings: Settings) -> tuple[OccupationEngine, float, float]:
    """Load the cached artifact (training first if missing); return engine and load times."""
    _, version = engine_version(settings)
    path = artifact_path(settings.cache_dir, version)
    if not path.exists():
        train_engine(settings)
    bundle, wall, cpu = timed(load_artifact, path)
    engine = OccupationEngine(bundle["classifier"], bundle["titles"], bundle["socs"],
                              bundle["model_version"])
    return engine, wall, cpu


def baseline_linear_svc(ref, test: LabelledTexts,
                        exclude_titles: frozenset[str] = frozenset()) -> dict:
    """Score the simple baseline: TF-IDF word+char n-grams and LinearSVC over O*NET titles
    (without ``exclude_titles``, the normalized titles of a held-out split)."""
    from scipy.special import softmax
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import make_pipeline, make_union
    from sklearn.svm import LinearSVC

    data = build_training_set(ref, exclude_titles=exclude_titles, include_text=False)
    model = make_pipeline(
        make_union(TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), sublinear_tf=True),
                   TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)),
        LinearSVC(C=0.5),
    )
    _, wall, cpu = timed(model.fit, data.texts, data.labels)

    class Wrapped:  # score_set needs classes_ and predict_proba
        classes_ = model.classes_

        @staticmethod
        def predict_proba(texts):
            return softmax(model.decision_function(texts) * 10, axis=1)

    result = score_set(Wrapped, test, soc_of(ref))
    result["train_seconds"] = round(wall, 1)
    result["train_cpu_seconds"] = round(cpu, 1)
    return result


def speed(engine: OccupationEngine, titles: list[str], resumes: list[str], repeat: int) -> dict:
    """Return median throughput and single-request latency on one core."""
    batch_runs = [timed(engine.classify_many, titles)[1] for _ in range(repeat)]
    resume_runs = [timed(engine.classify_many, resumes)[1] for _ in range(repeat)]
    singles = []
    for title in titles[:300]:
        singles.append(timed(engine.classify, title)[1])
    return {
        "titles_per_second": round(len(titles) / statistics.median(batch_runs)),
        "resumes_per_second": round(len(resumes) / statistics.median(resume_runs), 1),
        "single_request_p50_ms": round(1000 * statistics.median(singles), 2),
        "single_request_p95_ms": round(1000 * float(np.percentile(singles, 95)), 2),
    }


def make_resumes(ref, n: int, words: int = 600, seed: int = 1) -> list[str]:
    """Return resume-like texts of about ``words`` words: job lines followed by task bullets."""
    rng = random.Random(seed)
    titles = ref.occupations["Title"].tolist()
    tasks = ref.tasks.groupby("O*NET-SOC Code")["Task"].apply(list).to_dict()
    codes = list(tasks)
    resumes = []
    for _ in range(n):
        lines = ["Jordan Smith", "Springfield, IL", "", "EXPERIENCE"]
        while sum(len(line.split()) for line in lines) < words:
            code = rng.choice(codes)
            lines.append(f"{rng.choice(titles)}, Acme Co, 2019-2022")
            lines.extend(f"- {t}" for t in rng.sample(tasks[code], min(4, len(tasks[code]))))
        resumes.append("\n".join(lines))
    return resumes


def run(quick: bool, repeat: int) -> dict:
    """Run every measurement and return the figures."""
    cache = Path(tempfile.mkdtemp(prefix="jobatlas-bench-"))
    settings = Settings(cache_dir=cache)
    folder, version = engine_version(settings)
    _, train_wall, train_cpu = timed(train_engine, settings)
    engine, _, _ = load_engine_from(settings)
    ref = load_reference_texts(folder=folder)
    keys = build_training_set(ref, include_text=False).title_keys()
    dmtf = direct_match_titles(keys)
    report = {
        "model_version": version,
        "train_seconds": round(train_wall, 1),
        "train_cpu_seconds": round(train_cpu, 1),
        "dmtf_unseen": score_set(engine.classifier, dmtf, engine.socs),
        "synthetic_resumes": score_set(engine.classifier, synthetic_resumes(ref), engine.socs),
    }
    if not quick:
        report["reported_held_out"] = evaluate_reported(ref)
        held_keys, held = reported_split(ref)
        report["baseline_reported_held_out"] = baseline_linear_svc(ref, held, held_keys)
        report["baseline_dmtf_unseen"] = baseline_linear_svc(ref, dmtf)
    report["peak_rss_mb"] = peak_rss_mb()
    # Speed, load and serving memory in a fresh process, as a server runs: this one trained.
    spawn = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=1, mp_context=spawn) as pool:
        report.update(pool.submit(serve, str(cache), repeat).result())
    return report


def serve(cache_dir: str, repeat: int) -> dict:
    """Load the trained model as the app does (``jobatlas.engine.load_engine``), then return
    load time, speed on one core and this process's peak RSS."""
    settings = Settings(cache_dir=Path(cache_dir))
    engine, load_wall, load_cpu = timed(load_engine, settings)
    ref = load_reference_texts(folder=engine_version(settings)[0])
    titles = ref.alternate_titles["Alternate Title"].sample(10_000, random_state=0).tolist()
    with threadpool_limits(1):
        figures = speed(engine, titles, make_resumes(ref, 200), repeat)
    return {
        "load_seconds": round(load_wall, 2),
        "load_cpu_seconds": round(load_cpu, 2),
        "speed": figures,
        "serving_peak_rss_mb": peak_rss_mb(),
    }


def peak_rss_mb() -> int:
    """Return this process's peak resident memory in MB.

    From ``VmHWM`` where Linux has it: ``ru_maxrss`` survives ``exec``, so a spawned child
    would report its parent's peak (the training) as its own.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024)
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def markdown(report: dict) -> str:
    """Return the benchmarks.md section for a report."""
    rows = [("DMTF titles unseen in training", report["dmtf_unseen"])]
    if "baseline_dmtf_unseen" in report:
        rows.append(("  baseline: TF-IDF + LinearSVC, titles only", report["baseline_dmtf_unseen"]))
    if "reported_held_out" in report:
        rows.append(("O*NET reported titles, grouped held-out split", report["reported_held_out"]))
    if "baseline_reported_held_out" in report:
        rows.append(("  baseline: TF-IDF + LinearSVC, titles only",
                     report["baseline_reported_held_out"]))
    rows.append(("SYNTHETIC resumes from held-out tasks", report["synthetic_resumes"]))
    table = ["| set | n | top-1 | top-5 | major top-1 | ECE | threshold P≥90% (answered) |",
             "|---|---:|---:|---:|---:|---:|---|"]
    for name, r in rows:
        t = r["precision_threshold"]
        table.append(f"| {name} | {r['n']} | {r['top1']:.3f} | {r['top5']:.3f} | "
                     f"{r['major_top1']:.3f} | {r['ece']:.3f} | {t['threshold']} "
                     f"({t['answered']:.0%}) |")
    s = report["speed"]
    base = report.get("baseline_dmtf_unseen")
    ratio = ""
    if base and base["top1"]:
        gain = report['dmtf_unseen']['top1'] / base['top1']
        ratio = f" Model / baseline top-1 on DMTF: {gain:.2f}x."
    return "\n".join([
        SECTION, "",
        "`.venv/bin/python -m bench.bench_classifier` on the shared 2-core dev machine (other "
        "engineers' jobs running, so wall times are pessimistic; CPU seconds in brackets). "
        f"Model `{report['model_version']}`. Accuracy is at detailed SOC 2018 (each SOC "
        "code scored by its best O*NET code). DMTF = BLS Direct Match Titles whose "
        "normalized text is not among the training titles (DMTF is never used in "
        "training). ECE: 15 equal bins of the top-1 SOC score. Threshold: lowest top-1 "
        "score at which answered inputs reach 90% precision, with the share of inputs "
        "answered." + ratio, "",
        *table, "",
        "| measure | value |", "|---|---:|",
        f"| training, full model | {report['train_seconds']} s ({report['train_cpu_seconds']} "
        "CPU s) |",
        f"| model load | {report['load_seconds']} s ({report['load_cpu_seconds']} CPU s) |",
        f"| titles / s, batch of 10,000, one core (median of runs) | {s['titles_per_second']} |",
        f"| resumes (~600 words) / s, batch of 200, one core | {s['resumes_per_second']} |",
        f"| one title, p50 / p95 | {s['single_request_p50_ms']} / "
        f"{s['single_request_p95_ms']} ms |",
        f"| peak RSS serving (a fresh process: load, then the speed runs) | "
        f"{report['serving_peak_rss_mb']} MB |",
        f"| peak RSS of the benchmark process (training included) | {report['peak_rss_mb']} MB |",
        "",
        NOTES,
    ])


NOTES = """Method: the model is `OccupationClassifier` (text normalization with an abbreviation
table; TF-IDF char 3-5-grams + word 1-2-grams + head-noun tokens; class centroids with
class-specificity feature weights, blended for short texts (titles) with a nearest-title vote:
the cosine of each class's most similar training title on the plain n-gram features; for
titles, plus the logits of a softmax regression over the same features trained on the O*NET
titles, with weights only on (n-gram, occupation) pairs seen in training (2 passes of
mini-batch AdaGrad); class logits = length-dependent inverse temperature x cosines + g x
regression logits + s x the cosine between the text and the occupation's mean title in a
space of word vectors distilled from all-MiniLM-L6-v2 (`data/vectors`), then an isotonic map
of the top score; the temperature, g, s and the isotonic maps are fitted on a held-out slice
of O*NET texts grouped by a hash of their last two words, a slice the word vectors were not
fitted to either). It is trained on O*NET titles
(official, alternate, short, reported), descriptions and 90% of task statements; the BLS DMTF
is only read to measure. Only 319 DMTF titles survive the "not among training titles" filter
once plurals, abbreviations and punctuation are normalized; these are the hard residue
("Admiral", "Mayor", "Junior Software Developer" coded as Computer Programmers), so the
figures stay below the issue's targets (top-1 88%, top-5 97%, major 94%, ECE 0.05): they are
reported as measured. The baseline row is TF-IDF char 2-5 + word 1-2 n-grams with a
LinearSVC over the same O*NET titles, scored on the same titles in the same run (its
scores are a softmax of the SVM margins times 10, so its ECE is only indicative); on the
reported-titles split both it and the model are trained without the held-out titles. The
reported-titles split is the development set: parameters are chosen on it, never on DMTF.
`--quick` skips the reported-titles model and the baselines.
"""


def write_section(text: str) -> None:
    """Replace (or append) this benchmark's section of docs/benchmarks.md."""
    doc = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Benchmarks\n"
    start = doc.find(SECTION)
    if start < 0:
        doc = doc.rstrip("\n") + "\n\n" + text
    else:
        end = doc.find("\n## ", start + len(SECTION))
        doc = doc[:start] + text + ("" if end < 0 else doc[end:])
    DOC.write_text(doc.rstrip("\n") + "\n", encoding="utf-8")


def main() -> None:
    """Run the benchmark and update docs/benchmarks.md."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-docs", action="store_true",
                        help="print the figures and section without writing docs/benchmarks.md")
    args = parser.parse_args()
    report = run(args.quick, args.repeat)
    print(json.dumps(report, indent=2))
    if args.no_docs:
        print(markdown(report))
    else:
        write_section(markdown(report))


if __name__ == "__main__":
    main()
