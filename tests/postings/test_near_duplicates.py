from __future__ import annotations

import numpy as np
import pytest

from jobatlas.postings.clean.near_duplicates import (
    BANDS,
    NEAR_DUPLICATE_THRESHOLD,
    NUM_PERM,
    band_keys,
    best_match,
    comparable_shingles,
    jaccard,
    many_band_keys,
    minhash_signature,
    minhash_signatures,
    posting_shingles,
    shared_band_keys,
    shingles,
)

AD = (
    "Warehouse associate needed for our Oakland distribution center. You will pick, pack and "
    "ship customer orders, load and unload trucks, and keep the floor clean and safe. Forklift "
    "experience is a plus but we will train the right person. Day shift Monday through Friday, "
    "7am to 3:30pm, with overtime available most weeks. Weekly pay by direct deposit, medical "
    "and dental benefits after 90 days, paid time off. Call 510-555-1234 to apply. Must be "
    "able to lift 50 lbs and stand for long periods."
)
EDITED = AD.replace("Call 510-555-1234 to apply.", "Apply in person Monday to Friday.")
OTHER = (
    "Line cook wanted for busy downtown restaurant. Must know grill and saute. Pay $20/hr plus "
    "tips. Must be able to lift 50 lbs and stand for long periods."
)


def test_shingles_are_three_word_windows_of_normalized_text():
    assert shingles("Pick, PACK and ship 2 orders") == {b"pick pack and", b"pack and ship",
                                                         b"and ship orders"}  # fmt: skip
    assert shingles("Hiring now") == {b"hiring now"}
    assert shingles("") == set()


def test_signature_is_deterministic():
    first = minhash_signature(posting_shingles("Warehouse", AD))
    assert first.dtype == np.uint32 and first.shape == (NUM_PERM,)
    assert np.array_equal(first, minhash_signature(posting_shingles("Warehouse", AD)))


def _keys(title: str, body: str) -> list[int]:
    return band_keys(minhash_signature(posting_shingles(title, body)))


def test_edited_repost_is_similar_and_shares_a_band():
    a, b = posting_shingles("Warehouse", AD), posting_shingles("Warehouse", EDITED)
    assert jaccard(a, b) >= NEAR_DUPLICATE_THRESHOLD
    assert best_match(a, {4: b}) == 4
    assert shared_band_keys(_keys("Warehouse", AD), _keys("Warehouse", EDITED))


def test_different_ads_with_shared_boilerplate_are_not_similar():
    a, c = posting_shingles("Warehouse", AD), posting_shingles("Line cook", OTHER)
    assert jaccard(a, c) < 0.2
    assert best_match(a, {7: c}) is None
    assert not shared_band_keys(_keys("Warehouse", AD), _keys("Line cook", OTHER))


def test_band_keys_one_per_band():
    keys = _keys("Warehouse", AD)
    assert len(keys) == BANDS and len(set(keys)) == BANDS
    assert all(-(2**63) <= k < 2**63 for k in keys)


def test_best_match_prefers_most_similar_then_first_stored():
    a = posting_shingles("Warehouse", AD)
    b = posting_shingles("Warehouse", EDITED)
    assert best_match(a, {5: b, 9: a}) == 9
    assert best_match(a, {5: a, 3: a}) == 3
    assert best_match(a, {}) is None


def test_jaccard():
    assert jaccard({b"a", b"b"}, {b"b", b"c"}) == pytest.approx(1 / 3)
    assert jaccard(set(), set()) == 0.0


def test_short_bodies_are_not_compared():
    assert comparable_shingles("Cook", "Call now 555-1234") is None
    assert comparable_shingles("Warehouse", AD) == posting_shingles("Warehouse", AD)


def test_batch_signatures_equal_datasketch_minhash():
    from datasketch import MinHash
    from xxhash import xxh32_intdigest

    sets = [posting_shingles("Warehouse", AD), set(), posting_shingles("Line cook", OTHER),
            shingles("Hiring now")]  # fmt: skip
    batch = minhash_signatures(sets)
    assert batch.shape == (len(sets), NUM_PERM) and batch.dtype == np.uint32
    for shingle_set, signature in zip(sets, batch, strict=True):
        reference = MinHash(num_perm=NUM_PERM, seed=20190101, hashfunc=xxh32_intdigest)
        reference.update_batch(list(shingle_set))
        assert np.array_equal(signature, reference.hashvalues.astype(np.uint32))
        assert np.array_equal(signature, minhash_signature(shingle_set))


def test_batch_band_keys_equal_one_at_a_time():
    signatures = minhash_signatures(
        [posting_shingles("Warehouse", AD), posting_shingles("x", OTHER)]
    )
    assert many_band_keys(signatures) == [band_keys(s) for s in signatures]
