"""A multinomial logistic regression whose weights live only on (feature, class) pairs seen in
training, fitted in a few passes of mini-batch AdaGrad."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.special import softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.preprocessing import LabelEncoder
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from jobatlas.classifier import kernels


class SupportSoftmaxClassifier(ClassifierMixin, BaseEstimator):
    """Softmax regression restricted to the features each class was seen with.

    A dense weight matrix over 1,000 occupations and 300,000 n-grams would hold 300 million
    numbers; a weight exists here only where a feature occurs in some training text of the
    class (about 1.1 million pairs on the O*NET titles). The model is still discriminative: it
    learns which of a title's n-grams separate neighbouring occupations ("junior" against
    "senior", "software" against "computer"), which class centroids and nearest-title votes
    cannot. Each step keeps only the ``top_residuals`` largest probability errors of a text,
    so its cost grows with the text's features, not with the number of classes.

    Parameters
    ----------
    epochs : int, default=2
        Passes over the training texts.
    learning_rate : float, default=0.5
        AdaGrad step size.
    batch_size : int, default=1024
        Texts per step.
    l2 : float, default=1e-6
        L2 penalty on the weights touched by a step.
    top_residuals : int, default=20
        Classes per text whose probability error enters the gradient.
    random_state : int, default=0
        Seed of the order of texts.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
    coef_ : scipy.sparse.csr_matrix of shape (n_features, n_classes)
        Weights, one row per feature.
    intercept_ : ndarray of shape (n_classes,)
    """

    def __init__(self, epochs: int = 2, learning_rate: float = 0.5, batch_size: int = 1024,
                 l2: float = 1e-6, top_residuals: int = 20, random_state: int = 0):
        self.epochs = epochs
        self.learning_rate = learning_rate
        self.batch_size = batch_size
        self.l2 = l2
        self.top_residuals = top_residuals
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        # A few passes fit text well; blobs of the generic checks would need many more.
        tags.classifier_tags.poor_score = True
        return tags

    def fit(self, X, y, sample_weight=None):
        """Learn the weights from features ``X`` (sparse or dense) and labels ``y``."""
        X, y = validate_data(self, X, y, accept_sparse="csr", dtype=np.float32)
        check_classification_targets(y)
        weights = _check_sample_weight(sample_weight, X, dtype=np.float64)
        encoder = LabelEncoder()
        codes = encoder.fit_transform(y)
        self.classes_ = encoder.classes_
        X = sp.csr_matrix(X, dtype=np.float32)
        X.sort_indices()
        self.coef_ = _support(X, codes, len(self.classes_))
        self.intercept_ = np.zeros(len(self.classes_), dtype=np.float32)
        rows = np.flatnonzero(weights > 0)
        if len(rows):
            self._descend(X, codes, weights / weights[rows].mean(), rows)
        return self

    def _descend(self, X, codes, weights, rows) -> None:
        n_classes = len(self.classes_)
        coef, intercept = self.coef_, self.intercept_
        squares = np.full(coef.nnz, 1e-8, dtype=np.float32)
        intercept_squares = np.full(n_classes, 1e-8, dtype=np.float32)
        rng = np.random.default_rng(self.random_state)
        keep = min(self.top_residuals, n_classes)
        for _ in range(self.epochs):
            order = rng.permutation(rows)
            for start in range(0, len(order), self.batch_size):
                batch = order[start:start + self.batch_size]
                part = X[batch]
                residual = softmax((part @ coef).toarray() + intercept, axis=1)
                residual[np.arange(len(batch)), codes[batch]] -= 1.0
                residual *= weights[batch, None] / len(batch)
                step = residual.sum(axis=0)
                intercept_squares += step * step
                intercept -= self.learning_rate * step / np.sqrt(intercept_squares)
                at, grad = _support_gradient(part, residual, keep, coef, n_classes)
                grad += self.l2 * coef.data[at]
                squares[at] += grad * grad
                coef.data[at] -= self.learning_rate * grad / np.sqrt(squares[at])

    def decision_function(self, X) -> np.ndarray:
        """Return the logit of each class, shape (n, n_classes); (n,) with two classes."""
        scores = self.logits(X)
        return scores[:, 1] - scores[:, 0] if len(self.classes_) == 2 else scores

    def logits(self, X, check_input: bool = True) -> np.ndarray:
        """Return the logit of every class (also for two), shape (n, n_classes)."""
        check_is_fitted(self, "coef_")
        if check_input:
            X = validate_data(self, X, accept_sparse="csr", dtype=np.float32, reset=False)
        # Filled in place: toarray, a float64 copy and the intercept sum would be three passes.
        out = np.empty((X.shape[0], len(self.classes_)), dtype=np.float64)
        out[:] = self.intercept_
        return self._add_product(X, out, 1.0)

    def add_logits(self, X, out: np.ndarray, weight: float) -> np.ndarray:
        """Add ``weight`` times the logits of the rows of CSR ``X`` to ``out`` in place.

        For a caller that sums scores: one pass over ``out`` instead of building the logits,
        scaling them and adding them (three passes over a rows x classes array).
        """
        check_is_fitted(self, "coef_")
        out += weight * self.intercept_
        return self._add_product(X, out, weight)

    def _add_product(self, X, out: np.ndarray, weight: float) -> np.ndarray:
        # Titles meet almost every class, so the product goes straight into the dense
        # ``out``; a sparse product would be built and then scattered.
        return kernels.add_product(sp.csr_matrix(X, dtype=np.float32), self.coef_, out, weight)

    def predict_proba(self, X) -> np.ndarray:
        """Return the softmax of the logits, shape (n, n_classes)."""
        return softmax(self.logits(X), axis=1)

    def predict(self, X) -> np.ndarray:
        """Return the class of the largest logit."""
        logits = self.logits(X)
        return self.classes_[np.argmax(logits, axis=1)]


def _support(X: sp.csr_matrix, codes: np.ndarray, n_classes: int) -> sp.csr_matrix:
    """Return a zero (n_features, n_classes) CSR matrix with an entry per (feature, class) seen."""
    seen = X.copy()
    seen.data = np.ones_like(seen.data)
    membership = sp.csr_matrix((np.ones(len(codes), np.float32), (np.arange(len(codes)), codes)),
                               shape=(len(codes), n_classes))
    support = sp.csr_matrix(seen.T @ membership, dtype=np.float32)
    support.sort_indices()
    support.data[:] = 0.0
    return support


def _support_gradient(part, residual, keep, coef, n_classes):
    """Return (entry positions, gradient) of the weights from one batch's residuals.

    Only each text's ``keep`` largest residuals count; the gradient of a (feature, class) pair
    outside the support is dropped.
    """
    n = residual.shape[0]
    top = np.argpartition(-np.abs(residual), keep - 1, axis=1)[:, :keep]
    sparse_residual = sp.csr_matrix(
        (np.take_along_axis(residual, top, axis=1).ravel(), top.ravel(),
         np.arange(0, n * keep + 1, keep)), shape=(n, n_classes))
    gradient = sp.coo_matrix(part.T @ sparse_residual)
    at = kernels.csr_positions(coef, gradient.row, gradient.col)
    hit = at >= 0
    return at[hit], gradient.data[hit].astype(np.float32)
