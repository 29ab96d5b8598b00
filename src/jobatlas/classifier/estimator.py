"""The occupation classifier: a scikit-learn estimator from job text to O*NET-SOC codes."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.linear_model import SGDClassifier
from sklearn.model_selection import GroupShuffleSplit
from sklearn.pipeline import Pipeline
from sklearn.utils import assert_all_finite, column_or_1d
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

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


class OccupationClassifier(ClassifierMixin, BaseEstimator):
    """Classify job titles and job text into O*NET-SOC occupation codes.

    One ``Pipeline``: text normalization (HTML, abbreviations, plurals), TF-IDF character and
    word n-grams plus head-noun tokens, and a one-vs-rest linear model trained by SGD.
    Probabilities are a softmax of the decision scores with a temperature fitted on a slice of
    the training texts held out during a first fit, so they are calibrated on unseen titles.

    Parameters
    ----------
    char_ngrams : tuple of int, default=(2, 5)
        Range of character n-gram lengths (within word boundaries).
    word_ngrams : tuple of int, default=(1, 2)
        Range of word n-gram lengths.
    max_features : int, default=120000
        Cap on the size of each n-gram vocabulary, keeping memory bounded.
    min_df : int, default=1
        Minimum number of training texts an n-gram must occur in.
    head_weight : float, default=1.0
        Weight of the head-noun block (last words of a title) against the n-gram blocks.
    alpha : float, default=2e-5
        L2 regularization strength of the linear model.
    max_iter : int, default=6
        Passes over the training data.
    calibration_share : float, default=0.1
        Share of texts held out (grouped by normalized text) to fit the temperature.
    refit : bool, default=True
        Whether to refit on all texts after calibration; False keeps the first fit.
    coef_threshold : float, default=1e-3
        Coefficients smaller in magnitude are dropped and the rest stored sparse (float32).
    random_state : int, default=0
        Seed for the calibration split and SGD shuffling.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The occupation codes seen in ``fit``.
    pipeline_ : sklearn.pipeline.Pipeline
        The fitted features-plus-model pipeline.
    temperature_ : float
        Divides the decision scores before the softmax.
    n_iter_ : int
        Passes over the data the final SGD fit made.
    """

    def __init__(
        self,
        char_ngrams=(2, 5),
        word_ngrams=(1, 2),
        max_features=120_000,
        min_df=1,
        head_weight=1.0,
        alpha=2e-5,
        max_iter=6,
        calibration_share=0.1,
        refit=True,
        coef_threshold=1e-3,
        random_state=0,
    ):
        self.char_ngrams = char_ngrams
        self.word_ngrams = word_ngrams
        self.max_features = max_features
        self.min_df = min_df
        self.head_weight = head_weight
        self.alpha = alpha
        self.max_iter = max_iter
        self.calibration_share = calibration_share
        self.refit = refit
        self.coef_threshold = coef_threshold
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
        model = SGDClassifier(
            loss="modified_huber",
            alpha=self.alpha,
            max_iter=self.max_iter,
            tol=None,
            random_state=self.random_state,
        )
        return Pipeline([("features", features), ("model", model)])

    def fit(self, X, y, sample_weight=None):
        """Fit the pipeline on texts ``X`` and codes ``y``, then calibrate the temperature.

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
        if y.dtype.kind in "fc":
            assert_all_finite(y, input_name="y")
        if len(texts) == 0:
            raise ValueError("Cannot fit on 0 samples")
        check_classification_targets(y)
        weights = _check_sample_weight(sample_weight, texts)
        self.classes_ = np.unique(y)
        if len(self.classes_) < 2:
            raise ValueError("OccupationClassifier needs at least 2 classes in y")
        self.temperature_ = 1.0
        fit_idx, cal_idx = self._calibration_split(texts, y)
        if len(cal_idx):
            self.pipeline_ = self._fit_pipeline(texts[fit_idx], y[fit_idx], weights[fit_idx])
            self.temperature_ = self._fit_temperature(texts[cal_idx], y[cal_idx])
        if not len(cal_idx) or self.refit:
            self.pipeline_ = self._fit_pipeline(texts, y, weights)
        self.n_iter_ = self.pipeline_.named_steps["model"].n_iter_
        return self

    def _calibration_split(self, texts, y):
        everything = np.arange(len(texts))
        n_cal = int(len(texts) * self.calibration_share)
        if n_cal < 50:
            return everything, everything[:0]
        groups = np.array([normalize_text(t) for t in texts], dtype=object)
        splitter = GroupShuffleSplit(1, test_size=self.calibration_share,
                                     random_state=self.random_state)
        fit_idx, cal_idx = next(splitter.split(texts, y, groups))
        # A calibration text whose class is absent from the first fit cannot be scored.
        cal_idx = cal_idx[np.isin(y[cal_idx], y[fit_idx])]
        return fit_idx, cal_idx

    def _fit_pipeline(self, texts, y, weights) -> Pipeline:
        pipeline = self._make_pipeline()
        pipeline.fit(texts, y, model__sample_weight=weights)
        model = pipeline.named_steps["model"]
        coef = model.coef_.astype(np.float32)
        coef[np.abs(coef) < self.coef_threshold] = 0.0
        model.coef_ = sp.csr_matrix(coef)
        model.intercept_ = model.intercept_.astype(np.float32)
        return pipeline

    def _fit_temperature(self, texts, y) -> float:
        features = self.pipeline_.named_steps["features"].transform(texts)
        scores = self.scores_from_features(features)
        columns = np.searchsorted(self.classes_, y)
        rows = np.arange(len(y))

        def nll(log_t: float) -> float:
            return -log_softmax(scores / np.exp(log_t), axis=1)[rows, columns].mean()

        result = minimize_scalar(nll, bounds=(-6.0, 3.0), method="bounded")
        return float(np.exp(result.x))

    def featurize(self, X):
        """Return the sparse feature matrix of texts, as the fitted pipeline sees them."""
        check_is_fitted(self, "pipeline_")
        return self.pipeline_.named_steps["features"].transform(as_texts(X)).tocsr()

    def decision_function(self, X) -> np.ndarray:
        """Return the linear score of every class for each text, shape (n_samples, n_classes).

        With two classes, return one score per text, positive for ``classes_[1]``.
        """
        scores = self.scores_from_features(self.featurize(X))
        return scores[:, 1] if len(self.classes_) == 2 else scores

    def scores_from_features(self, features) -> np.ndarray:
        """Return decision scores for rows of a ``featurize`` matrix."""
        check_is_fitted(self, "pipeline_")
        scores = self.pipeline_.named_steps["model"].decision_function(features)
        if scores.ndim == 1:  # binary problem: one score for the positive class
            scores = np.column_stack([-scores, scores])
        return self._align(np.asarray(scores, dtype=np.float64))

    def proba_from_features(self, features) -> np.ndarray:
        """Return calibrated probabilities for rows of a ``featurize`` matrix."""
        return softmax(self.scores_from_features(features) / self.temperature_, axis=1)

    def predict_proba(self, X) -> np.ndarray:
        """Return calibrated class probabilities, shape (n_samples, n_classes)."""
        return self.proba_from_features(self.featurize(X))

    def _align(self, scores: np.ndarray) -> np.ndarray:
        # After a calibration-only fit the pipeline may know fewer classes than classes_.
        model_classes = self.pipeline_.classes_
        if len(model_classes) == len(self.classes_):
            return scores
        full = np.full((scores.shape[0], len(self.classes_)), -1e3)
        full[:, np.searchsorted(self.classes_, model_classes)] = scores
        return full

    def predict(self, X) -> np.ndarray:
        """Return the most likely occupation code of each text."""
        check_is_fitted(self, "pipeline_")
        scores = self.scores_from_features(self.featurize(X))
        return self.classes_[np.argmax(scores, axis=1)]

    def evidence(self, features_row, text: str, class_indices, top_n: int = 3) -> list[list[str]]:
        """Return, per class index, the words of ``text`` pushing it most towards that class.

        ``features_row`` is the ``featurize`` row of ``text``; a word's weight is the sum of
        feature value times coefficient over the n-grams it contains.
        """
        check_is_fitted(self, "pipeline_")
        model = self.pipeline_.named_steps["model"]
        columns = np.searchsorted(model.classes_, self.classes_[np.asarray(class_indices)])
        indices = features_row.indices
        contributions = model.coef_[columns][:, indices].toarray() * features_row.data
        names = _feature_names(self.pipeline_.named_steps["features"])
        words = normalize_text(text).split()
        result = []
        for row in contributions:
            best = np.argsort(-row)[: top_n * 3]
            scored: dict[str, float] = {}
            for j in best:
                if row[j] <= 0:
                    break
                for word in _words_for(names[indices[j]], words):
                    scored[word] = scored.get(word, 0.0) + float(row[j])
            result.append(sorted(scored, key=scored.get, reverse=True)[:top_n])
        return result


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
