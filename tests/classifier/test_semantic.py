"""SemanticCentroids: texts and occupations compared through word vectors."""

from __future__ import annotations

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer

from jobatlas.classifier.semantic import SemanticCentroids
from jobatlas.classifier.word_vectors import WordVectors

# Two directions of meaning: driving and cooking. "chauffeur" and "chef" are in no training
# title of their class, but their vectors point the same way as the titles' words.
WORDS = {"truck": [1, 0.1], "driver": [1, 0], "chauffeur": [0.9, 0.1],
         "line": [0.2, 1], "cook": [0, 1], "chef": [0.1, 0.9]}
VECTORS = WordVectors(np.array(list(WORDS), dtype=object),
                      np.array(list(WORDS.values()), dtype=np.float32))


def _fitted(titles, classes):
    vectorizer = TfidfVectorizer(token_pattern=r"\S+").fit(
        titles + ["chauffeur", "chef", "lifeguard"])
    features = vectorizer.transform(titles)
    model = SemanticCentroids().fit(features, np.array(classes), 2, vectorizer.vocabulary_,
                                    VECTORS)
    return model, vectorizer


def test_unseen_words_land_on_the_class_whose_titles_mean_the_same():
    model, vectorizer = _fitted(["truck driver", "driver", "line cook"], [0, 0, 1])
    cosines = model.cosines(vectorizer.transform(["chauffeur", "chef"]))
    assert cosines.shape == (2, 2)
    assert cosines[0].argmax() == 0 and cosines[1].argmax() == 1
    assert cosines.max() <= 1.0 + 1e-6


def test_text_without_known_words_gets_zero_cosines_not_nan():
    model, vectorizer = _fitted(["truck driver", "line cook"], [0, 1])
    cosines = model.cosines(vectorizer.transform(["lifeguard", ""]))
    assert np.array_equal(cosines, np.zeros((2, 2)))


def test_class_without_titles_has_a_zero_centroid():
    model, vectorizer = _fitted(["truck driver", "driver"], [0, 0])
    assert np.array_equal(model.centroids_[1], np.zeros(2))
    assert np.isclose(np.linalg.norm(model.centroids_[0]), 1.0)


def test_fitted_model_keeps_only_its_feature_words():
    model, vectorizer = _fitted(["truck driver", "line cook"], [0, 1])
    # Six words have vectors and all six are feature columns; "lifeguard" has none.
    assert model.vectors_.shape == (6, 2)
    assert model.lookup_.shape == (len(vectorizer.vocabulary_),)
    assert sorted(model.lookup_[model.lookup_ >= 0]) == list(range(6))
