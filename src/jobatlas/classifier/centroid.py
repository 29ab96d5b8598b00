"""A class-centroid text classifier whose features are weighted by how class-specific they are."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.preprocessing import LabelEncoder, normalize
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from jobatlas.classifier import kernels


class SpecificCentroidClassifier(ClassifierMixin, BaseEstimator):
    """Score each class by a blend of the cosine between a text and the class centroid and,
    for short texts, the cosine to the class's most similar training text.

    Every feature of the centroid model is first multiplied by
    ``(1 - H(class | feature) / log(n_classes)) ** power``: n-grams spread over many
    occupations ("er ", "assistant") count little, n-grams specific to a few occupations
    ("forklift", "phleb") count fully. Training is one sparse product, so the whole O*NET
    title set trains in about a second.

    Centroids alone dilute large classes ("Industrial Truck Operators" has hundreds of
    titles), so a short text (a title) is also compared with every short training text; a
    class scores its nearest one (a max-cosine nearest-neighbour vote). That vote is
    computed on the plain TF-IDF features: the specificity weighting helps a centroid
    but hurts a one-to-one comparison, which needs the shared common words too.

    Parameters
    ----------
    power : float, default=4.0
        Sharpness of the class-specificity weighting (0 disables it).
    neighbor_share : float, default=0.6
        Weight of the nearest-neighbour cosine in a short text's score (0 disables it).
    neighbor_max_nnz : int, default=400
        Texts with more non-zero features than this (postings, resumes) are scored by
        centroids alone: one-to-one comparison with titles says little about them and
        would cost most of the time.
    neighbor_max_df : float, default=0.01
        Features found in a larger share of the neighbour texts ("er ", "or") are left out
        of the neighbour comparison after the vectors are normalized. Their TF-IDF weight is
        small, so cosines barely move, but their long posting lists would dominate the cost
        of the sparse product.
    prune_below : float, default=1e-3
        Centroid entries smaller than this are dropped after normalization. On O*NET they are
        about 70% of the entries but 0.02% of the squared mass; dropping them makes long
        texts (resumes) several times cheaper to score.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    feature_weights_ : ndarray of shape (n_features,)
    centroids_ : scipy.sparse.csr_matrix of shape (n_classes, n_features)
    centroids_by_feature_ : scipy.sparse.csr_matrix of shape (n_features, n_classes)
        The same centroids, stored one row per feature for fast scoring.
    neighbor_features_ : ndarray of shape (n_features,)
        1 for the features the neighbour comparison uses, 0 for the others.
    neighbor_kept_ : ndarray of shape (n_features,)
        0 for the features too common among neighbours to enter the product, else 1.
    neighbors_ : scipy.sparse.csr_matrix of shape (n_features, n_neighbors)
        The L2-normalized short training texts, one column each, ordered by class.
    neighbor_starts_ : ndarray of int
        Column where each class present among the neighbours starts.
    neighbor_class_ids_ : ndarray of int
        Class index of each run of columns in ``neighbors_``.
    """

    def __init__(self, power: float = 4.0, neighbor_share: float = 0.6,
                 neighbor_max_nnz: int = 400, neighbor_max_df: float = 0.01,
                 prune_below: float = 1e-3):
        self.power = power
        self.prune_below = prune_below
        self.neighbor_share = neighbor_share
        self.neighbor_max_nnz = neighbor_max_nnz
        self.neighbor_max_df = neighbor_max_df

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.positive_only = True
        # Cosine to a centroid ignores vector length: right for TF-IDF text, weak on the
        # low-dimensional numeric blobs of the generic estimator checks.
        tags.classifier_tags.poor_score = True
        return tags

    def fit(self, X, y, sample_weight=None, neighbor_mask=None, neighbor_features=None):
        """Learn feature weights, class centroids and the neighbour index from features ``X``.

        ``neighbor_mask`` (boolean, one per row) selects the rows searched for neighbours
        (short titles rather than long task statements); by default every row. Rows with
        zero sample weight are never neighbours. ``neighbor_features`` (boolean, one per
        column) selects the features the neighbour comparison uses; by default all.
        """
        X, y = validate_data(self, X, y, accept_sparse="csr", dtype=np.float64)
        if (X.data if sp.issparse(X) else X).min(initial=0) < 0:
            raise ValueError("Negative values in data passed to SpecificCentroidClassifier")
        check_classification_targets(y)
        weights = _check_sample_weight(sample_weight, X, dtype=np.float64)
        encoder = LabelEncoder()
        codes = encoder.fit_transform(y)
        self.classes_ = encoder.classes_
        n_classes = len(self.classes_)
        membership = sp.csr_matrix((weights, (codes, np.arange(len(codes)))),
                                   shape=(n_classes, X.shape[0]))
        mass = sp.csc_matrix(membership @ normalize(sp.csr_matrix(X)))
        self.feature_weights_ = self._specificity(mass, n_classes)
        weighted = normalize(sp.csr_matrix(X) @ sp.diags(self.feature_weights_))
        centroids = sp.csr_matrix(normalize(membership @ weighted), dtype=np.float32)
        centroids.data[centroids.data < self.prune_below] = 0.0
        centroids.eliminate_zeros()
        self.centroids_ = centroids
        # Scoring multiplies by the transpose, one row per feature: its cost then grows with
        # the query's features, not with the size of the whole centroid matrix.
        self.centroids_by_feature_ = sp.csr_matrix(self.centroids_.T)
        mask = np.ones(X.shape[0], bool) if neighbor_mask is None else np.asarray(neighbor_mask)
        columns = (np.ones(X.shape[1], bool) if neighbor_features is None
                   else np.asarray(neighbor_features, dtype=bool))
        if columns.shape != (X.shape[1],):
            raise ValueError(
                f"neighbor_features has {columns.size} flags for {X.shape[1]} features")
        self.neighbor_features_ = columns.astype(np.float32)
        self._fit_neighbors(X, codes, mask & (weights > 0))
        return self

    def _fit_neighbors(self, X, codes, mask) -> None:
        rows = np.flatnonzero(mask)
        rows = rows[np.argsort(codes[rows], kind="stable")]
        picked = _l2_rows(_scale_columns(sp.csr_matrix(X)[rows], self.neighbor_features_))
        df = np.bincount(picked.indices, minlength=picked.shape[1])
        common = df > max(self.neighbor_max_df * len(rows), 1)
        self.neighbor_kept_ = (~common).astype(np.float32)
        picked = _scale_columns(picked, self.neighbor_kept_)
        self.neighbors_ = sp.csr_matrix(picked.T, dtype=np.float32)
        self.neighbors_.sort_indices()
        ids, starts = np.unique(codes[rows], return_index=True)
        self.neighbor_class_ids_ = ids.astype(np.int64)
        self.neighbor_starts_ = starts.astype(np.int64)

    def _blend_nearest(self, X, scores: np.ndarray, rows: np.ndarray) -> None:
        """Blend into ``scores[rows]`` the cosine of each class's nearest short training text
        to the rows of ``X`` (one per entry of ``rows``), in place.

        Only the neighbours sharing a feature with a row are visited (a title meets about 2%
        of them), and no rows x n_neighbors similarity matrix is built. Cosines are never
        negative, so a class none of whose texts shares a feature scores 0, its true maximum.
        """
        n_neighbors = self.neighbors_.shape[1]
        if n_neighbors == 0:
            scores[rows] *= 1.0 - self.neighbor_share
            return
        class_of = np.repeat(self.neighbor_class_ids_,
                             np.diff(self.neighbor_starts_, append=n_neighbors))
        query = _scale_columns(X, self.neighbor_features_, self.neighbor_kept_)
        kernels.blend_nearest(query, rows, self.neighbors_, class_of, scores,
                              self.neighbor_share)

    def _specificity(self, mass, n_classes: int) -> np.ndarray:
        total = np.asarray(mass.sum(axis=0)).ravel()
        share = mass.multiply(1.0 / np.maximum(total, 1e-12)).tocsc()
        entropy = -np.asarray(share._with_data(share.data * np.log(share.data)).sum(axis=0))
        spread = entropy.ravel() / np.log(max(n_classes, 2))
        return np.clip(1.0 - spread, 0.0, 1.0) ** self.power

    def _weighted(self, X, check_input: bool = True):
        check_is_fitted(self, "centroids_")
        if check_input:
            X = validate_data(self, X, accept_sparse="csr", dtype=np.float32, reset=False)
        return _l2_rows(_scale_columns(X, self.feature_weights_))

    def decision_function(self, X) -> np.ndarray:
        """Return the score of each text for each class, shape (n, n_classes)."""
        scores = self.class_scores(X)
        return scores[:, 1] - scores[:, 0] if len(self.classes_) == 2 else scores

    def class_scores(self, X, check_input: bool = True) -> np.ndarray:
        """Return the blended centroid and neighbour cosines for every class (also for two).

        ``check_input=False`` skips input validation, for callers passing a CSR matrix they
        built themselves (a single title is scored in about a millisecond; validation would
        cost as much again).
        """
        check_is_fitted(self, "centroids_")
        if check_input:
            X = validate_data(self, X, accept_sparse="csr", dtype=np.float32, reset=False)
        X = sp.csr_matrix(X, dtype=np.float32)
        scores = np.zeros((X.shape[0], len(self.classes_)), dtype=np.float64)
        kernels.add_product(self._weighted(X, check_input=False), self.centroids_by_feature_,
                            scores)
        if self.neighbor_share <= 0:
            return scores
        # Only short rows are blended: a long row's score is its centroid cosine unchanged.
        short = np.flatnonzero(np.diff(X.indptr) <= self.neighbor_max_nnz)
        every = len(short) == X.shape[0]  # a batch of titles: no row copies
        self._blend_nearest(X if every else X[short], scores, short)
        return scores

    def predict(self, X) -> np.ndarray:
        """Return the class of the nearest centroid."""
        scores = self.class_scores(X)
        return self.classes_[np.argmax(scores, axis=1)]

    def contributions_many(self, X, class_lists, check_input: bool = True
                           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Return how much each feature of each row adds to the score of chosen classes.

        ``class_lists[i]`` holds class indices for row ``i``; pairs (row, class) are numbered
        in that order. Returns parallel arrays (pair number, feature index, contribution),
        ordered by pair and then by feature, one entry per pair and feature of its row that the
        class's centroid holds: the row's other features add nothing to that class (on
        titles, over half the (pair, feature) combinations; leaving them out spares the
        caller sorting them).
        """
        weighted = self._weighted(X, check_input)
        counts = np.array([len(c) for c in class_lists], dtype=np.int64)
        pair_row = np.repeat(np.arange(len(counts)), counts)
        pair_class = (np.concatenate(class_lists).astype(np.int64) if len(pair_row)
                      else np.zeros(0, np.int64))
        return kernels.pair_contributions(weighted, pair_row, pair_class,
                                          self.centroids_by_feature_)


def _l2_rows(X: sp.csr_matrix) -> sp.csr_matrix:
    """Return CSR ``X`` with rows scaled to unit length (``normalize`` without its checks)."""
    lengths = np.diff(X.indptr)
    rows = np.repeat(np.arange(X.shape[0]), lengths)
    norms = np.sqrt(np.bincount(rows, weights=X.data.astype(np.float64) ** 2,
                                minlength=X.shape[0]))
    norms[norms == 0] = 1.0
    X.data = (X.data / norms[rows]).astype(X.dtype)
    return X


def _scale_columns(X, weights: np.ndarray, after_l2: np.ndarray | None = None) -> sp.csr_matrix:
    """Return a copy of ``X`` with each column multiplied by its weight (O(nnz), no diagonal
    matrix); with ``after_l2``, then L2-normalize the rows and multiply by those weights too."""
    X = sp.csr_matrix(X, dtype=np.float32, copy=True)
    X.data *= weights[X.indices].astype(np.float32)
    if after_l2 is not None:
        _l2_rows(X)
        X.data *= after_l2[X.indices].astype(np.float32)
    X.eliminate_zeros()
    return X
