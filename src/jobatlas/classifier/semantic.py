"""Occupation similarity in a distilled sentence-embedding space (``word_vectors``).

A text's embedding is the sum of the vectors of its words, weighted as the word block of
the fitted TF-IDF features weighs them, then L2-normalized; an occupation's is the
normalized mean embedding of its training titles. Their cosine is a second opinion that
knows words O*NET's titles never pair ("nanny" and "child care"): the classifier adds it,
times a weight fitted on held-out titles, to its logits.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from jobatlas.classifier import kernels
from jobatlas.classifier.word_vectors import WordVectors


class SemanticCentroids(BaseEstimator):
    """Cosines between texts and occupations through word vectors.

    The word vectors are given to ``fit``, not kept: the fitted model holds the vectors of
    its own feature words only.

    Attributes
    ----------
    lookup_ : ndarray of int64, shape (n_features,)
        Row of ``vectors_`` of each feature column that is the unigram of a word with a
        vector, else -1.
    vectors_ : ndarray of shape (n_words, dimensions)
        The vectors of those words, float32.
    centroids_ : ndarray of shape (n_classes, dimensions)
        Normalized mean embedding of each class's texts (zeros for a class without any).
    """

    def fit(self, features, class_ids: np.ndarray, n_classes: int, word_columns: dict[str, int],
            vectors: WordVectors) -> SemanticCentroids:
        """Fit on feature rows of training titles and their class indices.

        ``word_columns`` maps each unigram of the word block to its feature column;
        ``vectors`` are the word vectors (``word_vectors.load_word_vectors``).
        """
        index = vectors.index()
        pairs = [(column, index[word]) for word, column in word_columns.items()
                 if word in index]
        columns = np.array([c for c, _ in pairs], dtype=np.int64)
        rows = np.array([r for _, r in pairs], dtype=np.int64)
        self.lookup_ = np.full(features.shape[1], -1, dtype=np.int64)
        self.lookup_[columns] = np.arange(len(pairs))
        self.vectors_ = np.ascontiguousarray(vectors.vectors[rows], dtype=np.float32)
        sums = np.zeros((n_classes, vectors.dimensions), dtype=np.float64)
        np.add.at(sums, np.asarray(class_ids, dtype=np.int64), self.embed(features))
        self.centroids_ = _normalized(sums).astype(np.float32)
        return self

    def embed(self, features) -> np.ndarray:
        """Return the L2-normalized embedding of each feature row (zeros for no known word)."""
        check_is_fitted(self, "vectors_")
        matrix = sp.csr_matrix(features)
        # lookup_ was built in fit to point inside vectors_: no scan of it per call.
        return _normalized(kernels.embed_rows(matrix, self.lookup_, self.vectors_,
                                              check_lookup=False))

    def cosines(self, features) -> np.ndarray:
        """Return the cosine of each row with each class, shape (n_samples, n_classes)."""
        return self.embed(features) @ self.centroids_.T


def _normalized(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms > 0, norms, 1.0)
