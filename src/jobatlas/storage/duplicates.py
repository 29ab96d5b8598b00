"""Link new postings to the first stored copy of the same ad (repost or cross-post).

An exact match of the content fingerprint wins; otherwise stored MinHash band keys give
candidates, and the Jaccard similarity of their shingles decides. Only originals have band keys,
so an ad reposted a hundred times still yields one candidate. PostgreSQL keeps an original's
keys in ``postings.band_keys`` (GIN-indexed array), SQLite in ``posting_bands`` rows.
"""

from __future__ import annotations

from collections import Counter, OrderedDict, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain, pairwise

import numpy as np
from scipy import sparse
from sqlalchemy import Connection, func, select, text

from jobatlas.postings.clean import near_duplicates
from jobatlas.postings.clean.near_duplicates import (
    MIN_SHARED_BANDS,
    best_match,
    posting_shingles,
)
from jobatlas.postings.records import Posting
from jobatlas.storage.models import PostingBandRow, PostingRow
from jobatlas.storage.sql import matching

POSTINGS = PostingRow.__table__
BANDS = PostingBandRow.__table__


@dataclass
class Candidate:
    """A cleaned posting about to be stored, with its shingles and band keys."""

    index: int
    posting: Posting
    shingles: set[bytes] | None  # None: too little text to compare
    band_keys: list[int]
    original_id: int | None = None  # first stored copy, when this is a repost
    batch_parent: int | None = None  # position in the batch of an earlier copy

    @property
    def key(self) -> tuple[str, str]:
        return (self.posting.source, self.posting.source_id)


class ShingleCache:
    """Remember the shingles of recent postings by content, so stored ones need not be re-read.

    The key is the fingerprint plus the title: a stored row keeps its fingerprint when an
    update without a body changes only its title, and its shingles then come from the new title
    with the old body. Equal keys thus mean equal shingles; an entry is never stale.
    """

    def __init__(self, max_shingles: int = 500_000) -> None:
        # About 85 bytes a shingle: some 40 MB at most, a few thousand postings.
        self.max_shingles = max_shingles
        self._entries: OrderedDict[tuple[str, str], set[bytes]] = OrderedDict()
        self._held = 0

    def get(self, fingerprint: str, title: str) -> set[bytes] | None:
        """Return the shingles of a posting with this content, if known."""
        found = self._entries.get((fingerprint, title))
        if found is not None:
            self._entries.move_to_end((fingerprint, title))
        return found

    def add(self, candidates: Iterable[Candidate]) -> None:
        """Remember the shingles of comparable candidates, dropping the least recently used."""
        for c in candidates:
            key = (c.posting.fingerprint, c.posting.title)
            if c.shingles is None or key in self._entries:
                continue
            self._entries[key] = c.shingles
            self._held += len(c.shingles)
        while self._entries and self._held > self.max_shingles:
            self._held -= len(self._entries.popitem(last=False)[1])


def link_duplicates(
    connection: Connection, candidates: Sequence[Candidate], cache: ShingleCache | None = None
) -> None:
    """Set ``original_id`` or ``batch_parent`` on every candidate that repeats an earlier ad.

    ``cache`` spares re-reading and re-shingling stored postings seen recently; the candidates
    are added to it.
    """
    cache = cache if cache is not None else ShingleCache(max_shingles=0)
    comparable = [c for c in candidates if c.shingles is not None]
    by_fingerprint = _stored_originals_by_fingerprint(
        connection, {c.posting.fingerprint for c in comparable}
    )
    for candidate in comparable:
        candidate.original_id = by_fingerprint.get(candidate.posting.fingerprint)
    _link_near_duplicates(connection, [c for c in comparable if c.original_id is None], cache)
    _link_within_batch([c for c in comparable if c.original_id is None])
    cache.add(comparable)


def _stored_originals_by_fingerprint(connection: Connection, fingerprints: set) -> dict[str, int]:
    root = func.min(func.coalesce(POSTINGS.c.duplicate_of, POSTINGS.c.id))
    found: dict[str, int] = {}
    for condition in matching(connection, POSTINGS.c.fingerprint, sorted(fingerprints)):
        query = (
            select(POSTINGS.c.fingerprint, root).where(condition).group_by(POSTINGS.c.fingerprint)
        )
        found.update({fp: original for fp, original in connection.execute(query)})
    return found


def _link_near_duplicates(
    connection: Connection, candidates: list[Candidate], cache: ShingleCache
) -> None:
    if not candidates:
        return
    sharing = _sharing_stored(connection, candidates)
    stored = _stored_shingles(connection, set().union(*sharing.values()), cache)
    for candidate in candidates:
        ids = sharing[candidate.index]
        match = best_match(candidate.shingles, {i: stored[i][1] for i in ids if i in stored})
        if match is not None:
            candidate.original_id = stored[match][0]


def _sharing_stored(connection: Connection, candidates: list[Candidate]) -> dict[int, set]:
    """Return, per candidate index, the stored postings sharing enough band keys with it."""
    if connection.dialect.name == "postgresql":
        return _sharing_stored_postgresql(connection, candidates)
    ids_by_key = _stored_ids_by_band_key(connection, {k for c in candidates for k in c.band_keys})
    return {
        c.index: _enough_shared(chain.from_iterable(ids_by_key.get(k, ()) for k in c.band_keys))
        for c in candidates
    }


