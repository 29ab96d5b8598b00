"""Measure the occupation classifier: accuracy, calibration and an answer threshold.

Three evaluation sets:

* ``dmtf``: BLS Direct Match Titles whose normalized text is not among the training titles
  (the file is never used for training).
* ``reported``: a grouped held-out split of O*NET reported titles; a second model is trained
  without any title that normalizes to a held-out one.
* ``synthetic_resumes``: SYNTHETIC resume-like texts assembled from task statements that no
  model is trained on (see ``training.is_held_out_task``).
"""

from __future__ import annotations

import hashlib
import logging
import random
from dataclasses import dataclass

import numpy as np
import pandas as pd

from jobatlas.classifier.estimator import (
    OccupationClassifier,
    calibration_group,
    is_calibration_group,
)
from jobatlas.classifier.text import normalize_text
from jobatlas.classifier.training import (
    CODE,
    ReferenceTexts,
    build_training_set,
    employment_prior,
    is_held_out_task,
    load_reference_texts,
    soc_of,
)
from jobatlas.reference.files import read_csv

log = logging.getLogger(__name__)

REPORTED_HELD_OUT_SHARE = 0.2
TARGET_PRECISION = 0.9


@dataclass(frozen=True)
class LabelledTexts:
    """Texts with their gold SOC 2018 codes (and O*NET-SOC codes when known)."""

    texts: list[str]
    socs: list[str]
    codes: list[str] | None = None


def direct_match_titles(training_titles: set[str], data_dir=None) -> LabelledTexts:
    """Return BLS Direct Match Titles whose normalized text is not a training title."""
    kwargs = {"data_dir": data_dir} if data_dir is not None else {}
    frame = read_csv("soc/soc_2018_direct_match_title_file.csv", **kwargs)
    titles = frame["2018 SOC Direct Match Title"]
    unseen = frame[~titles.map(normalize_text).isin(training_titles)]
    return LabelledTexts(unseen["2018 SOC Direct Match Title"].tolist(),
                         unseen["2018 SOC Code"].tolist())


def is_held_out_title(key: str) -> bool:
    """Return True for normalized reported titles in the held-out evaluation split."""
    digest = hashlib.sha1(f"title:{key}".encode()).digest()
    return digest[0] < 256 * REPORTED_HELD_OUT_SHARE


def reported_split(ref: ReferenceTexts) -> tuple[frozenset[str], LabelledTexts]:
    """Return the held-out normalized titles and the reported titles that carry them."""
    reported = ref.reported_titles.assign(
        key=ref.reported_titles["Reported Job Title"].map(normalize_text))
    held = reported[reported["key"].map(is_held_out_title) & (reported["key"] != "")]
    socs = soc_of(ref)
    return frozenset(held["key"]), LabelledTexts(
        held["Reported Job Title"].tolist(), [socs[c] for c in held[CODE]], held[CODE].tolist())


def distillation_texts(ref: ReferenceTexts, extra_words: int = 0) -> tuple[list[str], list[str]]:
    """Return (titles, vocabulary) to distill word vectors from (``word_vectors.distill``).

    Titles are the normalized training titles without the held-out reported ones, so that
    the development split stays unseen, and without the classifier's calibration groups
    (``estimator.is_calibration_group``), so that it weighs and calibrates the vectors'
    cosines on titles they were not fitted to; the vocabulary is every word of the normalized
    training texts plus the ``extra_words`` most common English words. The BLS Direct Match
    Titles are not read.
    """
    held_keys, _ = reported_split(ref)
    data = build_training_set(ref)
    normalized = [normalize_text(text) for text in data.texts]
    titles = sorted({key for key, kind in zip(normalized, data.kinds, strict=True)
                     if kind != "task" and kind != "description" and key
                     and key not in held_keys
                     and not is_calibration_group(calibration_group(key))})
    vocabulary = {word for text in normalized for word in text.split()}
    if extra_words:
        from wordfreq import top_n_list

        common = (w for w in top_n_list("en", extra_words) if w.isalpha())
        vocabulary.update(word for w in common for word in normalize_text(w).split())
    return titles, sorted(vocabulary)


def synthetic_resumes(ref: ReferenceTexts, n: int = 400, seed: int = 0) -> LabelledTexts:
    """Return SYNTHETIC resume-like texts, each made of 2-4 held-out tasks of one occupation."""
    tasks = ref.tasks[ref.tasks["Task ID"].map(is_held_out_task)]
    by_code = {code: group["Task"].tolist() for code, group in tasks.groupby(CODE)
               if len(group) >= 2}
    rng = random.Random(seed)
    codes = sorted(by_code)
    chosen = [rng.choice(codes) for _ in range(n)]
    socs = soc_of(ref)
    texts = []
    for code in chosen:
        picked = rng.sample(by_code[code], min(len(by_code[code]), rng.randint(2, 4)))
        texts.append("Work experience\n" + "\n".join(f"- {task}" for task in picked))
    return LabelledTexts(texts, [socs[c] for c in chosen], chosen)


def soc_probabilities(proba: np.ndarray, classes, socs: dict[str, str]):
    """Score SOC codes by their best O*NET code; return (soc labels, matrix).

    The maximum, not the sum: a SOC code with many O*NET children ("All Other" groups)
    would otherwise collect the flat tail of the distribution and outrank better matches.
    """
    soc_labels = np.array([socs.get(c, str(c)[:7]) for c in classes])
    unique, inverse = np.unique(soc_labels, return_inverse=True)
    best = np.zeros((proba.shape[0], len(unique)))
    np.maximum.at(best.T, inverse, proba.T)
    return unique, best


