"""Compiled loops (numba) for the scoring steps that scipy and numpy have no single call for.

Scoring a title multiplies its ~50 features by three sparse matrices (class centroids, the
softmax regression, the short training titles). scipy's sparse-times-sparse product first
counts the result's entries, then builds it as a sparse matrix that the caller scattered into
a dense array, although for titles against 1,016 occupations the result is nearly dense. These
loops (compiled on first use and cached on disk) add each product straight into the dense
scores, blend in each occupation's nearest training title without materializing the
title-to-title similarities, find the evidence of chosen (text, occupation) pairs by walking
each feature's own occupations, rank each pair's n-grams and words, and take each row's top
classes, each in one pass with no sort of the whole batch.

The sparse ones take scipy CSR matrices and pass their arrays (``indptr``, ``indices``,
``data``) to the loops; model matrices are feature-major (one row per feature). The loops do
not check bounds, so every wrapper checks shapes and index ranges first."""

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


def blend_nearest(X: sp.csr_matrix, rows: np.ndarray, neighbors: sp.csr_matrix,
                  class_of: np.ndarray, scores: np.ndarray, share: float) -> np.ndarray:
    """Blend into ``scores[rows[i]]`` each class's nearest neighbour for row ``i`` of ``X``:
    ``(1 - share) * score + share * (largest dot product with a column of that class)``,
    in place; returns ``scores``.

    ``neighbors`` holds one column per neighbour (one row per feature); ``class_of`` gives
    each column's class. Entries of both must not be negative: a class no neighbour of which
    shares a feature with the row gets 0, the largest dot product it could have.
    """
    _check_shapes(X, neighbors)
    _check_out(scores, scores.shape[0], scores.shape[1])
    rows = np.asarray(rows, dtype=np.int64)
    if len(rows) != X.shape[0]:
        raise ValueError(f"{len(rows)} rows for {X.shape[0]} rows of X")
    if len(rows) and (rows.min() < 0 or rows.max() >= scores.shape[0]):
        raise ValueError(f"rows must lie in [0, {scores.shape[0]})")
    if len(class_of) != neighbors.shape[1]:
        raise ValueError(f"class_of has {len(class_of)} classes for {neighbors.shape[1]} columns")
    class_of = np.asarray(class_of, dtype=np.int64)
    if len(class_of) and (class_of.min() < 0 or class_of.max() >= scores.shape[1]):
        raise ValueError(f"classes must lie in [0, {scores.shape[1]})")
    _blend_nearest(X.indptr, X.indices, X.data, rows, neighbors.indptr, neighbors.indices,
                   neighbors.data, class_of, neighbors.shape[1], scores, float(share))
    return scores


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
    pair_class = np.asarray(pair_class, dtype=np.int64)
    if len(pair_class) != len(pair_row):
        raise ValueError(f"{len(pair_class)} pair classes for {len(pair_row)} pair rows")
    if len(pair_class) and (pair_class.min() < 0 or pair_class.max() >= by_feature.shape[1]):
        raise ValueError(f"pair classes must lie in [0, {by_feature.shape[1]})")
    first = np.searchsorted(pair_row, np.arange(X.shape[0] + 1)).astype(np.int64)
    # Each pair gets room for one entry per feature of its row, filled, then packed.
    room = np.concatenate(([0], np.cumsum(np.diff(X.indptr)[pair_row]))).astype(np.int64)
    pair = np.empty(room[-1], np.int64)
    feature = np.empty(room[-1], np.int64)
    value = np.empty(room[-1], np.float32)
    count = _pair_contributions(X.indptr, X.indices, X.data, first, pair_class,
                                by_feature.indptr, by_feature.indices, by_feature.data,
                                by_feature.shape[1], room, pair, feature, value)
    return pair[:count], feature[:count], value[:count]


def top_per_group(group: np.ndarray, value: np.ndarray, n_groups: int, keep: int) -> np.ndarray:
    """Return the indices of the entries with a positive ``value``, ordered by ``group`` (ints
    in ``[0, n_groups)``) and, within a group, by ``value`` from largest to smallest (ties in
    input order), at most ``keep`` per group."""
    group = np.asarray(group, dtype=np.int64)
    if len(group) and (group.min() < 0 or group.max() >= n_groups):
        raise ValueError(f"groups must lie in [0, {n_groups})")
    return _top_per_group(group, np.asarray(value, dtype=np.float32), n_groups, keep)


