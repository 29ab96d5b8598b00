"""Clean, classify and store parsed postings in batches; count what happened (no Scrapy here)."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from jobatlas.postings.records import OccupationCode, Posting
from jobatlas.sources.parsed import ParsedPosting

logger = logging.getLogger(__name__)

# texts -> one ranked match list per text; each match has ``.code`` and ``.score``.
Classify = Callable[[list[str]], Sequence[Sequence[object]]]


@dataclass
class SinkCounts:
    """What the sink did with the postings it was given."""

    new: int = 0
    updated: int = 0
    duplicate: int = 0
    classified: int = 0
    parse_failures: int = 0
    missing_fields: Counter = field(default_factory=Counter)
    store_errors: int = 0
    unclassifiable: int = 0


class PostingSink:
    """Buffer postings, then classify and upsert them ``batch_size`` at a time.

    Cleaning (pay, location, employment type, fingerprint) happens inside
    ``PostingRepository.upsert``, the one place every source's postings pass through.

    ``classify`` is injected so the sink works with the trained engine, or with none at all
    (postings are then stored without occupations).
    """

    def __init__(
        self,
        repository,
        classify: Classify | None = None,
        model_version: str | None = None,
        batch_size: int = 200,
        top_k: int = 3,
        on_flush: Callable[[SinkCounts], None] | None = None,
    ):
        self.repository = repository
        self.classify = classify
        self.model_version = model_version
        self.batch_size = batch_size
        self.top_k = top_k
        self.on_flush = on_flush
        self.counts = SinkCounts()
        self.flush_seconds = 0.0
        self._buffer: list[Posting] = []

    def add(self, parsed: ParsedPosting) -> None:
        """Take one parsed page; failures are counted by field, good postings buffered."""
        self.counts.missing_fields.update(parsed.missing)
        if parsed.posting is None:
            self.counts.parse_failures += 1
            return
        self._buffer.append(parsed.posting)
        if len(self._buffer) >= self.batch_size:
            self.flush()

    def flush(self) -> None:
        """Classify and store the buffered postings."""
        if not self._buffer:
            return
        batch, self._buffer = self._buffer, []
        started = time.perf_counter()
        if self.classify is not None:
            self._classify(batch)
        result = self.repository.upsert(batch)
        self.counts.new += result.new
        self.counts.updated += result.updated
        self.counts.duplicate += result.duplicate
        self.counts.store_errors += len(result.rejected)
        for rejection in result.rejected:
            logger.warning("not stored: %s %s: %s", rejection.source, rejection.source_id,
                           rejection.reason)
        self.flush_seconds += time.perf_counter() - started
        if self.on_flush:
            self.on_flush(self.counts)

    def _classify(self, postings: list[Posting]) -> None:
        texts = [f"{p.title}\n{p.body}".strip() for p in postings]
        try:
            ranked = self.classify(texts)
        except ValueError:  # the engine's InputError: one bad text fails the whole batch
            ranked = [self._classify_one(text) for text in texts]
        for posting, matches in zip(postings, ranked, strict=True):
            if not matches:
                continue
            posting.occupations = [
                OccupationCode(code=m.code, score=float(m.score), rank=rank)
                for rank, m in enumerate(list(matches)[: self.top_k], start=1)
            ]
            posting.model_version = self.model_version
            self.counts.classified += 1

    def _classify_one(self, text: str) -> list:
        try:
            return list(self.classify([text])[0])
        except ValueError as exc:
            self.counts.unclassifiable += 1
            logger.warning("cannot classify a posting: %s", exc)
            return []
