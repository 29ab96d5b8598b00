"""Compiled loops over sparse matrices that scipy.sparse has no single call for.

Scoring a title multiplies its ~50 features by three sparse matrices (class centroids, the
softmax regression, the short training titles). scipy's sparse-times-sparse product first
counts the result's entries, then builds it as a sparse matrix that the caller scatters into a
dense array; for titles against 1,016 occupations the result is nearly dense anyway, so two
thirds of that work is bookkeeping. These kernels (compiled by numba, cached on disk after the
first call) add each product straight into the dense array, take each occupation's nearest
title without materializing the title-to-title similarities, and look up the evidence of
chosen (text, occupation) pairs by walking the feature's own occupations instead of a binary
search over every centroid entry.

Each takes the CSR arrays (``indptr``, ``indices``, ``data``) of a query matrix and of a
feature-major model matrix (one row per feature), so callers keep plain scipy objects.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from numba import njit


def add_product(X: sp.csr_matrix, by_feature: sp.csr_matrix, out: np.ndarray,
                weight: float = 1.0) -> np.ndarray:
    """Add ``weight * (X @ by_feature)`` to the dense float64 array ``out`` in place."""
    _check_shapes(X, by_feature)
    _check_out(out, X.shape[0], by_feature.shape[1])
    _add_product(X.indptr, X.indices, X.data, by_feature.indptr, by_feature.indices,
                 by_feature.data, float(weight), out)
    return out


def nearest_by_class(X: sp.csr_matrix, neighbors: sp.csr_matrix, class_of: np.ndarray,
                     n_classes: int) -> np.ndarray:
    """Return, per row of ``X`` and class, the largest dot product with a neighbour column.

    ``neighbors`` holds one column per neighbour (one row per feature); ``class_of`` gives
    each column's class. Entries of both must not be negative: a class no neighbour of which
    shares a feature with the row keeps 0, the largest dot product it could have.
    """
    _check_shapes(X, neighbors)
    if len(class_of) != neighbors.shape[1]:
        raise ValueError(f"class_of has {len(class_of)} classes for {neighbors.shape[1]} columns")
    out = np.zeros((X.shape[0], n_classes), dtype=np.float64)
    _nearest_by_class(X.indptr, X.indices, X.data, neighbors.indptr, neighbors.indices,
                      neighbors.data, np.asarray(class_of, dtype=np.int64),
                      neighbors.shape[1], out)
    return out


def pair_contributions(X: sp.csr_matrix, pair_row: np.ndarray, pair_class: np.ndarray,
                       by_feature: sp.csr_matrix
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (pair, feature, X[row, feature] * by_feature[feature, class]) for every pair
    (row, class) and feature of the row whose entry in ``by_feature`` is stored.

    Pairs must be ordered by row. Entries come pair by pair, each pair's in its row's
    feature order.
    """
    _check_shapes(X, by_feature)
    pair_row = np.asarray(pair_row, dtype=np.int64)
    if len(pair_row) and (pair_row[0] < 0 or pair_row[-1] >= X.shape[0]
                          or np.any(np.diff(pair_row) < 0)):
        raise ValueError(f"pair rows must be ordered and lie in [0, {X.shape[0]})")
    first = np.searchsorted(pair_row, np.arange(X.shape[0] + 1)).astype(np.int64)
    # Each pair gets room for one entry per feature of its row, filled, then packed.
    room = np.concatenate(([0], np.cumsum(np.diff(X.indptr)[pair_row]))).astype(np.int64)
    pair = np.empty(room[-1], np.int64)
    feature = np.empty(room[-1], np.int64)
    value = np.empty(room[-1], np.float32)
    count = _pair_contributions(X.indptr, X.indices, X.data, first,
                                np.asarray(pair_class, dtype=np.int64), by_feature.indptr,
                                by_feature.indices, by_feature.data, by_feature.shape[1],
                                room, pair, feature, value)
    return pair[:count], feature[:count], value[:count]


def top_per_group(group: np.ndarray, value: np.ndarray, n_groups: int, keep: int) -> np.ndarray:
    """Return the indices of the entries with a positive ``value``, ordered by ``group`` (ints
    in ``[0, n_groups)``) and, within a group, by ``value`` from largest to smallest (ties in
    input order), at most ``keep`` per group."""
    group = np.asarray(group, dtype=np.int64)
    if len(group) and (group.min() < 0 or group.max() >= n_groups):
        raise ValueError(f"groups must lie in [0, {n_groups})")
    return _top_per_group(group, np.asarray(value, dtype=np.float32), n_groups, keep)


def _check_shapes(X: sp.csr_matrix, by_feature: sp.csr_matrix) -> None:
    # The compiled loops do not check bounds: a feature index past the model's rows would
    # read stray memory, so the shapes are checked here.
    if not (sp.issparse(X) and X.format == "csr" and by_feature.format == "csr"):
        raise TypeError("kernels take CSR matrices")
    if X.shape[1] != by_feature.shape[0]:
        raise ValueError(f"X has {X.shape[1]} features, the model matrix {by_feature.shape[0]}")


