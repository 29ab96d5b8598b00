"""Link new postings to the first stored copy of the same ad (repost or cross-post).

An exact match of the content fingerprint wins; otherwise stored MinHash band keys give
candidates, and the Jaccard similarity of their shingles decides. Only originals have band keys,
so an ad reposted a hundred times still yields one candidate. PostgreSQL keeps an original's
keys in ``postings.band_keys`` (GIN-indexed array), SQLite in ``posting_bands`` rows.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import chain

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


def link_duplicates(connection: Connection, candidates: Sequence[Candidate]) -> None:
    """Set ``original_id`` or ``batch_parent`` on every candidate that repeats an earlier ad."""
    comparable = [c for c in candidates if c.shingles is not None]
    by_fingerprint = _stored_originals_by_fingerprint(
        connection, {c.posting.fingerprint for c in comparable}
    )
    for candidate in comparable:
        candidate.original_id = by_fingerprint.get(candidate.posting.fingerprint)
    _link_near_duplicates(connection, [c for c in comparable if c.original_id is None])
    _link_within_batch([c for c in comparable if c.original_id is None])


def _stored_originals_by_fingerprint(connection: Connection, fingerprints: set) -> dict[str, int]:
    root = func.min(func.coalesce(POSTINGS.c.duplicate_of, POSTINGS.c.id))
    found: dict[str, int] = {}
    for condition in matching(connection, POSTINGS.c.fingerprint, sorted(fingerprints)):
        query = (
            select(POSTINGS.c.fingerprint, root).where(condition).group_by(POSTINGS.c.fingerprint)
        )
        found.update({fp: original for fp, original in connection.execute(query)})
    return found


def _link_near_duplicates(connection: Connection, candidates: list[Candidate]) -> None:
    if not candidates:
        return
    sharing = _sharing_stored(connection, candidates)
    stored = _stored_shingles(connection, set().union(*sharing.values()))
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


def _stored_shingles(connection: Connection, ids: set[int]) -> dict[int, tuple[int, set[bytes]]]:
    root = func.coalesce(POSTINGS.c.duplicate_of, POSTINGS.c.id)
    found = {}
    for condition in matching(connection, POSTINGS.c.id, sorted(ids)):
        query = select(POSTINGS.c.id, root, POSTINGS.c.title, POSTINGS.c.body).where(condition)
        for posting_id, original, title, body in connection.execute(query):
            found[posting_id] = (original, posting_shingles(title, body))
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
    by_index = {c.index: c for c in candidates}
    first_by_fingerprint: dict[str, int] = {}
    originals_by_key: dict[int, list[int]] = defaultdict(list)
    for candidate in candidates:
        parent = first_by_fingerprint.get(candidate.posting.fingerprint)
        if parent is None:
            earlier = chain.from_iterable(originals_by_key.get(k, ()) for k in candidate.band_keys)
            indexes = _enough_shared(earlier)
            parent = best_match(candidate.shingles, {i: by_index[i].shingles for i in indexes})
        if parent is not None:
            candidate.batch_parent = parent
            continue
        first_by_fingerprint[candidate.posting.fingerprint] = candidate.index
        for key in candidate.band_keys:
            originals_by_key[key].append(candidate.index)
