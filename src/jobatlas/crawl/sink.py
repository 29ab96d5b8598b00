"""Clean, classify and store parsed postings in batches; count what happened (no Scrapy here)."""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from jobatlas.crawl.classification import BackgroundClassifier, Classify, rank_codes
from jobatlas.postings.records import Posting
from jobatlas.sources.parsed import ParsedPosting

logger = logging.getLogger(__name__)


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
    (postings are then stored without occupations). With ``background`` instead, postings are
    stored unclassified and handed to that worker process, which classifies them while the
    crawl goes on; :meth:`finish` waits for it.
    """

    def __init__(
        self,
        repository,
        classify: Classify | None = None,
        model_version: str | None = None,
        batch_size: int = 200,
        top_k: int = 3,
        on_flush: Callable[[SinkCounts], None] | None = None,
        background: BackgroundClassifier | None = None,
    ):
        self.repository = repository
        self.classify = classify
        self.model_version = model_version
        self.batch_size = batch_size
        self.top_k = top_k
        self.on_flush = on_flush
        self.background = background
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
        if self.background is not None:
            stored = [(i, _text(p)) for i, p in zip(result.ids, batch, strict=True) if i]
            self.background.submit([i for i, _ in stored], [text for _, text in stored])
        self.flush_seconds += time.perf_counter() - started
        if self.on_flush:
            self.on_flush(self.counts)

    def finish(self) -> None:
        """Store what is buffered and wait for the background classifier, if any."""
        self.flush()
        if self.background is not None:
            done = self.background.close()
            self.counts.classified += done.classified
            self.counts.unclassifiable += done.unclassifiable

    def _classify(self, postings: list[Posting]) -> None:
        codes, failed = rank_codes(self.classify, [_text(p) for p in postings], self.top_k)
        self.counts.unclassifiable += failed
        for posting, ranked in zip(postings, codes, strict=True):
            if ranked:
                posting.occupations = ranked
                posting.model_version = self.model_version
                self.counts.classified += 1


def _text(posting: Posting) -> str:
    return f"{posting.title}\n{posting.body}".strip()
