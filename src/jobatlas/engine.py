"""The occupation engine: load (or train) the classifier once and code any job text.

Texts longer than ``MAX_CHARS`` (100,000 characters) are truncated to their first
``MAX_CHARS`` characters before classification; the rest is ignored.
"""

from __future__ import annotations

import gc
import logging
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import numpy as np

from jobatlas.artifacts import artifact_path, load_artifact, model_version, save_artifact
from jobatlas.classifier.estimator import OccupationClassifier
from jobatlas.classifier.kernels import top_k_rows
from jobatlas.classifier.text import clean_markup, fold_accents, title_lines
from jobatlas.classifier.training import (
    build_training_set,
    employment_prior,
    load_reference_texts,
    soc_of,
)
from jobatlas.config import Settings
from jobatlas.reference.files import resolve_onet_dir

log = logging.getLogger(__name__)

MAX_CHARS = 100_000
# A line this short on a resume or posting is likely a job title worth classifying alone.
TITLE_LINE_WORDS = 10
MAX_TITLE_LINES = 24
_CHUNK = 2048
_WORD = re.compile(r"[^\W\d_]{2,}")
_LATIN_WORD = re.compile(r"[A-Za-z]{2,}")


class InputError(ValueError):
    """A text that cannot be classified (empty, not text)."""


# Not frozen: a frozen dataclass's __init__ costs three times as much, and a batch of 10,000
# titles makes 100,000 matches.
@dataclass(slots=True)
class OccupationMatch:
    """One occupation suggested for a text, with its calibrated score and supporting words."""

    code: str
    soc: str
    title: str
    score: float
    evidence: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        """Return the JSON form used by the CLI and the API."""
        return {"code": self.code, "soc": self.soc, "title": self.title,
                "score": round(self.score, 4), "evidence": list(self.evidence)}