def _check_out(out: np.ndarray, rows: int, columns: int) -> None:
    if out.dtype != np.float64 or out.shape != (rows, columns) or not out.flags.c_contiguous:
        raise ValueError(f"out must be a C-contiguous float64 array of shape ({rows}, {columns})")


@njit(cache=True, nogil=True)
def _add_product(indptr, indices, data, m_indptr, m_indices, m_data, weight, out):
    for row in range(len(indptr) - 1):
        target = out[row]
        for k in range(indptr[row], indptr[row + 1]):
            feature = indices[k]
            x = weight * data[k]
            for j in range(m_indptr[feature], m_indptr[feature + 1]):
                target[m_indices[j]] += x * m_data[j]


@njit(cache=True, nogil=True)
def _nearest_by_class(indptr, indices, data, n_indptr, n_indices, n_data, class_of,
                      n_neighbors, out):
    # One dot product per neighbour a row touches, listed in `touched` when it first turns
    # positive (a sum of positive products never returns to 0) and cleared after the row.
    # 32-bit scratch, as scipy's float32 product sums, stays in cache: 65,000 neighbours.
    dots = np.zeros(n_neighbors, dtype=np.float32)
    touched = np.empty(n_neighbors, dtype=np.int32)
    for row in range(len(indptr) - 1):
        count = 0
        for k in range(indptr[row], indptr[row + 1]):
            feature = indices[k]
            x = data[k]
            for j in range(n_indptr[feature], n_indptr[feature + 1]):
                product = x * n_data[j]
                if product > 0:
                    neighbor = n_indices[j]
                    if dots[neighbor] == 0:
                        touched[count] = neighbor
                        count += 1
                    dots[neighbor] += product
        target = out[row]
        for t in range(count):
            neighbor = touched[t]
            cls = class_of[neighbor]
            if dots[neighbor] > target[cls]:
                target[cls] = dots[neighbor]
            dots[neighbor] = 0


@njit(cache=True, nogil=True)
def _pair_contributions(indptr, indices, data, first, pair_class, m_indptr, m_indices,
                        m_data, n_classes, room, pair_out, feature_out, value_out):
    # Walking each feature's classes (contiguous memory) beats a search per (pair, feature).
    # `head[c]` is the row's first pair of class c and `chain[p]` the next pair of the same
    # class, so a class asked for twice gets both.
    head = np.full(n_classes, -1, dtype=np.int64)
    chain = np.full(len(pair_class), -1, dtype=np.int64)
    fill = room[:-1].copy()
    for row in range(len(indptr) - 1):
        start, stop = first[row], first[row + 1]
        if start == stop:
            continue
        for p in range(stop - 1, start - 1, -1):
            chain[p] = head[pair_class[p]]
            head[pair_class[p]] = p
        for k in range(indptr[row], indptr[row + 1]):
            feature = indices[k]
            for j in range(m_indptr[feature], m_indptr[feature + 1]):
                p = head[m_indices[j]]
                while p >= 0:
                    at = fill[p]
                    pair_out[at] = p
                    feature_out[at] = feature
                    value_out[at] = m_data[j] * data[k]
                    fill[p] = at + 1
                    p = chain[p]
        for p in range(start, stop):
            head[pair_class[p]] = -1
    count = 0
    for p in range(len(pair_class)):
        for at in range(room[p], fill[p]):
            pair_out[count] = pair_out[at]
            feature_out[count] = feature_out[at]
            value_out[count] = value_out[at]
            count += 1
    return count


@njit(cache=True, nogil=True)
def _top_per_group(group, value, n_groups, keep):
    # A counting sort by group (stable), then each group's entries by value.
    starts = np.zeros(n_groups + 1, dtype=np.int64)
    for i in range(len(group)):
        if value[i] > 0:
            starts[group[i] + 1] += 1
    starts = np.cumsum(starts)
    order = np.empty(starts[-1], dtype=np.int64)
    fill = starts[:-1].copy()
    for i in range(len(group)):
        if value[i] > 0:
            order[fill[group[i]]] = i
            fill[group[i]] += 1
    # Each group's `keep` largest values, kept sorted while the group is read: an entry
    # enters only above the smallest kept one (a tie stays behind: input order), so a group
    # of n entries costs about n steps, not a sort.
    out = np.empty(len(order), dtype=np.int64)
    n = 0
    for g in range(n_groups):
        size = 0
        for a in range(starts[g], starts[g + 1]):
            entry = order[a]
            v = value[entry]
            if size == keep and v <= value[out[n + size - 1]]:
                continue
            b = size if size < keep else keep - 1
            while b > 0 and value[out[n + b - 1]] < v:
                out[n + b] = out[n + b - 1]
                b -= 1
            out[n + b] = entry
            if size < keep:
                size += 1
        n += size
    return out[:n]
