"""The compiled sparse loops give what scipy's sparse products give."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from jobatlas.classifier import kernels


def random_csr(rows: int, columns: int, density: float, seed: int) -> sp.csr_matrix:
    matrix = sp.random(rows, columns, density=density, format="csr", dtype=np.float32,
                       random_state=seed)
    matrix.data += 0.01  # strictly positive, as TF-IDF features are
    return matrix


@pytest.fixture
def pair():
    return random_csr(40, 300, 0.05, 1), random_csr(300, 25, 0.2, 2)


def test_add_product_equals_the_sparse_product(pair):
    X, M = pair
    out = np.full((40, 25), 0.5)
    assert kernels.add_product(X, M, out, 0.7) is out
    assert np.allclose(out, 0.5 + 0.7 * (X @ M).toarray(), rtol=1e-6, atol=1e-7)


def test_add_product_rejects_mismatched_shapes(pair):
    X, M = pair
    with pytest.raises(ValueError, match="features"):
        kernels.add_product(X, M[:200], np.zeros((40, 25)))
    with pytest.raises(ValueError, match="C-contiguous float64"):
        kernels.add_product(X, M, np.zeros((40, 25), dtype=np.float32))
    with pytest.raises(TypeError, match="CSR"):
        kernels.add_product(X.tocsc(), M, np.zeros((40, 25)))


def test_blend_nearest_mixes_in_each_class_maximum(pair):
    X, _ = pair
    neighbors = random_csr(300, 60, 0.05, 3)
    class_of = np.repeat(np.arange(6), 10)
    similar = (X @ neighbors).toarray()
    nearest = np.stack([similar[:, class_of == c].max(axis=1) for c in range(6)]
                       + [np.zeros(40)], axis=1)  # class 6 has no neighbour: 0
    scores = np.random.default_rng(6).random((50, 7))
    rows = np.arange(40)[::-1] + 5  # row i of X blends into scores row 44 - i
    expected = scores.copy()
    expected[rows] = 0.4 * expected[rows] + 0.6 * nearest
    assert kernels.blend_nearest(X, rows, neighbors, class_of, scores, 0.6) is scores
    assert np.allclose(scores, expected, rtol=1e-6, atol=1e-7)
    with pytest.raises(ValueError, match="rows"):
        kernels.blend_nearest(X, rows[:3], neighbors, class_of, scores, 0.6)
    with pytest.raises(ValueError, match="classes"):
        kernels.blend_nearest(X, rows, neighbors, class_of + 2, scores, 0.6)


def test_pair_contributions_sum_to_the_product_entries(pair):
    X, M = pair
    rng = np.random.default_rng(0)
    # Three classes per row, one of them asked for twice: both pairs get the entries.
    classes = [np.r_[picked, picked[0]] for picked in
               (rng.choice(25, 3, replace=False) for _ in range(40))]
    pair_row = np.repeat(np.arange(40), 4)
    pair_class = np.concatenate(classes)
    number, feature, value = kernels.pair_contributions(X, pair_row, pair_class, M)
    totals = np.bincount(number, weights=value, minlength=len(pair_row))
    product = (X @ M).toarray()
    assert np.allclose(totals, product[pair_row, pair_class], rtol=1e-5, atol=1e-7)
    assert np.all(np.diff(number) >= 0)  # pair by pair
    assert all(X[pair_row[n], f] > 0 and M[f, pair_class[n]] > 0
               for n, f in zip(number.tolist(), feature.tolist(), strict=True))


def test_pair_contributions_need_pairs_in_row_order(pair):
    X, M = pair
    with pytest.raises(ValueError, match="pair rows"):
        kernels.pair_contributions(X, np.array([1, 0]), np.array([0, 0]), M)
    with pytest.raises(ValueError, match="pair rows"):
        kernels.pair_contributions(X, np.array([40]), np.array([0]), M)
    with pytest.raises(ValueError, match="pair classes"):
        kernels.pair_contributions(X, np.array([0]), np.array([25]), M)


def test_top_per_group_matches_a_two_key_sort():
    rng = np.random.default_rng(3)
    group = rng.integers(0, 50, 2_000)  # unordered: groups may interleave
    value = rng.random(2_000).astype(np.float32)
    value[::7] = value[1::7][: len(value[::7])]  # ties keep their input order
    value[::11] = 0.0  # not positive: left out
    ranked = np.lexsort((np.arange(2_000), -value, group))
    ranked = ranked[value[ranked] > 0]
    rank = np.array([np.sum(group[ranked[:i]] == group[ranked[i]]) for i in range(len(ranked))])
    for keep in (1, 4, 60):  # 60: more than any group holds
        assert (kernels.top_per_group(group, value, 50, keep).tolist()
                == ranked[rank < keep].tolist())
    assert kernels.top_per_group(group[:0], value[:0], 50, 4).tolist() == []
    with pytest.raises(ValueError, match="groups"):
        kernels.top_per_group(np.array([50]), np.array([1.0]), 50, 4)


def test_top_k_rows_matches_a_stable_sort():
    rng = np.random.default_rng(4)
    scores = rng.integers(0, 20, size=(30, 40)).astype(np.float64)  # many ties
    rows = np.array([3, 0, 29, 3])
    columns, values = kernels.top_k_rows(scores, rows, 7)
    expected = np.argsort(-scores[rows], axis=1, kind="stable")[:, :7]
    assert columns.tolist() == expected.tolist()
    assert values.tolist() == np.take_along_axis(scores[rows], expected, axis=1).tolist()
    with pytest.raises(ValueError, match="k must"):
        kernels.top_k_rows(scores, rows, 41)
    with pytest.raises(ValueError, match="rows"):
        kernels.top_k_rows(scores, np.array([30]), 3)


def test_top_words_sums_each_word_then_ranks_them():
    rng = np.random.default_rng(5)
    pair = np.sort(rng.integers(0, 40, 600))
    word = rng.integers(0, 9, 600)
    value = rng.integers(1, 4, 600).astype(np.float32)  # small integers: exact sums, ties
    got_pair, got_word = kernels.top_words(pair, word, value, 3)
    expected_pair, expected_word = [], []
    for p in np.unique(pair):
        sums = np.bincount(word[pair == p], weights=value[pair == p], minlength=9)
        present = np.flatnonzero(np.bincount(word[pair == p], minlength=9))
        ranked = present[np.lexsort((present, -sums[present]))][:3]
        expected_pair += [p] * len(ranked)
        expected_word += ranked.tolist()
    assert got_pair.tolist() == expected_pair and got_word.tolist() == expected_word
    with pytest.raises(ValueError, match="ordered"):
        kernels.top_words(np.array([1, 0]), np.array([0, 0]), np.array([1.0, 1.0]), 3)


def test_first_holder_finds_the_first_entry_of_each_segment():
    rng = np.random.default_rng(5)
    lengths = rng.integers(0, 30, size=12)
    indptr = np.concatenate([[0], np.cumsum(lengths)])
    held = rng.integers(0, 20, size=indptr[-1])  # repeats, as n-grams shared by words do
    holder = rng.integers(0, 1000, size=indptr[-1])
    segment = rng.integers(0, 12, size=400)
    wanted = rng.integers(-1, 25, size=400)
    expected = []
    for s, value in zip(segment, wanted, strict=True):
        places = np.flatnonzero(held[indptr[s]:indptr[s + 1]] == value)
        expected.append(holder[indptr[s] + places[0]] if len(places) and value >= 0 else -1)
    assert kernels.first_holder(indptr, held, holder, segment, wanted).tolist() == expected


def test_first_holder_rejects_inconsistent_segments():
    with pytest.raises(ValueError, match="held_indptr"):
        kernels.first_holder(np.array([0, 3]), np.arange(2), np.arange(2), np.array([0]),
                             np.array([1]))
    with pytest.raises(ValueError, match="segments"):
        kernels.first_holder(np.array([0, 2]), np.arange(2), np.arange(2), np.array([1]),
                             np.array([1]))


def test_csr_positions_finds_each_stored_entry_and_flags_the_rest():
    rng = np.random.default_rng(3)
    matrix = sp.random(40, 30, density=0.2, format="csr", random_state=4, dtype=np.float32)
    matrix.sort_indices()
    rows, columns = rng.integers(0, 40, 500), rng.integers(0, 30, 500)
    found = kernels.csr_positions(matrix, rows, columns)
    for row, column, at in zip(rows, columns, found, strict=True):
        start, stop = matrix.indptr[row], matrix.indptr[row + 1]
        stored = np.flatnonzero(matrix.indices[start:stop] == column)
        assert at == (start + stored[0] if len(stored) else -1)
    assert (found >= 0).any() and (found < 0).any()
    with pytest.raises(ValueError, match="rows must lie"):
        kernels.csr_positions(matrix, [40], [0])
    unsorted = sp.csr_matrix((np.ones(2), [1, 0], [0, 2]), shape=(1, 2))
    unsorted.has_sorted_indices = False
    with pytest.raises(TypeError, match="sorted indices"):
        kernels.csr_positions(unsorted, [0], [0])


def test_embed_rows_sums_weighted_vectors_of_known_columns():
    X = sp.csr_matrix(np.array([[0.5, 0.0, 2.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]],
                               dtype=np.float32))
    vectors = np.array([[1.0, 0.0], [0.0, 1.0]], dtype=np.float32)
    lookup = np.array([0, -1, 1])
    out = kernels.embed_rows(X, lookup, vectors)
    assert np.allclose(out, [[0.5, 2.0], [0.0, 0.0], [0.0, 0.0]])
    with pytest.raises(ValueError, match="lookup has 2 entries"):
        kernels.embed_rows(X, lookup[:2], vectors)
    with pytest.raises(ValueError, match="points past"):
        kernels.embed_rows(X, np.array([0, 5, 1]), vectors)