def top_k_rows(scores: np.ndarray, rows: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Return (columns, values) of the ``k`` largest entries of each of ``rows`` of the 2-D
    ``scores``, best first (ties: the lower column first), each of shape (len(rows), k).

    One pass over each row with a sorted buffer of ``k``: no copy of the rows, no partition.
    """
    scores = np.ascontiguousarray(scores, dtype=np.float64)
    rows = np.asarray(rows, dtype=np.int64)
    if not 1 <= k <= scores.shape[1]:
        raise ValueError(f"k must lie in [1, {scores.shape[1]}], got {k}")
    if len(rows) and (rows.min() < 0 or rows.max() >= scores.shape[0]):
        raise ValueError(f"rows must lie in [0, {scores.shape[0]})")
    columns = np.empty((len(rows), k), dtype=np.int64)
    values = np.empty((len(rows), k), dtype=np.float64)
    _top_k_rows(scores, rows, k, columns, values)
    return columns, values


def top_words(pair: np.ndarray, word: np.ndarray, value: np.ndarray, top_n: int
              ) -> tuple[np.ndarray, np.ndarray]:
    """Sum ``value`` per (pair, word) and return (pair, word) of each pair's ``top_n`` words
    by that sum, best first (ties: the lower word id first), pair by pair.

    ``pair`` must be ordered; a pair holds a few dozen entries at most (each pair's strongest
    n-grams), so the words of a pair are gathered by a scan, with no sort of the whole batch.
    """
    pair = np.asarray(pair, dtype=np.int64)
    if len(pair) and np.any(np.diff(pair) < 0):
        raise ValueError("pairs must be ordered")
    out_pair = np.empty(len(pair), dtype=np.int64)
    out_word = np.empty(len(pair), dtype=np.int64)
    count = _top_words(pair, np.asarray(word, dtype=np.int64),
                       np.asarray(value, dtype=np.float32), top_n, out_pair, out_word)
    return out_pair[:count], out_word[:count]


def first_holder(held_indptr: np.ndarray, held: np.ndarray, holder: np.ndarray,
                 segment: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """Return, for each ``(segment[i], wanted[i])``, the ``holder`` of the first entry of
    that segment of ``held`` equal to ``wanted[i]``; -1 where the segment holds none.

    Segment ``s`` is ``held[held_indptr[s]:held_indptr[s + 1]]`` (a text's words' n-gram
    columns, word after word); ``holder`` names each entry (its word). Each segment is sorted
    once (a few hundred entries) and searched per wanted value, so finding the words of a
    batch needs no sort of the whole batch.
    """
    held_indptr = np.asarray(held_indptr, dtype=np.int64)
    held = np.asarray(held, dtype=np.int64)
    holder = np.asarray(holder, dtype=np.int64)
    segment = np.asarray(segment, dtype=np.int64)
    if len(held) != len(holder) or len(held_indptr) < 1 or held_indptr[-1] != len(held):
        raise ValueError("held_indptr must end at len(held), and holder match held")
    if np.any(np.diff(held_indptr) < 0) or held_indptr[0] != 0:
        raise ValueError("held_indptr must start at 0 and never decrease")
    if len(held) and held.min() < 0:
        raise ValueError("held values must not be negative")
    segments = len(held_indptr) - 1
    if len(segment) and (segment.min() < 0 or segment.max() >= segments):
        raise ValueError(f"segments must lie in [0, {segments})")
    out = np.empty(len(segment), dtype=np.int64)
    _first_holder(held_indptr, held, holder, segment, np.asarray(wanted, dtype=np.int64), out)
    return out


def csr_positions(matrix: sp.csr_matrix, rows: np.ndarray, columns: np.ndarray) -> np.ndarray:
    """Return the position in ``matrix.data`` of each entry ``(rows[i], columns[i])``, or -1
    where ``matrix`` stores none.

    ``matrix`` must have sorted indices. Each entry is searched within its own row (a few
    classes per feature) instead of among all the matrix's entries: training the softmax
    regressions looks up millions of (feature, class) pairs, and one search over the whole
    support (1.1 and 1.9 million keys) missed the cache on every step.
    """
    if not (sp.issparse(matrix) and matrix.format == "csr" and matrix.has_sorted_indices):
        raise TypeError("csr_positions takes a CSR matrix with sorted indices")
    rows = np.asarray(rows, dtype=np.int64)
    columns = np.asarray(columns, dtype=np.int64)
    if len(rows) != len(columns):
        raise ValueError(f"{len(rows)} rows for {len(columns)} columns")
    if len(rows) and (rows.min() < 0 or rows.max() >= matrix.shape[0]):
        raise ValueError(f"rows must lie in [0, {matrix.shape[0]})")
    out = np.empty(len(rows), dtype=np.int64)
    # The matrix's own index arrays (int32 or int64): a copy would cost a pass per step.
    _csr_positions(matrix.indptr, matrix.indices, rows, columns, out)
    return out


def embed_rows(X: sp.csr_matrix, lookup: np.ndarray, vectors: np.ndarray,
               check_lookup: bool = True) -> np.ndarray:
    """Return the float32 array whose row ``i`` is the sum over the entries ``(j, value)`` of
    row ``i`` of ``X`` of ``value * vectors[lookup[j]]`` (entries with ``lookup[j] < 0`` add
    nothing): a text's embedding from its feature weights. Two scipy products (columns to
    words, then words to vectors) cost ~0.2 ms of overhead for a single title.

    ``check_lookup=False`` skips the scan of ``lookup`` for entries past ``vectors`` (24 us
    per call), for a caller that built ``lookup`` itself."""
    if not (sp.issparse(X) and X.format == "csr"):
        raise TypeError("embed_rows takes a CSR matrix")
    lookup = np.asarray(lookup, dtype=np.int64)
    vectors = np.ascontiguousarray(vectors, dtype=np.float32)
    if len(lookup) != X.shape[1]:
        raise ValueError(f"lookup has {len(lookup)} entries for {X.shape[1]} features")
    if check_lookup and len(lookup) and lookup.max() >= len(vectors):
        raise ValueError(f"lookup points past the {len(vectors)} vectors")
    out = np.zeros((X.shape[0], vectors.shape[1]), dtype=np.float32)
    _embed_rows(X.indptr, X.indices, X.data, lookup, vectors, out)
    return out


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
def _blend_nearest(indptr, indices, data, rows, n_indptr, n_indices, n_data, class_of,
                   n_neighbors, scores, share):
    # One dot product per neighbour a row touches, listed in `touched` when it first turns
    # positive (a sum of positive products never returns to 0) and cleared after the row.
    # 32-bit scratch, as scipy's float32 product sums, stays in cache: 65,000 neighbours.
    dots = np.zeros(n_neighbors, dtype=np.float32)
    touched = np.empty(n_neighbors, dtype=np.int32)
    best = np.zeros(scores.shape[1], dtype=np.float64)
    keep = 1.0 - share
    for i in range(len(rows)):
        count = 0
        for k in range(indptr[i], indptr[i + 1]):
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
        best[:] = 0.0
        for t in range(count):
            neighbor = touched[t]
            cls = class_of[neighbor]
            if dots[neighbor] > best[cls]:
                best[cls] = dots[neighbor]
            dots[neighbor] = 0
        # The row's blend in one pass, while it is in cache.
        target = scores[rows[i]]
        for cls in range(len(best)):
            target[cls] = target[cls] * keep + best[cls] * share


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


@njit(cache=True, nogil=True)
def _top_k_rows(scores, rows, k, columns, values):
    for i in range(len(rows)):
        row = scores[rows[i]]
        size = 0
        for column in range(row.shape[0]):
            v = row[column]
            if size == k and v <= values[i, k - 1]:
                continue
            b = size if size < k else k - 1
            while b > 0 and values[i, b - 1] < v:
                values[i, b] = values[i, b - 1]
                columns[i, b] = columns[i, b - 1]
                b -= 1
            values[i, b] = v
            columns[i, b] = column
            if size < k:
                size += 1


@njit(cache=True, nogil=True)
def _top_words(pair, word, value, top_n, out_pair, out_word):
    words = np.empty(len(pair), dtype=np.int64)
    sums = np.empty(len(pair), dtype=np.float64)
    count = 0
    start = 0
    while start < len(pair):
        stop = start
        while stop < len(pair) and pair[stop] == pair[start]:
            stop += 1
        # Sum each distinct word's n-grams, in entry order.
        distinct = 0
        for i in range(start, stop):
            at = 0
            while at < distinct and words[at] != word[i]:
                at += 1
            if at == distinct:
                words[at] = word[i]
                sums[at] = 0.0
                distinct += 1
            sums[at] += value[i]
        # Pick the best `top_n`: larger sum first, then lower word id.
        for _ in range(min(top_n, distinct)):
            best = 0
            for at in range(1, distinct):
                if sums[at] > sums[best] or (sums[at] == sums[best] and words[at] < words[best]):
                    best = at
            out_pair[count] = pair[start]
            out_word[count] = words[best]
            count += 1
            distinct -= 1
            words[best] = words[distinct]
            sums[best] = sums[distinct]
        start = stop
    return count


@njit(cache=True, nogil=True)
def _first_holder(held_indptr, held, holder, segment, wanted, out):
    # Key = value * width + place in the segment: sorting keys orders a segment by value,
    # then by place, so the leftmost key of a value is its first entry.
    keys = np.empty(len(held), dtype=np.int64)
    for s in range(len(held_indptr) - 1):
        start, stop = held_indptr[s], held_indptr[s + 1]
        width = stop - start
        for j in range(start, stop):
            keys[j] = held[j] * width + (j - start)
        keys[start:stop] = np.sort(keys[start:stop])
    for i in range(len(segment)):
        start, stop = held_indptr[segment[i]], held_indptr[segment[i] + 1]
        width = stop - start
        out[i] = -1
        if width == 0 or wanted[i] < 0:
            continue
        at = start + np.searchsorted(keys[start:stop], wanted[i] * width)
        if at < stop and keys[at] // width == wanted[i]:
            out[i] = holder[start + keys[at] % width]


@njit(cache=True, nogil=True)
def _csr_positions(indptr, indices, rows, columns, out):
    for i in range(len(rows)):
        start, stop = indptr[rows[i]], indptr[rows[i] + 1]
        at = start + np.searchsorted(indices[start:stop], columns[i])
        out[i] = at if at < stop and indices[at] == columns[i] else -1


@njit(cache=True, nogil=True)
def _embed_rows(indptr, indices, data, lookup, vectors, out):
    for i in range(len(indptr) - 1):
        for k in range(indptr[i], indptr[i + 1]):
            row = lookup[indices[k]]
            if row >= 0:
                out[i] += data[k] * vectors[row]
