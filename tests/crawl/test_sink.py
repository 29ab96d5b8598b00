"""The sink: batches, classification hand-off and counts, on a real SQLite repository."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from jobatlas.crawl.sink import PostingSink
from jobatlas.postings.records import Posting
from jobatlas.sources.parsed import ParsedPosting
from jobatlas.storage import PostingRepository, make_engine, upgrade


@dataclass
class Match:
    code: str
    score: float


def keyword_classify(texts: list[str]) -> list[list[Match]]:
    """A tiny stand-in rule: cooks are 35-2014.00, everything else 53-7062.00."""
    return [
        [Match("35-2014.00", 0.9), Match("35-2021.00", 0.1)]
        if "cook" in t.lower()
        else [Match("53-7062.00", 0.8)]
        for t in texts
    ]


@pytest.fixture
def repository(sqlite_database_url):
    upgrade(sqlite_database_url)
    engine = make_engine(sqlite_database_url)
    yield PostingRepository(engine)
    engine.dispose()


def _parsed(i: int, title: str = "Line cook") -> ParsedPosting:
    body = f"Cook breakfast orders on the line, shift {i}, reference {i * 7919} unique words {i}"
    posting = Posting(source="craigslist", source_id=str(7_000_000_000 + i),
                      url=f"https://boston.craigslist.org/fbh/d/x/{7_000_000_000 + i}.html",
                      title=f"{title} {i}", body=body)
    return ParsedPosting(posting, [])


def test_sink_stores_in_batches_and_classifies(repository):
    flushes = []
    sink = PostingSink(repository, keyword_classify, "rules-1", batch_size=3,
                       on_flush=lambda counts: flushes.append(counts.new + counts.duplicate))
    for i in range(7):
        sink.add(_parsed(i))
    assert repository.known_ids("craigslist", [str(7_000_000_000 + i) for i in range(7)]) == {
        str(7_000_000_000 + i) for i in range(6)
    }
    sink.flush()
    assert flushes == [3, 6, 7]
    assert sink.counts.classified == 7
    stored = repository.search(limit=10, include_duplicates=True, max_rank=None)
    assert {o.code for s in stored for o in s.occupations} == {"35-2014.00", "35-2021.00"}
    assert all(s.posting.model_version == "rules-1" for s in stored)


def test_failures_are_counted_by_field_not_stored(repository):
    sink = PostingSink(repository, None)
    sink.add(ParsedPosting(None, ["title", "body"]))
    sink.add(_parsed(1))
    sink.flush()
    assert sink.counts.parse_failures == 1
    assert sink.counts.missing_fields == {"title": 1, "body": 1}
    assert sink.counts.new == 1 and sink.counts.classified == 0


def test_seeing_a_posting_again_updates_it(repository):
    sink = PostingSink(repository, None)
    sink.add(_parsed(1))
    sink.flush()
    sink.add(_parsed(1))
    sink.flush()
    assert (sink.counts.new, sink.counts.updated) == (1, 1)


def picky_classify(texts: list[str]) -> list[list[Match]]:
    """Refuse the whole batch when any text lacks letters, as the engine's InputError does."""
    if any(not any(c.isalpha() for c in t) for t in texts):
        raise ValueError("text has no words")
    return keyword_classify(texts)


def test_one_unclassifiable_text_does_not_sink_the_batch(repository):
    sink = PostingSink(repository, picky_classify, "rules-1")
    sink.add(_parsed(1))
    odd = Posting(source="craigslist", source_id="7000009999", url="https://x.test/9.html",
                  title="1234", body="")
    sink.add(ParsedPosting(odd, ["body"]))
    sink.flush()
    assert (sink.counts.classified, sink.counts.unclassifiable, sink.counts.new) == (1, 1, 2)
