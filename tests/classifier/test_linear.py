"""SupportSoftmaxClassifier: a softmax regression on the (feature, class) pairs seen in training."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.utils.estimator_checks import parametrize_with_checks

from jobatlas.classifier.linear import SupportSoftmaxClassifier

STOCHASTIC = "mini-batch steps: repeating a text is not the same as doubling its weight"


@parametrize_with_checks(
    [SupportSoftmaxClassifier(epochs=20, batch_size=16)],
    expected_failed_checks=lambda _: {
        "check_sample_weight_equivalence_on_dense_data": STOCHASTIC,
        "check_sample_weight_equivalence_on_sparse_data": STOCHASTIC,
    },
)
def test_sklearn_contract(estimator, check):
    check(estimator)


# Features 0-1 occur with class "a", 2-3 with "b", 4 with both.
X = sp.csr_matrix(np.array([[1, 1, 0, 0, 1], [1, 0, 0, 0, 1], [0, 0, 1, 1, 1], [0, 0, 1, 0, 1]],
                           dtype=np.float32))
Y = np.array(["a", "a", "b", "b"])


def test_weights_exist_only_for_pairs_seen_in_training():
    model = SupportSoftmaxClassifier(epochs=1).fit(X, Y)
    support = {(int(f), int(c)) for f, c in zip(*model.coef_.nonzero(), strict=True)}
    assert model.coef_.shape == (5, 2)
    assert model.coef_.nnz == 6
    assert support <= {(0, 0), (1, 0), (2, 1), (3, 1), (4, 0), (4, 1)}


def test_learns_the_features_that_separate_classes():
    model = SupportSoftmaxClassifier(epochs=30, batch_size=2).fit(X, Y)
    assert list(model.predict(X)) == list(Y)
    proba = model.predict_proba(sp.csr_matrix([[0, 0, 1, 0, 1]], dtype=np.float32))
    assert proba[0, 1] > 0.8
    assert np.allclose(model.predict_proba(X).sum(axis=1), 1.0)


def test_zero_weight_texts_teach_nothing():
    weights = np.array([1.0, 1.0, 1.0, 0.0])
    model = SupportSoftmaxClassifier(epochs=5).fit(X, Y, sample_weight=weights)
    single = SupportSoftmaxClassifier(epochs=5).fit(X[:3], Y[:3])
    # The support still covers every text, but only the first three move the weights.
    assert model.coef_.nnz == single.coef_.nnz
    assert np.allclose(model.intercept_, single.intercept_)


def test_add_logits_adds_weighted_logits_in_place():
    model = SupportSoftmaxClassifier(epochs=30, batch_size=2).fit(X, Y)
    base = np.ones((X.shape[0], 2))
    out = base.copy()
    assert model.add_logits(X, out, 0.7) is out
    assert np.allclose(out, base + 0.7 * model.logits(X))
    assert not np.allclose(model.logits(X), 0.0)
