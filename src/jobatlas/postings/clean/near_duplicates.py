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
import threading
from collections.abc import Iterable, Mapping

import numpy as np
import xxhash
from datasketch import MinHash

from jobatlas.postings.clean.fingerprint import normalize_text

NUM_PERM = 64
BANDS = 16
ROWS = NUM_PERM // BANDS
SHINGLE_SIZE = 3
NEAR_DUPLICATE_THRESHOLD = 0.7
MIN_BODY_WORDS = 8
MIN_SHARED_BANDS = 2
_SEED = 20190101  # changing it invalidates every stored band key

_BAND_SALT = np.arange(1, BANDS + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
_MIX = (np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB))
_local = threading.local()


@functools.cache
def _permutations() -> tuple:
    # Building the permutations is the slow part of a MinHash; do it once per process.
    template = MinHash(num_perm=NUM_PERM, seed=_SEED)
    return template.permutations, template.scheme


def _minhash() -> MinHash:
    # One reusable MinHash per thread: constructing one costs more than hashing a posting.
    minhash = getattr(_local, "minhash", None)
    if minhash is None:
        permutations, scheme = _permutations()
        minhash = MinHash(
            num_perm=NUM_PERM,
            seed=_SEED,
            # xxh32 is four times faster than the default SHA-1 and as good for shingles.
            hashfunc=xxhash.xxh32_intdigest,
            permutations=permutations,
            scheme=scheme,
        )
        _local.minhash = minhash
    return minhash


def shingles(text: str, size: int = SHINGLE_SIZE) -> set[bytes]:
    """Return the set of ``size``-word shingles of the normalized text (the words if fewer)."""
    return _shingles(normalize_text(text).split(), size)


def _shingles(words: list[str], size: int = SHINGLE_SIZE) -> set[bytes]:
    if len(words) <= size:
        return {" ".join(words).encode("utf-8")} if words else set()
    return {" ".join(words[i : i + size]).encode("utf-8") for i in range(len(words) - size + 1)}


def minhash_signature(shingle_set: set[bytes]) -> np.ndarray:
    """Return the MinHash signature (``NUM_PERM`` unsigned 32-bit values) of a shingle set."""
    minhash = _minhash()
    minhash.clear()
    if shingle_set:
        minhash.update_batch(list(shingle_set))
    return minhash.hashvalues.astype(np.uint32)


def posting_shingles(title: str, body: str) -> set[bytes]:
    """Return the shingles that represent a posting's content."""
    return _shingles(normalize_text(title).split() + normalize_text(body).split())


def comparable_shingles(title: str, body: str) -> set[bytes] | None:
    """Return the posting's shingles, or ``None`` if the body is too short to compare.

    Short texts ("Hiring now, call today") repeat by chance across unrelated ads.
    """
    body_words = normalize_text(body).split()
    if len(body_words) < MIN_BODY_WORDS:
        return None
    return _shingles(normalize_text(title).split() + body_words)


def band_keys(signature: np.ndarray) -> list[int]:
    """Return one signed 64-bit key per band: equal keys mean equal band values.

    Each band's four 32-bit values are packed into two 64-bit words and mixed with the
    SplitMix64 finalizer, salted by the band number so equal values in different bands differ.
    """
    words = np.ascontiguousarray(signature, dtype="<u4").view("<u8").reshape(BANDS, ROWS // 2)
    with np.errstate(over="ignore"):
        key = _BAND_SALT.copy()
        for column in range(words.shape[1]):
            key = _splitmix(key ^ words[:, column])
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
