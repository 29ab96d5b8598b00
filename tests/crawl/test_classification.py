"""The background classifier: a worker process classifying stored postings in batches."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from jobatlas.config import Settings
from jobatlas.crawl.classification import (
    BackgroundClassifier,
    ClassificationError,
    rank_codes,
)
from jobatlas.crawl.sink import PostingSink
from jobatlas.postings.records import Posting
from jobatlas.sources.parsed import ParsedPosting
from jobatlas.storage import PostingRepository, make_engine, upgrade


@dataclass
class Match:
    code: str
    score: float


def keyword_classify(texts: list[str]) -> list[list[Match]]:
    """Cooks are 35-2014.00, everything else 53-7062.00; a text without letters is refused."""
    if any(not any(c.isalpha() for c in t) for t in texts):
        raise ValueError("text has no words")
    return [
        [Match("35-2014.00", 0.9), Match("35-2021.00", 0.1)]
        if "cook" in t.lower()
        else [Match("53-7062.00", 0.8)]
        for t in texts
    ]


def keyword_factory(settings):
    return keyword_classify, "rules-1"


def unversioned_factory(settings):
    return keyword_classify, None


@pytest.fixture
def settings(sqlite_database_url, tmp_path):
    upgrade(sqlite_database_url)
    return Settings(database_url=sqlite_database_url, cache_dir=tmp_path / "cache")


@pytest.fixture
def repository(settings):
    engine = make_engine(settings.database_url)
    yield PostingRepository(engine)
    engine.dispose()


def _posting(i: int, title: str = "Line cook") -> Posting:
    source_id = str(7_000_000_000 + i)
    return Posting(
        source="craigslist",
        source_id=source_id,
        url=f"https://boston.craigslist.org/fbh/d/x/{source_id}.html",
        title=f"{title} {i}",
        body=f"Morning shift {i}, fill orders, reference {i * 7919} words {i}",
    )


def test_rank_codes_keeps_the_top_k_and_skips_only_bad_texts():
    codes, failed = rank_codes(keyword_classify, ["Line cook", "1234", "Forklift driver"], 1)
    assert failed == 1
    assert [[(c.code, c.rank) for c in ranked] for ranked in codes] == [
        [("35-2014.00", 1)],
        [],
        [("53-7062.00", 1)],
    ]


def test_worker_classifies_submitted_and_earlier_pending_postings(settings, repository):
    earlier = repository.upsert([_posting(1), _posting(2, "Forklift driver")]).ids
    worker = BackgroundClassifier(settings, keyword_factory, pending_up_to=max(earlier))
    worker.start()
    later = repository.upsert([_posting(3), _posting(4, "1234")]).ids
    worker.submit(later, ["Line cook 3", "1234"])
    counts = worker.close()
    assert (counts.classified, counts.unclassifiable) == (3, 1)
    assert worker.cpu_seconds > 0
    stored = {i: repository.get(i) for i in earlier + later}
    assert [o.code for o in stored[earlier[0]].occupations] == ["35-2014.00", "35-2021.00"]
    assert [o.code for o in stored[earlier[1]].occupations] == ["53-7062.00"]
    assert {stored[i].posting.model_version for i in (*earlier, later[0])} == {"rules-1"}
    assert stored[later[1]].occupations == [] and stored[later[1]].posting.model_version is None


def test_a_posting_swept_and_submitted_counts_once(settings, repository):
    [posting_id] = repository.upsert([_posting(1)]).ids
    worker = BackgroundClassifier(settings, keyword_factory, pending_up_to=posting_id).start()
    worker.submit([posting_id], ["Line cook 1"])
    assert worker.close().classified == 1


def test_worker_failure_is_reported(settings, repository):
    repository.upsert([_posting(1)])
    worker = BackgroundClassifier(settings, unversioned_factory).start()
    with pytest.raises(ClassificationError, match="no model version"):
        worker.close()


def test_sink_hands_stored_postings_to_the_worker(settings, repository):
    worker = BackgroundClassifier(settings, keyword_factory).start()
    sink = PostingSink(repository, batch_size=2, background=worker)
    for i in range(5):
        sink.add(ParsedPosting(_posting(i), []))
    sink.finish()
    assert (sink.counts.new, sink.counts.classified) == (5, 5)
    assert repository.postings_missing_classification() == []