def check_text(text: object) -> str:
    """Return ``text`` ready to classify (truncated to ``MAX_CHARS``) or raise ``InputError``."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InputError("text is binary data, not UTF-8 text") from exc
    if not isinstance(text, str):
        raise InputError(f"text must be a string, got {type(text).__name__}")
    if not text.strip():
        raise InputError("text is empty")
    text = text[:MAX_CHARS]
    if "\x00" in text or _control_share(text) > 0.1:
        raise InputError("text looks like binary data, not language")
    cleaned = clean_markup(text)
    if not _WORD.search(cleaned):
        raise InputError("text has no words to classify")
    # The model reads English: letters of other scripts give it nothing to go on, and an
    # answer from nothing would look like a real one.
    if not _LATIN_WORD.search(fold_accents(cleaned)):
        raise InputError("text has no words in the Latin alphabet; jobatlas reads English "
                         "job text")
    return text


def _control_share(text: str) -> float:
    sample = text[:2000]
    bad = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\n\r\t") or ch == "\ufffd")
    return bad / len(sample)


def classification_units(text: str) -> list[str]:
    """Return the whole text plus its title-like lines (each past job on a resume)."""
    if "\n" not in text.strip() and len(text.split()) <= 3 * TITLE_LINE_WORDS:
        return [text]
    heads = title_lines(text, TITLE_LINE_WORDS)
    return [text, *dict.fromkeys(heads[:MAX_TITLE_LINES])]


class OccupationEngine:
    """A trained classifier plus the occupation titles and SOC codes it reports."""

    def __init__(self, classifier: OccupationClassifier, titles: dict[str, str],
                 socs: dict[str, str], model_version: str):
        self.classifier = classifier
        self.titles = titles
        self.socs = socs
        self.model_version = model_version
        self._codes = np.asarray(classifier.classes_)

    def classify(self, text: str, top_k: int = 10) -> list[OccupationMatch]:
        """Return the ``top_k`` most likely occupations of one text, best first."""
        return self.classify_many([text], top_k=top_k)[0]

    def classify_many(self, texts: Sequence[str], top_k: int = 10,
                      with_evidence: bool = True) -> list[list[OccupationMatch]]:
        """Return the ``top_k`` occupations of each text; any bad text raises ``InputError``.

        ``with_evidence=False`` leaves every match's evidence empty, for callers that store
        only codes and scores (the crawl): finding the words costs about a third of a batch.
        """
        if isinstance(top_k, bool) or not isinstance(top_k, int | np.integer) or top_k < 1:
            raise InputError(f"top_k must be a whole number of at least 1, got {top_k!r}")
        checked = [check_text(text) for text in texts]
        results: list[list[OccupationMatch]] = []
        units: list[str] = []
        counts: list[int] = []
        for text in checked:
            pieces = classification_units(text)
            units.extend(pieces)
            counts.append(len(pieces))
            # Bound the dense probability matrix (units x occupations) held at once.
            if len(units) >= _CHUNK:
                results.extend(self._classify_units(units, counts, top_k, with_evidence))
                units, counts = [], []
        if units:
            results.extend(self._classify_units(units, counts, top_k, with_evidence))
        return results

    def _classify_units(self, units: list[str], counts: list[int], top_k: int,
                        with_evidence: bool = True):
        features, normalized = self.classifier.featurize(units, return_normalized=True)
        proba = self.classifier.proba_from_features(features, normalized)
        starts = np.cumsum([0, *counts[:-1]]).tolist()
        # A line of a resume that holds no word the model knows ("Maria Gonzalez", the name
        # on top) names no job, though its letters still score some occupation (Sailors and
        # Marine Oilers, 0.10): it gets no say. The whole text always keeps its own.
        known = self.classifier.words_
        for start, count in zip(starts, counts, strict=True):
            for unit in range(start + 1, start + count):
                if known.isdisjoint(normalized[unit].split()):
                    proba[unit] = 0.0
        picks = _top_classes(proba, starts, counts, top_k)
        # Evidence for each occupation comes from the unit (whole text or one title line)
        # that scored it best; all of the batch's evidence is looked up in one call.
        wanted: list[list[int]] = [[] for _ in units]
        for (top, best_unit, _), start in zip(picks, starts, strict=True):
            for cls, unit in zip(top, best_unit, strict=True):
                wanted[start + unit].append(cls)
        found = (self.classifier.evidence_many(features, units, wanted, normalized=normalized)
                 if with_evidence else [[[] for _ in classes] for classes in wanted])
        # Each unit's evidence lists come in the order its classes were appended above.
        lists = [iter(unit_lists) for unit_lists in found]
        meta = self._meta
        return [[OccupationMatch(*meta[cls], score, next(lists[start + unit]))
                 for cls, unit, score in zip(top, best_unit, scores, strict=True)]
                for (top, best_unit, scores), start in zip(picks, starts, strict=True)]

    @cached_property
    def _meta(self) -> list[tuple[str, str, str]]:
        """Code, SOC code and title of every class index, as matches report them."""
        codes = [str(code) for code in self._codes]
        return [(code, self.socs.get(code, code[:7]), self.titles.get(code, ""))
                for code in codes]


def _top_classes(proba: np.ndarray, starts: list[int], counts: list[int], top_k: int):
    """Return, per text (``counts[i]`` units of ``proba`` from ``starts[i]``), its best
    classes over its units (best first), each one's best unit and each one's score, as lists.

    A class's score is its best over the text's units. Texts of one unit (titles) are
    ranked together in one vectorized pass.
    """
    k = min(top_k, proba.shape[1])
    single = np.asarray(counts) == 1
    picks: list = [None] * len(counts)
    if single.any():
        top, top_scores = top_k_rows(proba, np.asarray(starts)[single], k)
        top, top_scores = top.tolist(), top_scores.tolist()
        zeros = [0] * k
        for i, classes, scores in zip(np.flatnonzero(single).tolist(), top, top_scores,
                                      strict=True):
            picks[i] = (classes, zeros, scores)
    for i in np.flatnonzero(~single).tolist():
        block = proba[starts[i]:starts[i] + counts[i]]
        top, top_scores = top_k_rows(block.max(axis=0)[None, :], [0], k)
        picks[i] = (top[0].tolist(), block[:, top[0]].argmax(axis=0).tolist(),
                    top_scores[0].tolist())
    return picks


def engine_version(settings: Settings) -> tuple[Path, str]:
    """Return the O*NET folder the engine learns from and the model version for it."""
    folder = resolve_onet_dir(settings.data_dir, cache_dir=settings.cache_dir)
    return folder, model_version(folder.name)


def train_engine(settings: Settings, progress: bool = False) -> Path:
    """Train the classifier on the active O*NET release and save it into the model cache."""
    folder, version = engine_version(settings)
    with _progress(progress) as bar:
        task = bar.add_task(f"Training occupation model {version}", total=3)
        ref = load_reference_texts(folder=folder, data_dir=settings.data_dir)
        data = build_training_set(ref)
        bar.advance(task)
        prior = employment_prior(ref, data_dir=settings.data_dir)
        classifier = OccupationClassifier(class_prior=prior).fit(
            data.texts, data.labels, data.weights)
        bar.advance(task)
        bundle = {
            "classifier": classifier,
            "titles": dict(zip(ref.occupations["O*NET-SOC Code"], ref.occupations["Title"],
                               strict=True)),
            "socs": soc_of(ref),
            "model_version": version,
        }
        path = save_artifact(bundle, artifact_path(settings.cache_dir, version))
        bar.advance(task)
    log.info("saved occupation model %s to %s", version, path)
    return path


def _progress(enabled: bool):
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                    disable=not enabled, transient=False)


_lock = threading.Lock()
_loaded: dict[tuple[str, str], OccupationEngine] = {}


def load_engine(settings: Settings | None = None, progress: bool = False) -> OccupationEngine:
    """Return the process-wide engine for these settings, training it on first use.

    Engines are cached per process by model cache folder and model version, so a server
    loads the model once, never per request.
    """
    settings = settings or Settings.from_env()
    _, version = engine_version(settings)
    key = (str(Path(settings.cache_dir).resolve()), version)
    with _lock:
        if key not in _loaded:
            _loaded[key] = _read_engine(settings, version, progress)
            # The model's objects live as long as the process: moved out of the cyclic
            # collector's view, they are no longer walked by every full collection. A batch
            # of 10,000 titles makes 100,000 matches and triggers many; building them took
            # 0.26 s with the model in view and 0.06 s without.
            gc.freeze()
        return _loaded[key]


def _read_engine(settings: Settings, version: str, progress: bool) -> OccupationEngine:
    path = artifact_path(settings.cache_dir, version)
    if not path.exists():
        log.info("no occupation model %s in %s; training it now", version, path.parent)
        train_engine(settings, progress=progress)
    bundle = load_artifact(path)
    return OccupationEngine(bundle["classifier"], bundle["titles"], bundle["socs"],
                            bundle["model_version"])


def classify_records(records: Iterable[object], engine: OccupationEngine, top_k: int = 10,
                     chunk_size: int = 512):
    """Yield one output object per input record, in order, classifying in batches.

    A record is a dict with ``id`` and ``title`` and/or ``text``; a record that is not one,
    or whose text cannot be classified, yields ``{"id": ..., "error": ...}`` (``{"line": n,
    "error": ...}`` without an id; ``n`` counts records from 1). Anything else yields
    ``{"id": ..., "occupations": [...]}``.
    """
    batch: list[tuple[int, object, str | None, str | dict]] = []
    for number, record in enumerate(records, start=1):
        batch.append(_prepare_record(number, record))
        if len(batch) >= chunk_size:
            yield from _classify_batch(batch, engine, top_k)
            batch = []
    yield from _classify_batch(batch, engine, top_k)


def _prepare_record(number: int, record: object):
    if isinstance(record, Exception):
        return number, None, None, str(record)
    if not isinstance(record, dict):
        return number, None, None, "record is not a JSON object"
    if record.get("id") is None:
        return number, None, None, "record has no id"
    parts = [record.get(key) for key in ("title", "text")]
    if any(p is not None and not isinstance(p, str) for p in parts):
        return number, record["id"], None, "title and text must be strings"
    text = "\n".join(p for p in parts if p and p.strip())
    try:
        return number, record["id"], check_text(text), None
    except InputError as exc:
        return number, record["id"], None, f"no classifiable title or text: {exc}"


def _classify_batch(batch, engine: OccupationEngine, top_k: int):
    good = [item for item in batch if item[3] is None]
    results = iter(engine.classify_many([item[2] for item in good], top_k=top_k) if good else [])
    for number, record_id, _text, error in batch:
        if error is not None:
            yield {"line": number, "error": error} if record_id is None else {
                "id": record_id, "error": error}
        else:
            yield {"id": record_id, "occupations": [m.to_dict() for m in next(results)]}
