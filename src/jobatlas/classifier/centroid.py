"""A class-centroid text classifier whose features are weighted by how class-specific they are."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.preprocessing import LabelEncoder, normalize
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data


class SpecificCentroidClassifier(ClassifierMixin, BaseEstimator):
    """Score each class by the cosine between a text and the class centroid, plus a boost
    for near-duplicates of single training texts.

    Every feature is first multiplied by ``(1 - H(class | feature) / log(n_classes)) ** power``:
    n-grams spread over many occupations ("er ", "assistant") count little, n-grams specific
    to a few occupations ("forklift", "phleb") count fully. Training is one sparse product, so
    the whole O*NET title set trains in about a second.

    Parameters
    ----------
    power : float, default=4.0
        Sharpness of the class-specificity weighting (0 disables it).
    neighbor_threshold : float, default=0.95
        Cosine with one training text above which that text's class gets a boost. A large
        class ("Industrial Truck Operators") has a diluted centroid, so an input equal to one
        of its titles ("Forklift Operator") must still win.
    neighbor_boost : float, default=0.3
        Score added for an exact duplicate (scaled linearly from the threshold).
    neighbor_min_weight : float, default=0.2
        Features with a smaller specificity weight are ignored in the neighbour search,
        which keeps it sparse and fast.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    feature_weights_ : ndarray of shape (n_features,)
    centroids_ : scipy.sparse.csr_matrix of shape (n_classes, n_features)
    """

    def __init__(self, power: float = 4.0, neighbor_threshold: float = 0.95,
                 neighbor_boost: float = 0.3, neighbor_min_weight: float = 0.2):
        self.power = power
        self.neighbor_threshold = neighbor_threshold
        self.neighbor_boost = neighbor_boost
        self.neighbor_min_weight = neighbor_min_weight

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.positive_only = True
        # Cosine to a centroid ignores vector length: right for TF-IDF text, weak on the
        # low-dimensional numeric blobs of the generic estimator checks.
        tags.classifier_tags.poor_score = True
        return tags

    def fit(self, X, y, sample_weight=None, neighbor_mask=None):
        """Learn feature weights, class centroids and the neighbour index from features ``X``.

        ``neighbor_mask`` (boolean, one per row) selects the rows searched for near-duplicates
        (short titles rather than long task statements); by default every row.
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
        self.centroids_ = sp.csr_matrix(normalize(membership @ weighted), dtype=np.float32)
        self._fit_neighbors(X, codes, neighbor_mask)
        return self

    def _fit_neighbors(self, X, codes, neighbor_mask) -> None:
        rows = np.arange(X.shape[0]) if neighbor_mask is None else np.flatnonzero(neighbor_mask)
        self.neighbor_weights_ = np.where(
            self.feature_weights_ >= self.neighbor_min_weight, self.feature_weights_, 0.0
        ).astype(np.float32)
        picked = sp.csr_matrix(X)[rows] @ sp.diags(self.neighbor_weights_)
        if picked.shape[0]:
            picked = normalize(picked)
        self.neighbors_ = sp.csr_matrix(picked.T, dtype=np.float32)
        self.neighbor_classes_ = codes[rows].astype(np.int32)

    def _neighbor_scores(self, X) -> np.ndarray:
        """Return per class the boost from its nearest training text, shape (n, n_classes)."""
        boost = np.zeros((X.shape[0], len(self.classes_)), dtype=np.float64)
        if self.neighbor_boost <= 0 or self.neighbors_.shape[1] == 0:
            return boost
        query = normalize(_scale_columns(X, self.neighbor_weights_))
        similar = (query @ self.neighbors_).tocsr()
        similar.data[similar.data < self.neighbor_threshold] = 0.0
        similar.eliminate_zeros()
        span = max(1.0 - self.neighbor_threshold, 1e-6)
        for i in range(similar.shape[0]):
            start, end = similar.indptr[i], similar.indptr[i + 1]
            if start == end:
                continue
            lift = (similar.data[start:end] - self.neighbor_threshold) / span
            np.maximum.at(boost[i], self.neighbor_classes_[similar.indices[start:end]], lift)
        return boost * self.neighbor_boost

    def _specificity(self, mass, n_classes: int) -> np.ndarray:
        total = np.asarray(mass.sum(axis=0)).ravel()
        share = mass.multiply(1.0 / np.maximum(total, 1e-12)).tocsc()
        entropy = -np.asarray(share._with_data(share.data * np.log(share.data)).sum(axis=0))
        spread = entropy.ravel() / np.log(max(n_classes, 2))
        return np.clip(1.0 - spread, 0.0, 1.0) ** self.power

    def _weighted(self, X):
        check_is_fitted(self, "centroids_")
        X = validate_data(self, X, accept_sparse="csr", dtype=np.float32, reset=False)
        return normalize(_scale_columns(X, self.feature_weights_))

    def decision_function(self, X) -> np.ndarray:
        """Return the score of each text for each class, shape (n, n_classes)."""
        scores = self.class_scores(X)
        return scores[:, 1] - scores[:, 0] if len(self.classes_) == 2 else scores

    def class_scores(self, X) -> np.ndarray:
        """Return centroid cosine plus neighbour boost for every class, also for two classes."""
        weighted = self._weighted(X)
        # centroids @ X.T keeps the large centroid matrix in its stored CSR layout; X @ centroids.T
        # would convert all of it to CSR again on every call.
        scores = np.asarray((self.centroids_ @ weighted.T).T.toarray(), dtype=np.float64)
        return scores + self._neighbor_scores(sp.csr_matrix(X, dtype=np.float32))

    def predict(self, X) -> np.ndarray:
        """Return the class of the nearest centroid."""
        scores = self.class_scores(X)
        return self.classes_[np.argmax(scores, axis=1)]

    def contributions(self, row, class_indices) -> tuple[np.ndarray, np.ndarray]:
        """Return (feature indices, contributions of shape (k, nnz)) of one sparse row."""
        check_is_fitted(self, "centroids_")
        row = sp.csr_matrix(row)
        indices = row.indices
        # Same weighting as ``_weighted``, computed directly: this runs once per match, and
        # sparse fancy indexing would cost more than the classification itself.
        values = row.data * self.feature_weights_[indices]
        values = values / (float(np.sqrt(values @ values)) or 1.0)
        centroids = self.centroids_
        if not centroids.has_sorted_indices:
            centroids.sort_indices()
        parts = np.zeros((len(class_indices), len(indices)))
        for k, c in enumerate(np.asarray(class_indices)):
            start, end = centroids.indptr[c], centroids.indptr[c + 1]
            if start == end:
                continue
            columns = centroids.indices[start:end]
            pos = np.minimum(np.searchsorted(columns, indices), end - start - 1)
            hit = columns[pos] == indices
            parts[k, hit] = centroids.data[start:end][pos[hit]] * values[hit]
        return indices, parts


def _scale_columns(X, weights: np.ndarray) -> sp.csr_matrix:
    """Return ``X`` with each column multiplied by its weight (O(nnz), no diagonal matrix)."""
    X = sp.csr_matrix(X, dtype=np.float32, copy=True)
    X.data *= weights[X.indices].astype(np.float32)
    X.eliminate_zeros()
    return X
