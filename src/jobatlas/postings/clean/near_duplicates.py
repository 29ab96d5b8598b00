"""Find near-duplicate postings: MinHash band keys over word shingles, checked by Jaccard.

Each posting's normalized title and body become a set of 3-word shingles. A 64-value MinHash
signature of that set is cut into 16 bands of 4 values, and each band is hashed to one key; two
postings sharing a key are candidates (a pair with Jaccard similarity 0.7 shares one with
probability 0.99, a pair at 0.2 with probability 0.03). A candidate is a near duplicate when the
exact Jaccard similarity of the shingle sets is at least ``NEAR_DUPLICATE_THRESHOLD``. Storing the
band keys lets a database index find candidates without comparing a posting with every other.
"""

from __future__ import annotations

import functools
import hashlib
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
_SEED = 20190101  # changing it invalidates every stored band key


@functools.cache
def _template() -> MinHash:
    # Building the permutations is the slow part of a MinHash; do it once per process.
    return MinHash(num_perm=NUM_PERM, seed=_SEED)


def shingles(text: str, size: int = SHINGLE_SIZE) -> set[bytes]:
    """Return the set of ``size``-word shingles of the normalized text (the words if fewer)."""
    words = normalize_text(text).split()
    if len(words) <= size:
        return {" ".join(words).encode("utf-8")} if words else set()
    return {" ".join(words[i : i + size]).encode("utf-8") for i in range(len(words) - size + 1)}


def minhash_signature(shingle_set: set[bytes]) -> np.ndarray:
    """Return the MinHash signature (``NUM_PERM`` unsigned 32-bit values) of a shingle set."""
    template = _template()
    minhash = MinHash(
        num_perm=NUM_PERM,
        seed=_SEED,
        # xxh32 is four times faster than the default SHA-1 and as good for shingles.
        hashfunc=xxhash.xxh32_intdigest,
        permutations=template.permutations,
        scheme=template.scheme,
    )
    minhash.update_batch(sorted(shingle_set))
    return minhash.hashvalues.astype(np.uint32)


def posting_shingles(title: str, body: str) -> set[bytes]:
    """Return the shingles that represent a posting's content."""
    return shingles(f"{title}\n{body}")


def band_keys(signature: np.ndarray) -> list[int]:
    """Return one signed 64-bit key per band: equal keys mean equal band values."""
    keys = []
    for band in range(BANDS):
        chunk = signature[band * ROWS : (band + 1) * ROWS].astype("<u4").tobytes()
        digest = hashlib.blake2b(bytes([band]) + chunk, digest_size=8).digest()
        keys.append(int.from_bytes(digest, "little", signed=True))
    return keys


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


def has_enough_text(body: str) -> bool:
    """Return whether a body is long enough to compare: short texts repeat by chance."""
    return len(normalize_text(body).split()) >= MIN_BODY_WORDS
