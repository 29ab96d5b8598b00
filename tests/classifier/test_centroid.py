"""The centroid model's fast scoring gives what the plain dense formula gives."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from jobatlas.classifier.centroid import SpecificCentroidClassifier
from jobatlas.classifier.features import make_features

TITLES = {
    "a": ["forklift operator", "reach truck operator", "order picker", "pallet jack operator"],
    "b": ["line cook", "prep cook", "grill cook", "breakfast cook", "short order cook"],
    "c": ["truck driver", "delivery driver", "tractor trailer driver", "cdl driver"],
    "d": ["cashier", "checkout clerk", "cash register operator"],
}
TASKS = {
    "a": "move pallets with a forklift and load trailers at the warehouse dock",
    "b": "prepare breakfast orders on the grill and keep the kitchen line clean",
    "c": "drive a truck on long routes and inspect the vehicle before each trip",
    "d": "ring up purchases, count the cash drawer and greet customers",
}
QUERIES = ["Forklift Driver", "cook", "CDL truck operator", "clerk", "zzz",
           "loaded trailers with a forklift and drove the truck to the dock every morning",
           "cashier and line cook", "warehouse order picker"]


def plain_scores(model: SpecificCentroidClassifier, X) -> np.ndarray:
    """Return class scores by the formula, with dense matrices and no shortcuts."""
    X = sp.csr_matrix(X, dtype=np.float32).toarray().astype(np.float64)
    weighted = X * model.feature_weights_
    weighted /= np.maximum(np.linalg.norm(weighted, axis=1, keepdims=True), 1e-300)
    scores = weighted @ model.centroids_.toarray().T
    query = X * model.neighbor_features_
    query /= np.maximum(np.linalg.norm(query, axis=1, keepdims=True), 1e-300)
    similar = (query * model.neighbor_kept_) @ model.neighbors_.toarray()
    nearest = np.zeros_like(scores)
    ends = np.append(model.neighbor_starts_[1:], similar.shape[1])
    for k, start, end in zip(model.neighbor_class_ids_, model.neighbor_starts_, ends,
                             strict=True):
        nearest[:, k] = similar[:, start:end].max(axis=1)
    short = ((X > 0).sum(axis=1) <= model.neighbor_max_nnz)[:, None]
    share = np.where(short, model.neighbor_share, 0.0)
    return (1.0 - share) * scores + share * nearest


def check_same(fast: np.ndarray, plain: np.ndarray) -> None:
    assert fast.shape == plain.shape and fast.dtype == np.float64
    assert np.allclose(fast, plain, rtol=1e-5, atol=1e-6)
    assert np.array_equal(fast.argmax(axis=1), plain.argmax(axis=1))
    k = min(10, fast.shape[1])
    top = np.argsort(-fast, axis=1, kind="stable")[:, :k]
    ranked = np.take_along_axis(plain, top, axis=1)
    # The same top-k classes in the same order, up to ties within rounding.
    assert np.all(np.diff(ranked, axis=1) <= 1e-6)
    kth = -np.partition(-plain, k - 1, axis=1)[:, k - 1]
    assert np.all(ranked[:, -1] >= kth - 1e-6)


@pytest.fixture(scope="module")
def toy():
    texts = [t for titles in TITLES.values() for t in titles] + list(TASKS.values())
    labels = [c for c, titles in TITLES.items() for _ in titles] + list(TASKS)
    features = make_features(char_ngrams=(3, 5)).fit(np.array(texts + QUERIES, dtype=object))
    X = features.transform(np.array(texts, dtype=object)).tocsr()
    short = np.array([len(t.split()) <= 8 for t in texts])
    return features, X, labels, short


@pytest.mark.parametrize("settings", [
    {},
    {"neighbor_max_df": 1.0},
    {"neighbor_max_nnz": 60},  # longer queries score by centroids alone
    {"neighbor_share": 0.0},
    {"power": 0.0, "prune_below": 0.0},
])
def test_class_scores_equal_the_dense_formula(toy, settings):
    features, X, labels, short = toy
    model = SpecificCentroidClassifier(**settings).fit(X, labels, neighbor_mask=short)
    queries = features.transform(np.array(QUERIES, dtype=object)).tocsr()
    check_same(model.class_scores(queries), plain_scores(model, queries))


def test_without_neighbors_short_texts_keep_their_centroid_share(toy):
    features, X, labels, short = toy
    model = SpecificCentroidClassifier().fit(X, labels, neighbor_mask=np.zeros_like(short))
    plain = SpecificCentroidClassifier(neighbor_share=0.0).fit(X, labels)
    queries = features.transform(np.array(QUERIES[:4], dtype=object)).tocsr()
    expected = (1.0 - model.neighbor_share) * plain.class_scores(queries)
    assert np.allclose(model.class_scores(queries), expected, atol=1e-7)


def test_contributions_add_up_to_the_centroid_cosine(toy):
    features, X, labels, short = toy
    model = SpecificCentroidClassifier(neighbor_share=0.0).fit(X, labels)
    queries = features.transform(np.array(QUERIES, dtype=object)).tocsr()
    classes = [np.arange(len(model.classes_))[::-1] for _ in QUERIES]
    pair, feature, value = model.contributions_many(queries, classes)
    assert np.all(value > 0) and np.all(np.diff(pair) >= 0)
    totals = np.bincount(pair, weights=value, minlength=len(QUERIES) * len(model.classes_))
    expected = model.class_scores(queries)[:, ::-1].ravel()
    assert np.allclose(totals, expected, atol=1e-6)
    # Every entry names a feature of its own row.
    rows = pair // len(model.classes_)
    assert all(queries[r, f] > 0 for r, f in zip(rows.tolist(), feature.tolist(), strict=True))


@pytest.mark.slow
def test_class_scores_equal_the_dense_formula_on_onet():
    from jobatlas.classifier.training import build_training_set, load_reference_texts

    ref = load_reference_texts()
    data = build_training_set(ref)
    codes = sorted(set(data.labels))[::8]  # about 130 occupations keeps the test quick
    keep = np.isin(np.asarray(data.labels), codes)
    texts = np.asarray(data.texts, dtype=object)[keep]
    labels = np.asarray(data.labels)[keep]
    features = make_features(char_ngrams=(3, 5), min_df=2).fit(texts)
    X = features.transform(texts).tocsr()
    short = np.array([len(t.split()) <= 8 for t in texts])
    model = SpecificCentroidClassifier().fit(X, labels, neighbor_mask=short)
    alternates = ref.alternate_titles[ref.alternate_titles["O*NET-SOC Code"].isin(codes)]
    queries = list(alternates["Alternate Title"].sample(300, random_state=0))
    queries += list(ref.tasks["Task"].sample(40, random_state=0))
    Q = features.transform(np.array(queries, dtype=object)).tocsr()
    check_same(model.class_scores(Q), plain_scores(model, Q))
