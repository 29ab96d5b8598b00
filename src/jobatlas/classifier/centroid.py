"""A class-centroid text classifier whose features are weighted by how class-specific they are."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.preprocessing import LabelEncoder, normalize
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data


class SpecificCentroidClassifier(ClassifierMixin, BaseEstimator):
    """Score each class by the cosine between a text and the class centroid.

    Every feature is first multiplied by ``(1 - H(class | feature) / log(n_classes)) ** power``:
    n-grams spread over many occupations ("er ", "assistant") count little, n-grams specific
    to a few occupations ("forklift", "phleb") count fully. Training is one sparse product, so
    the whole O*NET title set trains in about a second.

    Parameters
    ----------
    power : float, default=4.0
        Sharpness of the class-specificity weighting (0 disables it).

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    feature_weights_ : ndarray of shape (n_features,)
    centroids_ : scipy.sparse.csr_matrix of shape (n_classes, n_features)
    """

    def __init__(self, power: float = 4.0):
        self.power = power

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        tags.input_tags.positive_only = True
        # Cosine to a centroid ignores vector length: right for TF-IDF text, weak on the
        # low-dimensional numeric blobs of the generic estimator checks.
        tags.classifier_tags.poor_score = True
        return tags

    def fit(self, X, y, sample_weight=None):
        """Learn feature weights and class centroids from non-negative features ``X``."""
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
        return self

    def _specificity(self, mass, n_classes: int) -> np.ndarray:
        total = np.asarray(mass.sum(axis=0)).ravel()
        share = mass.multiply(1.0 / np.maximum(total, 1e-12)).tocsc()
        entropy = -np.asarray(share._with_data(share.data * np.log(share.data)).sum(axis=0))
        spread = entropy.ravel() / np.log(max(n_classes, 2))
        return np.clip(1.0 - spread, 0.0, 1.0) ** self.power

    def _weighted(self, X):
        check_is_fitted(self, "centroids_")
        X = validate_data(self, X, accept_sparse="csr", dtype=np.float32, reset=False)
        weighted = sp.csr_matrix(X) @ sp.diags(self.feature_weights_.astype(np.float32))
        return normalize(weighted)

    def decision_function(self, X) -> np.ndarray:
        """Return the cosine of each text with each class centroid, shape (n, n_classes)."""
        scores = np.asarray((self._weighted(X) @ self.centroids_.T).toarray())
        return scores[:, 1] - scores[:, 0] if len(self.classes_) == 2 else scores

    def class_scores(self, X) -> np.ndarray:
        """Return the cosine with every class centroid, also for two classes."""
        return np.asarray((self._weighted(X) @ self.centroids_.T).toarray())

    def predict(self, X) -> np.ndarray:
        """Return the class of the nearest centroid."""
        scores = self.class_scores(X)
        return self.classes_[np.argmax(scores, axis=1)]

    def contributions(self, row, class_indices) -> tuple[np.ndarray, np.ndarray]:
        """Return (feature indices, contributions of shape (k, nnz)) of one sparse row."""
        weighted = self._weighted(row)
        indices = weighted.indices
        parts = self.centroids_[np.asarray(class_indices)][:, indices].toarray()
        return indices, parts * weighted.data
