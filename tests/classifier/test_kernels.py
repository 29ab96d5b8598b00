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


def test_nearest_by_class_takes_each_class_maximum(pair):
    X, _ = pair
    neighbors = random_csr(300, 60, 0.05, 3)
    class_of = np.repeat(np.arange(6), 10)
    similar = (X @ neighbors).toarray()
    expected = np.stack([similar[:, class_of == c].max(axis=1) for c in range(7)
                         if c < 6] + [np.zeros(40)], axis=1)
    got = kernels.nearest_by_class(X, neighbors, class_of, 7)
    assert np.allclose(got, expected, rtol=1e-6, atol=1e-7)
    assert not got[:, 6].any()  # a class without neighbours keeps 0


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
