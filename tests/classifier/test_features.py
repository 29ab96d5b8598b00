"""The fast TF-IDF transform gives exactly what scikit-learn's transform gives."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from jobatlas.classifier.features import tfidf_transform

TRAIN = ["truck driver", "delivery truck driver", "line cook", "prep cook", "cashier",
         "home health aide", "forklift operator", "warehouse associate"]
NEW = ["Truck Drivers", "cook cook cook", "zzz", "", "forklift and truck", "Niñera",
       "Line\tcook\n\nPREP  cook"]


@pytest.mark.parametrize(
    "settings",
    [
        {"analyzer": "char_wb", "ngram_range": (2, 5), "sublinear_tf": True},
        {"analyzer": "char_wb", "ngram_range": (3, 4), "lowercase": False},
        {"analyzer": "word", "ngram_range": (1, 2), "sublinear_tf": True, "dtype": np.float32},
        {"analyzer": "word", "norm": None, "use_idf": False},
        {"analyzer": "word", "norm": "l1"},  # not plain: falls back to transform
        {"analyzer": "word", "binary": True},  # not plain: falls back to transform
        {"analyzer": str.split, "lowercase": False, "min_df": 2},
    ],
)
def test_tfidf_transform_equals_sklearn(settings):
    vectorizer = TfidfVectorizer(**settings).fit(TRAIN)
    fast = tfidf_transform(vectorizer, NEW)
    slow = vectorizer.transform(NEW).tocsr()
    assert fast.shape == slow.shape and fast.dtype == slow.dtype
    assert abs(fast - slow).max() == 0
    assert np.array_equal(fast.indptr, slow.indptr) and np.array_equal(fast.indices, slow.indices)
    # A second call reads words from the per-vectorizer cache: still the same.
    assert abs(tfidf_transform(vectorizer, NEW[::-1]) - slow[::-1]).max() == 0


def test_word_cache_is_bounded(monkeypatch):
    from jobatlas.classifier import features

    monkeypatch.setattr(features, "WORD_CACHE_SIZE", 2)
    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4)).fit(TRAIN)
    fast = tfidf_transform(vectorizer, NEW)
    assert len(features._WORD_COLUMNS[vectorizer]) <= 2
    assert abs(fast - vectorizer.transform(NEW)).max() == 0