def _topk_hits(labels: np.ndarray, matrix: np.ndarray, gold: list[str], k: int) -> float:
    top = np.argsort(-matrix, axis=1)[:, :k]
    return float(np.mean([g in labels[row] for g, row in zip(gold, top, strict=True)]))


def expected_calibration_error(confidence, correct, bins: int = 15) -> float:
    """Return the expected calibration error of top-1 confidences (equal-width bins)."""
    confidence, correct = np.asarray(confidence), np.asarray(correct, dtype=float)
    edges = np.linspace(0, 1, bins + 1)
    index = np.clip(np.digitize(confidence, edges[1:-1]), 0, bins - 1)
    error = 0.0
    for b in range(bins):
        mask = index == b
        if mask.any():
            error += mask.mean() * abs(confidence[mask].mean() - correct[mask].mean())
    return float(error)


def precision_threshold(confidence, correct, target: float = TARGET_PRECISION) -> dict:
    """Return the lowest score threshold whose answered inputs reach ``target`` precision."""
    confidence, correct = np.asarray(confidence), np.asarray(correct, dtype=float)
    order = np.argsort(-confidence)
    precision = np.cumsum(correct[order]) / np.arange(1, len(order) + 1)
    ok = np.flatnonzero(precision >= target)
    if not len(ok):
        return {"threshold": None, "precision": None, "answered": 0.0}
    last = ok[-1]
    return {"threshold": round(float(confidence[order][last]), 4),
            "precision": round(float(precision[last]), 4),
            "answered": round((last + 1) / len(order), 4)}


def score_set(classifier: OccupationClassifier, data: LabelledTexts, socs: dict[str, str],
              proba: np.ndarray | None = None) -> dict:
    """Return top-1/top-5 accuracy (detailed SOC and major group), ECE and threshold."""
    if proba is None:
        proba = classifier.predict_proba(data.texts)
    labels, by_soc = soc_probabilities(proba, classifier.classes_, socs)
    majors, by_major = soc_probabilities(by_soc, labels, {s: s[:2] for s in labels})
    gold_major = [s[:2] for s in data.socs]
    confidence = by_soc.max(axis=1)
    correct = labels[by_soc.argmax(axis=1)] == np.asarray(data.socs)
    result = {
        "n": len(data.texts),
        "top1": round(_topk_hits(labels, by_soc, data.socs, 1), 4),
        "top5": round(_topk_hits(labels, by_soc, data.socs, 5), 4),
        "major_top1": round(_topk_hits(majors, by_major, gold_major, 1), 4),
        "major_top5": round(_topk_hits(majors, by_major, gold_major, 5), 4),
        "ece": round(expected_calibration_error(confidence, correct), 4),
        "precision_threshold": precision_threshold(confidence, correct),
    }
    if data.codes is not None:
        result["onet_top1"] = round(float(np.mean(
            classifier.classes_[proba.argmax(axis=1)] == np.asarray(data.codes))), 4)
    return result


def evaluate_engine(settings, progress: bool = False, include_reported: bool = True) -> dict:
    """Evaluate the production engine on all three sets; returns a JSON-ready report."""
    from jobatlas.engine import engine_version, load_engine

    engine = load_engine(settings, progress=progress)
    folder, _ = engine_version(settings)
    ref = load_reference_texts(folder=folder, data_dir=settings.data_dir)
    training_titles = build_training_set(ref, include_text=False).title_keys()
    dmtf = direct_match_titles(training_titles, settings.data_dir)
    report = {
        "model_version": engine.model_version,
        "dmtf_unseen": score_set(engine.classifier, dmtf, engine.socs),
        "synthetic_resumes (SYNTHETIC)": score_set(
            engine.classifier, synthetic_resumes(ref), engine.socs),
    }
    if include_reported:
        report["reported_held_out"] = evaluate_reported(ref)
    return report


def evaluate_reported(ref: ReferenceTexts, classifier_params: dict | None = None) -> dict:
    """Train without the held-out reported titles (with the production model's employment
    prior unless ``classifier_params`` says otherwise), then score on them."""
    held_keys, held = reported_split(ref)
    data = build_training_set(ref, exclude_titles=held_keys)
    log.info("training the held-out-titles model on %d texts", len(data.texts))
    model = OccupationClassifier(**{"class_prior": employment_prior(ref),
                                    **(classifier_params or {})})
    model.fit(data.texts, data.labels, data.weights)
    return score_set(model, held, soc_of(ref))


def format_report(report: dict) -> str:
    """Return the evaluation report as an aligned text table."""
    rows = []
    for name, result in report.items():
        if not isinstance(result, dict):
            continue
        threshold = result["precision_threshold"]
        rows.append({
            "set": name, "n": result["n"], "top1": result["top1"], "top5": result["top5"],
            "major top1": result["major_top1"], "major top5": result["major_top5"],
            "ECE": result["ece"],
            f"threshold (P>={TARGET_PRECISION:.0%})": threshold["threshold"],
            "answered": threshold["answered"],
        })
    table = pd.DataFrame(rows).to_string(index=False)
    return f"model {report.get('model_version', '?')}\n{table}"
