"""The fast TF-IDF transform gives exactly what scikit-learn's transform gives."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from jobatlas.classifier import features
from jobatlas.classifier.features import make_features, tfidf_transform, transform

TRAIN = ["truck driver", "delivery truck driver", "line cook", "prep cook", "cashier",
         "home health aide", "forklift operator", "warehouse associate"]
NEW = ["Truck Drivers", "cook cook cook", "zzz", "", "forklift and truck", "Niñera",
       "Line\tcook\n\nPREP  cook", "prep\u00a0cook\u2003line\x1ccook  truck driver truck driver"]


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
        # Whitespace-split words: read by splitting and joining, not by the analyzer.
        {"analyzer": "word", "token_pattern": r"\S+", "ngram_range": (1, 3)},
        {"analyzer": "word", "token_pattern": r"\S+", "ngram_range": (2, 2), "lowercase": False},
        {"analyzer": features._split, "lowercase": False, "sublinear_tf": True},
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


def test_split_word_reader_is_used_only_where_it_applies():
    fast = TfidfVectorizer(analyzer="word", token_pattern=r"\S+")
    assert features._split_word_ngrams(fast)
    assert features._split_word_ngrams(TfidfVectorizer(analyzer=features._split))
    for other in (TfidfVectorizer(), TfidfVectorizer(token_pattern=r"\S+", stop_words=["a"]),
                  TfidfVectorizer(token_pattern=r"\S+", strip_accents="ascii"),
                  TfidfVectorizer(analyzer=str.split)):
        assert not features._split_word_ngrams(other)


def test_transform_equals_the_pipeline():
    pipeline = make_features(char_ngrams=(3, 5)).fit(np.array(TRAIN, dtype=object))
    texts = np.array(["Truck Driver", "Line Cook, Joe's Diner", "Truck Driver", "",
                      "prep cook &amp; cashier", "Forklift Operator (Nights)"], dtype=object)
    fast = transform(pipeline, texts)
    slow = pipeline.transform(texts).tocsr()
    assert fast.shape == slow.shape and abs(fast - slow).max() == 0


def test_head_tokens_reuse_the_normalized_title():
    from jobatlas.classifier.text import normalize_text

    for title in ["Truck Drivers", "Line Cook, Joe's Diner", "RN (Nights)", "Cashier - Part Time"]:
        assert features.head_tokens(title, normalize_text(title)) == features.head_tokens(title)
