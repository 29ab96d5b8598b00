"""Classify stored postings in a separate process, in large batches, while the crawl goes on.

Classifying costs far more CPU than fetching, parsing and storing; done inline it kept the
crawl on one core. The crawl process stores postings unclassified and hands their ids and
texts over a queue; this worker classifies them with the engine's batch path and writes the
codes with :meth:`PostingRepository.set_occupations`. Postings stored unclassified before the
crawl started (an interrupted crawl, a ``--no-classify`` one) are classified too, so a resumed
crawl ends with every posting classified.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from jobatlas.config import Settings
from jobatlas.postings.records import OccupationCode

logger = logging.getLogger(__name__)

# texts -> one ranked match list per text; each match has ``.code`` and ``.score``.
Classify = Callable[[list[str]], Sequence[Sequence[object]]]
# settings -> (classify, model version); must be picklable (the worker is spawned)
ClassifierFactory = Callable[[Settings], tuple[Classify, str | None]]
WORKER_BATCH = 1000  # texts per engine call: big batches amortize the per-call cost
_POLL_SECONDS = 1.0


class ClassificationError(RuntimeError):
    """Raised when the classifying worker fails or dies."""


@dataclass
class ClassifiedCounts:
    """What the worker did."""

    classified: int = 0
    unclassifiable: int = 0
    cpu_seconds: float = 0.0


def rank_codes(
    classify: Classify, texts: list[str], top_k: int
) -> tuple[list[list[OccupationCode]], int]:
    """Return the ``top_k`` codes of each text and how many texts could not be classified.

    The engine refuses a whole batch when one text is bad (``InputError``, a ``ValueError``);
    the texts are then classified one by one so only the bad ones go without codes.
    """
    try:
        ranked = list(classify(texts))
    except ValueError:
        ranked = [_classify_one(classify, text) for text in texts]
    codes = [
        [
            OccupationCode(code=m.code, score=float(m.score), rank=rank)
            for rank, m in enumerate(list(matches or [])[:top_k], start=1)
        ]
        for matches in ranked
    ]
    return codes, sum(1 for matches in ranked if matches is None)


def _classify_one(classify: Classify, text: str):
    try:
        return list(classify([text])[0])
    except ValueError as exc:
        logger.warning("cannot classify a posting: %s", exc)
        return None


class BackgroundClassifier:
    """A worker process that classifies stored postings handed to it with :meth:`submit`.

    ``pending_up_to`` is the highest posting id stored before the crawl began: unclassified
    postings up to it are classified first. Call :meth:`close` to wait for the last batch.
    """

    def __init__(
        self,
        settings: Settings,
        factory: ClassifierFactory,
        pending_up_to: int = 0,
        top_k: int = 3,
        batch_size: int = WORKER_BATCH,
    ):
        self.settings = settings
        self.factory = factory
        self.pending_up_to = pending_up_to
        self.top_k = top_k
        self.batch_size = batch_size
        self.cpu_seconds = 0.0  # the worker's, once closed
        self._process = None
        self._inbox = None
        self._outbox = None

    def start(self) -> BackgroundClassifier:
        """Start the worker (it loads the classifier itself, so the caller never blocks)."""
        context = multiprocessing.get_context("spawn")
        self._inbox, self._outbox = context.Queue(), context.Queue()
        options = (self.pending_up_to, self.top_k, self.batch_size)
        self._process = context.Process(
            target=worker_main,
            args=(self.settings, self.factory, options, self._inbox, self._outbox),
            daemon=True,  # never outlives the crawl process
        )
        self._process.start()
        return self

    def submit(self, ids: list[int], texts: list[str]) -> None:
        """Queue stored postings for classification."""
        if ids:
            self._inbox.put((list(ids), list(texts)))

    def close(self) -> ClassifiedCounts:
        """Wait until everything submitted is classified and stored; return the counts."""
        self._inbox.put(None)
        while True:
            try:
                kind, payload = self._outbox.get(timeout=_POLL_SECONDS)
                break
            except queue.Empty:
                if not self._process.is_alive() and self._outbox.empty():
                    code = self._process.exitcode
                    raise ClassificationError(f"classifier exited with code {code}") from None
        self._process.join()
        if kind == "error":
            raise ClassificationError(payload)
        counts = ClassifiedCounts(**payload)
        self.cpu_seconds = counts.cpu_seconds
        return counts


def worker_main(settings: Settings, factory: ClassifierFactory, options, inbox, outbox) -> None:
    """Classify what arrives on ``inbox`` until told to stop; report on ``outbox``."""
    try:
        counts = _work(settings, factory, options, inbox)
    except BaseException:  # the crawl process must hear about any failure
        outbox.put(("error", traceback.format_exc()))
        raise
    outbox.put(("done", counts.__dict__))


def _work(settings: Settings, factory: ClassifierFactory, options, inbox) -> ClassifiedCounts:
    from jobatlas.storage import PostingRepository, make_engine

    pending_up_to, top_k, batch_size = options
    classify, version = factory(settings)
    if not isinstance(version, str) or not version:
        raise ClassificationError(f"the classifier factory gave no model version: {version!r}")
    engine = make_engine(settings.database_url)
    try:
        job = _Job(PostingRepository(engine), classify, version, top_k)
        job.sweep(pending_up_to, batch_size)
        for ids, texts in _batches(inbox, batch_size):
            job.run(ids, texts)
    finally:
        engine.dispose()
    job.counts.cpu_seconds = round(time.process_time(), 3)
    return job.counts


class _Job:
    def __init__(self, repository, classify: Classify, version: str, top_k: int):
        self.repository = repository
        self.classify = classify
        self.version = version
        self.top_k = top_k
        self.counts = ClassifiedCounts()
        self.done: set[int] = set()  # a posting swept and then stored again counts once

    def sweep(self, up_to: int, batch_size: int) -> None:
        after = 0
        while after < up_to:
            pending = self.repository.postings_missing_classification(
                limit=batch_size, after_id=after, up_to_id=up_to
            )
            if not pending:
                return
            after = pending[-1].id
            texts = [f"{s.posting.title}\n{s.posting.body}".strip() for s in pending]
            self.run([s.id for s in pending], texts)

    def run(self, ids: list[int], texts: list[str]) -> None:
        codes, failed = rank_codes(self.classify, texts, self.top_k)
        assignments = {i: c for i, c in zip(ids, codes, strict=True) if c}
        self.repository.set_occupations(assignments, self.version)
        self.counts.classified += len(assignments.keys() - self.done)
        self.counts.unclassifiable += failed
        self.done.update(assignments)


def _batches(inbox, size: int):
    """Yield ``(ids, texts)`` of up to about ``size`` postings: what is waiting, or one item."""
    finished = False
    while not finished:
        item = _get(inbox)
        if item is None:
            return
        ids, texts = item
        while len(ids) < size:
            try:
                more = inbox.get_nowait()
            except queue.Empty:
                break
            if more is None:
                finished = True
                break
            ids, texts = ids + more[0], texts + more[1]
        yield ids, texts


def _get(inbox):
    # Poll so a worker whose crawl process was killed notices and exits.
    parent = multiprocessing.parent_process()
    while True:
        try:
            return inbox.get(timeout=_POLL_SECONDS)
        except queue.Empty:
            if parent is not None and not parent.is_alive():
                raise ClassificationError("the crawl process is gone") from None
