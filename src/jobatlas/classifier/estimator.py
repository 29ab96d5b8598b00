"""The occupation classifier: a scikit-learn estimator from job text to O*NET-SOC codes."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize
from scipy.special import log_softmax, softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.model_selection import GroupShuffleSplit
from sklearn.pipeline import Pipeline
from sklearn.utils import assert_all_finite, column_or_1d
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from jobatlas.classifier.centroid import SpecificCentroidClassifier
from jobatlas.classifier.features import make_features
from jobatlas.classifier.text import normalize_text


def as_texts(X) -> np.ndarray:
    """Return a 1-D object array of texts; each row of a 2-D input is joined into one text."""
    if isinstance(X, str):
        raise ValueError("Expected a sequence of texts, got a single string")
    if sp.issparse(X):
        raise TypeError("OccupationClassifier takes texts, not a sparse matrix")
    array = np.asarray(X, dtype=object)
    if array.ndim == 2:
        if array.shape[1] == 0:
            raise ValueError(
                f"0 feature(s) (shape={array.shape}) while a minimum of 1 is required.")
        return np.array([" ".join(str(v) for v in row) for row in array], dtype=object)
    if array.ndim != 1:
        raise ValueError(f"Expected a 1-D sequence of texts, got an array of shape {array.shape}")
    if any(v is None or (isinstance(v, float) and np.isnan(v)) for v in array):
        raise ValueError("Input contains NaN or None instead of text")
    return np.array([str(v) for v in array], dtype=object)


# Texts of at most this many words are titles, searched for near-duplicates.
TITLE_WORDS = 8


class OccupationClassifier(ClassifierMixin, BaseEstimator):
    """Classify job titles and job text into O*NET-SOC occupation codes.

    One ``Pipeline``: text normalization (HTML, abbreviations, plurals, slashes), TF-IDF
    character and word n-grams plus head-noun tokens, and a class-centroid model whose
    features are weighted by how specific they are to few occupations
    (``SpecificCentroidClassifier``). Probabilities are a softmax of the class scores times
    an inverse temperature that depends on text length (``exp(a + b * log(1 + n_features))``:
    a long text has small, close cosines, a title large, spread-out ones). ``a`` and ``b``
    are fitted on a slice of the training texts held out of a first fit (grouped by
    normalized text), so scores are calibrated on texts the model has not seen.

    Parameters
    ----------
    char_ngrams : tuple of int, default=(3, 5)
        Range of character n-gram lengths (within word boundaries).
    word_ngrams : tuple of int, default=(1, 2)
        Range of word n-gram lengths.
    max_features : int, default=150000
        Cap on the size of each n-gram vocabulary, keeping memory bounded.
    min_df : int, default=2
        Minimum number of training texts an n-gram must occur in.
    head_weight : float, default=1.0
        Weight of the head-noun block (last words of a title) against the n-gram blocks.
    power : float, default=4.0
        Sharpness of the class-specificity weighting of features.
    calibration_share : float, default=0.1
        Share of texts held out of the first fit to calibrate the scores.
    calibration_grouping : {"text", "head"}, default="head"
        Held-out texts are grouped by normalized text, or by their last two words ("head"),
        so that calibration texts are as novel as real unseen titles, not near-copies.
    random_state : int, default=0
        Seed of the calibration split.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The occupation codes seen in ``fit``.
    pipeline_ : sklearn.pipeline.Pipeline
        The fitted features-plus-model pipeline.
    scale_ : tuple of float
        ``(a, b)`` of the length-dependent inverse temperature.
    """

    def __init__(
        self,
        char_ngrams=(3, 5),
        word_ngrams=(1, 2),
        max_features=150_000,
        min_df=2,
        head_weight=1.0,
        power=4.0,
        calibration_share=0.1,
        calibration_grouping="head",
        random_state=0,
    ):
        self.char_ngrams = char_ngrams
        self.word_ngrams = word_ngrams
        self.max_features = max_features
        self.min_df = min_df
        self.head_weight = head_weight
        self.power = power
        self.calibration_share = calibration_share
        self.calibration_grouping = calibration_grouping
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.string = True
        tags.input_tags.sparse = False
        return tags

    def _make_pipeline(self) -> Pipeline:
        features = make_features(
            char_ngrams=tuple(self.char_ngrams),
            word_ngrams=tuple(self.word_ngrams),
            max_features=self.max_features,
            head_weight=self.head_weight,
            min_df=self.min_df,
        )
        model = SpecificCentroidClassifier(power=self.power)
        return Pipeline([("features", features), ("model", model)])

    def fit(self, X, y, sample_weight=None):
        """Fit the pipeline on texts ``X`` and codes ``y``, then calibrate the temperature.

        The vectorizers are fitted once on all texts (they see no labels); the centroid model
        is fitted on all but a held-out slice, the temperature on that slice, and the centroid
        model refitted on everything.

        Parameters
        ----------
        X : sequence of str
            Training texts (titles, task statements, descriptions).
        y : sequence of str
            O*NET-SOC code of each text.
        sample_weight : array-like of shape (n_samples,), default=None
            Relative weight of each text.

        Returns
        -------
        self : OccupationClassifier
        """
        texts = as_texts(X)
        y = column_or_1d(y, warn=False)
        if len(y) != len(texts):
            raise ValueError(f"y has {len(y)} labels for {len(texts)} texts")
        if len(texts) == 0:
            raise ValueError("Cannot fit on 0 samples")
        if y.dtype.kind in "fc":
            assert_all_finite(y, input_name="y")
        check_classification_targets(y)
        weights = _check_sample_weight(sample_weight, texts)
        self.classes_ = np.unique(y)
        if len(np.unique(y[weights > 0])) < 2:
            raise ValueError("OccupationClassifier needs at least 2 classes with positive weight")
        pipeline = self._make_pipeline()
        features = pipeline.named_steps["features"].fit_transform(texts).tocsr()
        model = pipeline.named_steps["model"]
        self.pipeline_ = pipeline
        self.scale_ = (0.0, 0.0)
        fit_idx, cal_idx = self._calibration_split(texts, y)
        # Near-duplicate search covers title-length texts only, not task sentences.
        short = np.array([len(t.split()) <= TITLE_WORDS for t in texts])
        if len(cal_idx):
            model.fit(features[fit_idx], y[fit_idx], sample_weight=weights[fit_idx],
                      neighbor_mask=short[fit_idx])
            self.scale_ = self._fit_scale(features[cal_idx], y[cal_idx])
        model.fit(features, y, sample_weight=weights, neighbor_mask=short)
        return self

    def _calibration_split(self, texts, y):
        everything = np.arange(len(texts))
        n_cal = int(len(texts) * self.calibration_share)
        if n_cal < 50:
            return everything, everything[:0]
        keep = -2 if self.calibration_grouping == "head" else None
        groups = np.array([" ".join(normalize_text(t).split()[keep:]) for t in texts],
                          dtype=object)
        splitter = GroupShuffleSplit(1, test_size=self.calibration_share,
                                     random_state=self.random_state)
        fit_idx, cal_idx = next(splitter.split(texts, y, groups))
        # A calibration text whose class is absent from the first fit cannot be scored.
        cal_idx = cal_idx[np.isin(y[cal_idx], y[fit_idx])]
        return fit_idx, cal_idx

    def _fit_scale(self, features, y) -> tuple[float, float]:
        scores = self.scores_from_features(features)
        length = _log_length(features)
        columns = np.searchsorted(self.classes_, y)
        rows = np.arange(len(y))

        def nll(params: np.ndarray) -> float:
            scale = np.exp(params[0] + params[1] * length)[:, None]
            return -log_softmax(scores * scale, axis=1)[rows, columns].mean()

        result = minimize(nll, x0=np.array([3.0, 0.0]), method="Nelder-Mead",
                          options={"xatol": 1e-3, "fatol": 1e-5, "maxiter": 400})
        return float(result.x[0]), float(result.x[1])

    def featurize(self, X):
        """Return the sparse feature matrix of texts, as the fitted pipeline sees them."""
        check_is_fitted(self, "pipeline_")
        return self.pipeline_.named_steps["features"].transform(as_texts(X)).tocsr()

    def scores_from_features(self, features) -> np.ndarray:
        """Return centroid cosines of shape (n_samples, n_classes) for ``featurize`` rows."""
        check_is_fitted(self, "pipeline_")
        model = self.pipeline_.named_steps["model"]
        scores = model.class_scores(features).astype(np.float64)
        if len(model.classes_) == len(self.classes_):
            return scores
        # After the calibration fit the model may know fewer classes than classes_.
        full = np.zeros((scores.shape[0], len(self.classes_)))
        full[:, np.searchsorted(self.classes_, model.classes_)] = scores
        return full

    def decision_function(self, X) -> np.ndarray:
        """Return the score of every class for each text, shape (n_samples, n_classes).

        With two classes, return one score per text, positive for ``classes_[1]``.
        """
        scores = self.scores_from_features(self.featurize(X))
        return scores[:, 1] - scores[:, 0] if len(self.classes_) == 2 else scores

    def proba_from_features(self, features) -> np.ndarray:
        """Return calibrated probabilities for rows of a ``featurize`` matrix."""
        scores = self.scores_from_features(features)
        return softmax(scores * self._inverse_temperature(features)[:, None], axis=1)

    def _inverse_temperature(self, features) -> np.ndarray:
        check_is_fitted(self, "scale_")
        return np.exp(self.scale_[0] + self.scale_[1] * _log_length(features))

    def predict_proba(self, X) -> np.ndarray:
        """Return calibrated class probabilities, shape (n_samples, n_classes)."""
        return self.proba_from_features(self.featurize(X))

    def predict(self, X) -> np.ndarray:
        """Return the most likely occupation code of each text."""
        check_is_fitted(self, "pipeline_")
        scores = self.scores_from_features(self.featurize(X))
        return self.classes_[np.argmax(scores, axis=1)]

    def evidence(self, features_row, text: str, class_indices, top_n: int = 3) -> list[list[str]]:
        """Return, per class index, the words of ``text`` pushing it most towards that class.

        ``features_row`` is the ``featurize`` row of ``text``; a word's weight is the summed
        contribution to the class score of the n-grams it contains.
        """
        check_is_fitted(self, "pipeline_")
        indices, contributions = self.pipeline_.named_steps["model"].contributions(
            features_row, np.asarray(class_indices))
        names = _feature_names(self.pipeline_.named_steps["features"])
        words = normalize_text(text).split()
        result = []
        # The classes share the input's n-grams: map each n-gram to its words once per text.
        words_of: dict[int, list[str]] = {}
        for row in contributions:
            best = np.argsort(-row)[: top_n * 4]
            scored: dict[str, float] = {}
            for j in best:
                if row[j] <= 0:
                    break
                if j not in words_of:
                    words_of[j] = _words_for(names[indices[j]], words)
                for word in words_of[j]:
                    scored[word] = scored.get(word, 0.0) + float(row[j])
            result.append(sorted(scored, key=scored.get, reverse=True)[:top_n])
        return result


def _log_length(features) -> np.ndarray:
    """Return log(1 + number of non-zero features) of each row: a proxy for text length."""
    return np.log1p(np.diff(sp.csr_matrix(features).indptr)).astype(np.float64)


def _feature_names(features: Pipeline) -> np.ndarray:
    vectorize = features.named_steps["vectorize"]
    cached = getattr(vectorize, "_jobatlas_names", None)
    if cached is None:
        cached = vectorize.get_feature_names_out()
        vectorize._jobatlas_names = cached
    return cached


def _words_for(name: str, words: list[str]) -> list[str]:
    """Map a feature name ("chars__ driv", "words__truck driver", "heads__h1=driver") to words."""
    block, _, gram = name.partition("__")
    if block == "words":
        return [gram]
    if block == "heads":
        return [gram.split("=", 1)[1].replace("_", " ")]
    gram = gram.strip()
    if len(gram) < 3:
        return []
    return [w for w in words if gram in w][:1]
