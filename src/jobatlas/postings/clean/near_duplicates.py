"""Find near-duplicate postings: MinHash band keys over word shingles, checked by Jaccard.

Each posting's normalized title and body become a set of 3-word shingles. A 64-value MinHash
signature of that set is cut into 16 bands of 4 values, and each band is hashed to one key.
Postings sharing at least two keys are candidates: a pair with Jaccard similarity 0.8 becomes one
with probability 0.997, at 0.7 with 0.93, at 0.4 with 0.06. A candidate is a near duplicate
when the exact Jaccard similarity of the shingle sets is at least ``NEAR_DUPLICATE_THRESHOLD``.
Storing the band keys lets a database index find candidates without comparing a posting with
every other one.
"""

from __future__ import annotations

import functools
from collections.abc import Collection, Iterable, Mapping, Sequence
from itertools import chain

import numpy as np
import xxhash
from datasketch import MinHash

from jobatlas.postings.clean.fingerprint import text_words

NUM_PERM = 64
BANDS = 16
ROWS = NUM_PERM // BANDS
SHINGLE_SIZE = 3
NEAR_DUPLICATE_THRESHOLD = 0.7
MIN_BODY_WORDS = 8
MIN_SHARED_BANDS = 2
_SEED = 20190101  # changing it invalidates every stored band key
_SCHEME = "affine32"  # datasketch's permutation scheme; changing it invalidates stored keys too

_BAND_SALT = np.arange(1, BANDS + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
_MIX = (np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB))
# MurmurHash3's 32-bit finalizer, which datasketch's "affine32" scheme applies before permuting.
_FMIX32 = (np.uint32(16), np.uint32(0x85EBCA6B), np.uint32(13), np.uint32(0xC2B2AE35))
_EMPTY = np.uint32(0xFFFFFFFF)


@functools.cache
def _permutations() -> tuple[np.ndarray, np.ndarray]:
    # datasketch draws the permutations; applying them ourselves to a whole batch of postings
    # at once gives the same signatures as its MinHash.update_batch, without a Python call per
    # posting and permutation.
    a, b = MinHash(num_perm=NUM_PERM, seed=_SEED, scheme=_SCHEME).permutations
    return a.astype(np.uint32), b.astype(np.uint32)


def shingles(text: str, size: int = SHINGLE_SIZE) -> set[bytes]:
    """Return the set of ``size``-word shingles of the normalized text (the words if fewer)."""
    return _shingles(text_words(text), size)


def _shingles(words: Sequence[str], size: int = SHINGLE_SIZE) -> set[bytes]:
    if len(words) <= size:
        return {" ".join(words).encode("utf-8")} if words else set()
    windows = zip(*(words[i:] for i in range(size)), strict=False)
    return set(map(str.encode, map(" ".join, windows)))  # UTF-8; map keeps the loop in C


def minhash_signature(shingle_set: Collection[bytes]) -> np.ndarray:
    """Return the MinHash signature (``NUM_PERM`` unsigned 32-bit values) of a shingle set."""
    return minhash_signatures([shingle_set])[0]


def minhash_signatures(shingle_sets: Sequence[Collection[bytes]]) -> np.ndarray:
    """Return the signatures of many shingle sets as one ``(len, NUM_PERM)`` uint32 array.

    Every shingle is hashed once with xxh32; all permutations of all sets are then one array
    operation, and each set's minimum one ``reduceat``. An empty set gets the all-maximum
    signature, as in datasketch.
    """
    a, b = _permutations()
    counts = np.fromiter((len(s) for s in shingle_sets), dtype=np.intp, count=len(shingle_sets))
    shingled = chain.from_iterable(shingle_sets)
    hashed = np.fromiter(
        map(xxhash.xxh32_intdigest, shingled), dtype=np.uint32, count=int(counts.sum())
    )
    signatures = np.full((len(shingle_sets), NUM_PERM), _EMPTY, dtype=np.uint32)
    filled = counts > 0
    if hashed.size:
        # One row per permutation keeps each set's shingles contiguous for reduceat, which is
        # an order of magnitude faster than reducing down the columns. uint32 wraps: mod 2**32.
        permuted = np.multiply.outer(a, _fmix32(hashed))
        permuted += b[:, None]
        starts = (np.cumsum(counts) - counts)[filled]
        signatures[filled] = np.minimum.reduceat(permuted, starts, axis=1).T
    return signatures


def _fmix32(h: np.ndarray) -> np.ndarray:
    s1, m1, s2, m2 = _FMIX32
    h = (h ^ (h >> s1)) * m1
    h = (h ^ (h >> s2)) * m2
    return h ^ (h >> s1)


def posting_shingles(title: str, body: str) -> set[bytes]:
    """Return the shingles that represent a posting's content."""
    return _shingles(text_words(title) + text_words(body))


def comparable_shingles(title: str, body: str) -> set[bytes] | None:
    """Return the posting's shingles, or ``None`` if the body is too short to compare.

    Short texts ("Hiring now, call today") repeat by chance across unrelated ads.
    """
    body_words = text_words(body)
    if len(body_words) < MIN_BODY_WORDS:
        return None
    return _shingles(text_words(title) + body_words)


def band_keys(signature: np.ndarray) -> list[int]:
    """Return one signed 64-bit key per band: equal keys mean equal band values.

    Each band's four 32-bit values are packed into two 64-bit words and mixed with the
    SplitMix64 finalizer, salted by the band number so equal values in different bands differ.
    """
    return many_band_keys(np.asarray(signature)[None, :])[0]


def many_band_keys(signatures: np.ndarray) -> list[list[int]]:
    """Return the band keys (see :func:`band_keys`) of each row of a signature array."""
    count = len(signatures)
    words = np.ascontiguousarray(signatures, dtype="<u4").view("<u8")
    words = words.reshape(count, BANDS, ROWS // 2)
    with np.errstate(over="ignore"):
        key = np.tile(_BAND_SALT, (count, 1))
        for column in range(words.shape[2]):
            key = _splitmix(key ^ words[:, :, column])
    return key.view(np.int64).tolist()


def _splitmix(x: np.ndarray) -> np.ndarray:
    x = (x ^ (x >> np.uint64(30))) * _MIX[0]
    x = (x ^ (x >> np.uint64(27))) * _MIX[1]
    return x ^ (x >> np.uint64(31))


def jaccard(a: set[bytes], b: set[bytes]) -> float:
    """Return the Jaccard similarity of two shingle sets (0 for two empty sets)."""
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def best_match(
    shingle_set: set[bytes],
    candidates: Mapping[int, set[bytes]],
    threshold: float = NEAR_DUPLICATE_THRESHOLD,
) -> int | None:
    """Return the candidate id most similar to ``shingle_set`` at or above ``threshold``.

    Ties go to the smallest id, i.e. the first copy stored.
    """
    best: tuple[float, int] | None = None
    for candidate_id, other in candidates.items():
        score = jaccard(shingle_set, other)
        if score >= threshold and (best is None or (-score, candidate_id) < (-best[0], best[1])):
            best = (score, candidate_id)
    return None if best is None else best[1]


def shared_band_keys(keys: Iterable[int], other: Iterable[int]) -> bool:
    """Return whether two postings share a band, i.e. are near-duplicate candidates."""
    return not set(keys).isdisjoint(other)
