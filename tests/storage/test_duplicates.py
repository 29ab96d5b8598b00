from __future__ import annotations

from datetime import UTC, datetime

from jobatlas.postings.clean.near_duplicates import comparable_shingles
from jobatlas.postings.clean.pipeline import clean_posting
from jobatlas.storage import PostingRepository
from jobatlas.storage.duplicates import Candidate, ShingleCache, _sharing_earlier

T1 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)


def _candidate(make_posting, number: int, kind: int) -> Candidate:
    posting = clean_posting(make_posting(number, kind=kind))
    shingles = comparable_shingles(posting.title, posting.body)
    return Candidate(index=number, posting=posting, shingles=shingles, band_keys=[])


def _cached(cache: ShingleCache, candidate: Candidate) -> set[bytes] | None:
    return cache.get(candidate.posting.fingerprint, candidate.posting.title)


def test_shingle_cache_drops_the_least_recently_used_beyond_its_budget(make_posting):
    a, b, c = (_candidate(make_posting, n, kind=n) for n in range(3))
    cache = ShingleCache(max_shingles=len(a.shingles) + len(b.shingles) + len(c.shingles) - 1)
    cache.add([a, b])
    assert _cached(cache, a) == a.shingles  # a is now used more recently than b
    cache.add([c])
    assert (_cached(cache, a), _cached(cache, b), _cached(cache, c)) == (
        a.shingles,
        None,
        c.shingles,
    )


def test_shingle_cache_needs_the_same_title(make_posting):
    # A stored row keeps its fingerprint when an update without a body retitles it.
    a = _candidate(make_posting, 1, kind=0)
    cache = ShingleCache()
    cache.add([a])
    assert cache.get(a.posting.fingerprint, "Another title") is None


def test_near_duplicates_link_with_and_without_cached_shingles(engine, make_posting):
    warm = PostingRepository(engine)
    first = make_posting(1)
    [first_id] = warm.upsert([first], seen_at=T1).ids
    cold = PostingRepository(engine)  # must read the original's text back from the database
    for repository, number in ((warm, 2), (cold, 3)):
        copy = make_posting(number, area="sacramento", body=first.body + f" Ask for desk {number}.")
        result = repository.upsert([copy], seen_at=T1)
        assert result.duplicate == 1
        assert repository.get(result.ids[0]).duplicate_of == first_id


def test_within_a_batch_only_candidates_sharing_two_keys_are_compared(make_posting):
    posting = make_posting(1)
    keys = [[1, 2, 3], [1, 9, 10], [1, 2, 11], []]
    candidates = [Candidate(n, posting, None, band_keys=k) for n, k in enumerate(keys)]
    sharing = [list(found) for found in _sharing_earlier(candidates)]
    assert sharing == [[], [], [0], []]