# The database counts shared keys: it sends back only real candidates, not every posting that
# shares one key by chance with a templated ad. ``&&`` finds the postings sharing any key
# through the GIN index. Keys are salted by band, so a shared key sits at the same position in
# both arrays: comparing position by position counts them without unnesting each row.
_SHARED_COUNT = " + ".join(
    f"(p.band_keys[{b}] = c.keys[{b}])::integer" for b in range(1, near_duplicates.BANDS + 1)
)
_SHARING_QUERY = text(
    "WITH c AS ("
    " SELECT position, array_agg(key ORDER BY n) AS keys"
    " FROM unnest(CAST(:positions AS integer[]), CAST(:keys AS bigint[]))"
    "  WITH ORDINALITY AS u(position, key, n)"
    " GROUP BY position)"
    " SELECT c.position, p.id FROM c JOIN postings AS p ON p.band_keys && c.keys"
    f" WHERE {_SHARED_COUNT} >= :shared"
)


def _sharing_stored_postgresql(connection: Connection, candidates: list[Candidate]) -> dict:
    sharing: dict[int, set] = {c.index: set() for c in candidates}
    positions = [c.index for c in candidates for _ in c.band_keys]
    keys = [k for c in candidates for k in c.band_keys]
    if keys:
        # Array literals: psycopg would otherwise adapt thousands of ints one by one in Python.
        parameters = {"positions": _array(positions), "keys": _array(keys),
                      "shared": MIN_SHARED_BANDS}  # fmt: skip
        for position, posting_id in connection.execute(_SHARING_QUERY, parameters):
            sharing[position].add(posting_id)
    return sharing


def _array(values: list[int]) -> str:
    return "{" + ",".join(map(str, values)) + "}"


def _enough_shared(ids: Iterable) -> set:
    # Templated ads share one band by chance; two are rare below Jaccard 0.5 (see near_duplicates).
    return {i for i, shared in Counter(ids).items() if shared >= MIN_SHARED_BANDS}


def _stored_ids_by_band_key(connection: Connection, keys: set[int]) -> dict[int, list[int]]:
    found: dict[int, list[int]] = defaultdict(list)
    for condition in matching(connection, BANDS.c.key, sorted(keys)):
        query = select(BANDS.c.key, BANDS.c.posting_id).where(condition)
        for key, posting_id in connection.execute(query):
            found[key].append(posting_id)
    return found


def _stored_shingles(
    connection: Connection, ids: set[int], cache: ShingleCache
) -> dict[int, tuple[int, set[bytes]]]:
    """Return each stored posting's original id and shingles, reading bodies only on a miss."""
    root = func.coalesce(POSTINGS.c.duplicate_of, POSTINGS.c.id)
    found, missing = {}, {}
    columns = (POSTINGS.c.id, root, POSTINGS.c.fingerprint, POSTINGS.c.title)
    for condition in matching(connection, POSTINGS.c.id, sorted(ids)):
        for posting_id, original, fingerprint, title in connection.execute(
            select(*columns).where(condition)
        ):
            known = cache.get(fingerprint, title)
            if known is None:
                missing[posting_id] = original
            else:
                found[posting_id] = (original, known)
    for condition in matching(connection, POSTINGS.c.id, sorted(missing)):
        query = select(POSTINGS.c.id, POSTINGS.c.title, POSTINGS.c.body).where(condition)
        for posting_id, title, body in connection.execute(query):
            found[posting_id] = (missing[posting_id], posting_shingles(title, body))
    return found


def stored_band_keys(connection: Connection) -> dict[int, list[int]]:
    """Return the band keys of every original that has them, by posting id, in band order."""
    if connection.dialect.name == "postgresql":
        query = select(POSTINGS.c.id, POSTINGS.c.band_keys).where(
            func.cardinality(POSTINGS.c.band_keys) > 0
        )
        return {posting_id: list(keys) for posting_id, keys in connection.execute(query)}
    found: dict[int, list[int]] = defaultdict(list)
    query = select(BANDS.c.posting_id, BANDS.c.key).order_by(BANDS.c.posting_id, BANDS.c.band)
    for posting_id, key in connection.execute(query):
        found[posting_id].append(key)
    return dict(found)


def _link_within_batch(candidates: list[Candidate]) -> None:
    first_by_fingerprint: dict[str, int] = {}
    is_original = [False] * len(candidates)
    for position, (candidate, sharing) in enumerate(
        zip(candidates, _sharing_earlier(candidates), strict=True)
    ):
        parent = first_by_fingerprint.get(candidate.posting.fingerprint)
        if parent is None:
            originals = [candidates[q] for q in sharing if is_original[q]]
            parent = best_match(candidate.shingles, {c.index: c.shingles for c in originals})
        if parent is not None:
            candidate.batch_parent = parent
            continue
        first_by_fingerprint[candidate.posting.fingerprint] = candidate.index
        is_original[position] = True


def _sharing_earlier(candidates: list[Candidate]) -> list[np.ndarray]:
    """Return, per candidate, the positions of earlier ones sharing enough band keys with it.

    One sparse product of the candidate-by-key matrix counts the shared keys of every pair:
    templated ads share single keys with many others, and counting those pairs one by one in
    Python was most of the time spent linking a batch.
    """
    if not candidates:
        return []
    lengths = [len(c.band_keys) for c in candidates]
    keys = np.fromiter(chain.from_iterable(c.band_keys for c in candidates), np.int64, sum(lengths))
    _, columns = np.unique(keys, return_inverse=True)
    rows = np.repeat(np.arange(len(candidates)), lengths)
    incidence = sparse.csr_array(
        (np.ones(keys.size, np.int32), (rows, columns)), shape=(len(candidates), keys.size)
    )
    shared = sparse.tril(incidence @ incidence.T, k=-1).tocsr()
    enough = shared.data >= MIN_SHARED_BANDS
    return [shared.indices[start:end][enough[start:end]] for start, end in pairwise(shared.indptr)]
