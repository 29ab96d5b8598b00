"""The occupation classifier: a scikit-learn estimator from job text to O*NET-SOC codes."""

from __future__ import annotations

import hashlib

import numpy as np
import scipy.sparse as sp
from scipy.optimize import minimize
from scipy.special import softmax
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.isotonic import IsotonicRegression
from sklearn.pipeline import Pipeline
from sklearn.utils import assert_all_finite, column_or_1d
from sklearn.utils.multiclass import check_classification_targets
from sklearn.utils.validation import _check_sample_weight, check_is_fitted

from jobatlas.classifier import kernels
from jobatlas.classifier.centroid import SpecificCentroidClassifier
from jobatlas.classifier.evidence import evidence_table, word_ids
from jobatlas.classifier.features import TEXT, make_features, prepare, transform_prepared
from jobatlas.classifier.linear import SupportSoftmaxClassifier
from jobatlas.classifier.semantic import SemanticCentroids
from jobatlas.classifier.spelling import speller_for
from jobatlas.classifier.text import normalize_text
from jobatlas.classifier.word_vectors import VECTORS_PATH, WordVectors, load_word_vectors


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
# Fewer held-out texts than this leave a length class uncalibrated (temperature only).
MIN_CALIBRATION_TEXTS = 200
# Weight of the log class prior in every logit. Off: on the development titles 0.3 raised
# employment-weighted top-1 (0.525 -> 0.573) but lowered plain top-1 (0.561 -> 0.551) and
# DMTF top-1 (0.706 -> 0.674); see docs/benchmarks.md. Exact-title ties use the prior anyway.
PRIOR_WEIGHT = 0.0


class OccupationClassifier(ClassifierMixin, BaseEstimator):
    """Classify job titles and job text into O*NET-SOC occupation codes.

    One ``Pipeline``: text normalization (HTML, abbreviations, plurals, slashes), TF-IDF
    character and word n-grams plus head-noun tokens, and a class-centroid model whose
    features are weighted by how specific they are to few occupations
    (``SpecificCentroidClassifier``), blended for short texts with a nearest-title vote.
    Short texts (titles) also get the logits of a softmax regression trained on the short
    training texts (``SupportSoftmaxClassifier``): it learns which n-grams separate similar
    occupations, which neither centroids nor the nearest title can. Longer texts get those
    of a second regression trained on the long training texts (task statements,
    descriptions): the words of duties, as postings and resumes use them.
    The class logits are the cosines times an inverse temperature that depends on text
    length (``exp(a + b * log(1 + n_features))``: a long text has small, close cosines, a
    title large, spread-out ones) plus ``g_short`` or ``g_long`` times the logits of the
    text's regression, plus ``prior_weight`` times the log share of the class in
    ``class_prior`` (how common the occupation is); probabilities are their softmax (a text
    that is exactly a training title of several occupations ranks those by ``class_prior``).
    Then the top probability is mapped through an isotonic regression of "was the top class
    right" on it, separately for titles (``TITLE_WORDS`` words at most) and longer texts, and
    the other classes share the rest in proportion. ``a``, ``b``, the ``g`` weights and the
    isotonic maps are fitted on a slice of the training texts held out of a first fit
    (grouped by their last two words), so the blend and the scores are tuned on texts the
    model has not seen.

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
    linear_epochs : int, default=2
        Passes of each softmax regression over its training texts (0 disables both).
    calibration_share : float, default=0.1
        Share of texts held out of the first fit to calibrate the scores.
    calibration_grouping : {"text", "head"}, default="head"
        Held-out texts are grouped by normalized text, or by their last two words ("head"),
        so that calibration texts are as novel as real unseen titles, not near-copies.
    random_state : int, default=0
        Seed of the calibration split.
    class_prior : mapping of class to float, default=None
        How common each class is among the texts the model will read (for jobatlas, US
        employment per occupation); classes it leaves out count as the rarest. A text that is
        exactly a training title of several classes ("Forklift Operator" is listed under
        three occupations) says nothing to choose between them, so among those classes the
        less common ones lose the log of their share against the most common: without it,
        the 774,000 industrial truck operators and 14,000 continuous mining machine
        operators were a coin toss. ``None``: such ties stay as the scores have them.
    prior_weight : float, default=0.0
        Weight of ``log(class_prior share)`` added to every class logit of every text.
    word_vectors : {"bundled"} or path or None, default="bundled"
        Word vectors distilled from a sentence-embedding model (``word_vectors``): each
        class logit also gets ``s_short`` or ``s_long`` times the cosine between the text
        and the class's training titles in that space (``SemanticCentroids``), the weights
        fitted on the held-out slice with the others. ``"bundled"``: the vectors shipped
        with jobatlas; ``None``: off.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        The occupation codes seen in ``fit``.
    pipeline_ : sklearn.pipeline.Pipeline
        The fitted features-plus-model pipeline.
    linear_ : SupportSoftmaxClassifier or None
        The softmax regression on short texts (at most ``TITLE_WORDS`` words); ``None`` when
        disabled or when too few texts were held out to weigh it against the cosines.
    long_linear_ : SupportSoftmaxClassifier or None
        The same on longer texts (task statements, descriptions), for postings, resumes and
        a worker's own words; ``None`` as above or when there are no long training texts.
    words_ : frozenset of str
        Every word of the normalized training texts: an input word outside it (and outside
        the word vocabulary) is taken for a typo and corrected (``spelling.Speller``).
    log_prior_ : ndarray of shape (n_classes,) or None
        ``prior_weight`` times the log share of each class in ``class_prior``.
    log_share_ : ndarray of shape (n_classes,) or None
        The log share of each class in ``class_prior`` (for exact-title ties).
    shared_titles_ : dict of str to ndarray
        Normalized training titles (at most ``TITLE_WORDS`` words) of two or more classes,
        with the indices of those classes.
    semantic_ : SemanticCentroids or None
        Class similarities through the word vectors; ``None`` when ``word_vectors`` is off
        or no held-out slice could weigh them.
    scale_ : tuple of float
        ``(a, b, g_short, g_long, s_short, s_long)``: the length-dependent inverse
        temperature, the weights of the two regressions' logits, and those of the semantic
        cosines for titles and longer texts.
    calibrators_ : dict of {bool: IsotonicRegression or None}
        Map of the top probability to the chance it is right, for titles (``True``: at most
        ``TITLE_WORDS`` words) and longer texts; ``None`` where too few held-out texts of that
        length existed.
    """

    def __init__(
        self,
        char_ngrams=(3, 5),
        word_ngrams=(1, 2),
        max_features=150_000,
        min_df=2,
        head_weight=1.0,
        power=4.0,
        linear_epochs=2,
        calibration_share=0.1,
        calibration_grouping="head",
        random_state=0,
        class_prior=None,
        prior_weight=PRIOR_WEIGHT,
        word_vectors="bundled",
    ):
        self.char_ngrams = char_ngrams
        self.word_ngrams = word_ngrams
        self.max_features = max_features
        self.min_df = min_df
        self.head_weight = head_weight
        self.power = power
        self.linear_epochs = linear_epochs
        self.calibration_share = calibration_share
        self.calibration_grouping = calibration_grouping
        self.random_state = random_state
        self.class_prior = class_prior
        self.prior_weight = prior_weight
        self.word_vectors = word_vectors

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
        and the softmax regression are fitted on all but a held-out slice, the temperature
        and blend weight on that slice, and both models refitted on everything.

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
        self.log_share_ = self._log_share()
        self.log_prior_ = (self.prior_weight * self.log_share_
                           if self.log_share_ is not None and self.prior_weight else None)
        vectors = self._load_word_vectors()  # first: a bad file fails before any work
        # Normalized once: shared titles, known words and calibration groups all read them.
        normalized = [normalize_text(text) for text in texts]
        self.shared_titles_ = _shared_titles(normalized, y, self.classes_)
        pipeline = self._make_pipeline()
        features = pipeline.named_steps["features"].fit_transform(texts).tocsr()
        # Words of the training texts are never "corrected" as typos, however rare.
        self.words_ = frozenset(word for text in normalized for word in text.split())
        model = pipeline.named_steps["model"]
        self.pipeline_ = pipeline
        self.scale_ = (0.0,) * 6
        self.calibrators_ = {True: None, False: None}
        self.linear_ = self.long_linear_ = self.semantic_ = None
        fit_idx, cal_idx = self._calibration_split(texts, y, normalized)
        # Near-duplicate search covers title-length texts only, not task sentences.
        short = np.array([len(t.split()) <= TITLE_WORDS for t in texts])
        columns = _neighbor_columns(pipeline.named_steps["features"], features.shape[1])
        if len(cal_idx):
            model.fit(features[fit_idx], y[fit_idx], sample_weight=weights[fit_idx],
                      neighbor_mask=short[fit_idx], neighbor_features=columns)
            self.linear_ = self._fit_linear(features[fit_idx], y[fit_idx], weights[fit_idx],
                                            short[fit_idx])
            self.long_linear_ = self._fit_linear(features[fit_idx], y[fit_idx],
                                                 weights[fit_idx], ~short[fit_idx])
            self.semantic_ = self._fit_semantic(features[fit_idx], y[fit_idx],
                                                short[fit_idx], vectors)
            self.scale_ = self._fit_scale(features[cal_idx], y[cal_idx])
            self.calibrators_ = self._fit_calibrators(features[cal_idx], y[cal_idx])
        model.fit(features, y, sample_weight=weights, neighbor_mask=short,
                  neighbor_features=columns)
        if self.linear_ is not None:
            self.linear_ = self._fit_linear(features, y, weights, short)
        if self.long_linear_ is not None:
            self.long_linear_ = self._fit_linear(features, y, weights, ~short)
        if self.semantic_ is not None:
            self.semantic_ = self._fit_semantic(features, y, short, vectors)
        return self

    def _load_word_vectors(self) -> WordVectors | None:
        if self.word_vectors is None:
            return None
        path = VECTORS_PATH if str(self.word_vectors) == "bundled" else self.word_vectors
        return load_word_vectors(path)

    def _fit_semantic(self, features, y, short, vectors) -> SemanticCentroids | None:
        """Return class embeddings of the short training texts, or None without vectors."""
        if vectors is None or not short.any():
            return None
        vectorize = self.pipeline_.named_steps["features"].named_steps["vectorize"]
        start = vectorize.output_indices_["words"].start
        vocabulary = vectorize.named_transformers_["words"].vocabulary_
        columns = {term: start + column for term, column in vocabulary.items()
                   if " " not in term}
        rows = np.flatnonzero(short)
        return SemanticCentroids().fit(features[rows], np.searchsorted(self.classes_, y[rows]),
                                       len(self.classes_), columns, vectors)

    def _log_share(self) -> np.ndarray | None:
        """Return the log share of each class in ``class_prior``, or None without a prior."""
        if self.class_prior is None:
            return None
        given = {key: float(value) for key, value in dict(self.class_prior).items()}
        if not all(np.isfinite(v) and v > 0 for v in given.values()):
            raise ValueError("class_prior values must be positive numbers")
        known = [given[c] for c in self.classes_.tolist() if c in given]
        if not known:
            raise ValueError("class_prior names none of the classes")
        counts = np.array([given.get(c, min(known)) for c in self.classes_.tolist()])
        return np.log(counts / counts.sum())

    def _fit_linear(self, features, y, weights, rows_mask):
        """Return a softmax regression fitted on the masked texts, or None if it cannot be."""
        rows = np.flatnonzero(rows_mask & (weights > 0))
        if self.linear_epochs <= 0 or len(np.unique(y[rows])) < 2:
            return None
        linear = SupportSoftmaxClassifier(epochs=self.linear_epochs,
                                          random_state=self.random_state)
        return linear.fit(features[rows], y[rows], sample_weight=weights[rows])

    def _calibration_split(self, texts, y, normalized):
        everything = np.arange(len(texts))
        n_cal = int(len(texts) * self.calibration_share)
        if n_cal < 50:
            return everything, everything[:0]
        held = np.array([
            is_calibration_group(calibration_group(text, self.calibration_grouping),
                                 self.calibration_share, self.random_state)
            for text in normalized])
        fit_idx, cal_idx = everything[~held], everything[held]
        # A calibration text whose class is absent from the first fit cannot be scored.
        cal_idx = cal_idx[np.isin(y[cal_idx], y[fit_idx])]
        return fit_idx, cal_idx

    def _fit_scale(self, features, y) -> tuple[float, ...]:
        """Return ``(a, b, g_short, g_long, s_short, s_long)`` minimizing the log loss of the
        held-out texts."""
        cosines = self._cosines(features)
        linear = self._linear_logits(features)
        semantic = self._semantic_cosines(features)
        short = self._is_title(features)
        length = _log_length(features)
        rows, columns = np.arange(len(y)), np.searchsorted(self.classes_, y)
        prior = self.log_prior_ if self.log_prior_ is not None else 0.0

        def nll(params: np.ndarray) -> tuple[float, np.ndarray]:
            scale = np.exp(params[0] + params[1] * length)
            weight = np.where(short, params[2], params[3])
            by_meaning = np.where(short, params[4], params[5])
            logits = (cosines * scale[:, None] + weight[:, None] * linear
                      + by_meaning[:, None] * semantic + prior)
            residual = softmax(logits, axis=1)
            loss = -np.log(np.maximum(residual[rows, columns], 1e-300)).mean()
            residual[rows, columns] -= 1.0
            # d logits / d a = scale * cosines; d / d b = length * that; d / d g = linear
            # on the rows that regression scores.
            by_scale = (residual * cosines).sum(axis=1) * scale
            by_weight = (residual * linear).sum(axis=1)
            by_semantic = (residual * semantic).sum(axis=1)
            grad = [by_scale.mean(), (by_scale * length).mean(),
                    np.where(short, by_weight, 0.0).sum() / len(y),
                    np.where(short, 0.0, by_weight).sum() / len(y),
                    np.where(short, by_semantic, 0.0).sum() / len(y),
                    np.where(short, 0.0, by_semantic).sum() / len(y)]
            return float(loss), np.array(grad)

        semantic_bound = None if self.semantic_ is not None else 0.0
        bounds = [(None, None), (None, None),
                  (0.0, None if self.linear_ is not None else 0.0),
                  (0.0, None if self.long_linear_ is not None else 0.0),
                  (0.0, semantic_bound), (0.0, semantic_bound)]
        result = minimize(nll, x0=np.array([3.0, 0.0, 0.0, 0.0, 0.0, 0.0]), jac=True,
                          method="L-BFGS-B", bounds=bounds)
        return tuple(float(v) for v in result.x)

    def _fit_calibrators(self, features, y) -> dict:
        """Fit the isotonic maps of titles (``True``) and longer texts on held-out texts.

        Applied by words, as the regressions are split (``_is_title``). The titles' map
        learns from every held-out text of up to ``neighbor_max_nnz`` features, titles and
        short sentences, as it always has; the longer texts' map from every held-out text
        longer than a title. Before, both were split at 400 features: a two-sentence resume
        took the titles' map, and the long map had 62 held-out texts on O*NET (below
        ``MIN_CALIBRATION_TEXTS``), so longer texts kept raw scores. On development resumes
        (2-4 unseen task statements) ECE went from 0.099 to 0.052.
        """
        proba = self._temperature_proba(features)
        top = proba.max(axis=1)
        right = self.classes_[proba.argmax(axis=1)] == y
        rows = {True: self._is_short(features), False: ~self._is_title(features)}
        calibrators = {}
        for kind, mask in rows.items():
            calibrators[kind] = None
            if mask.sum() >= MIN_CALIBRATION_TEXTS:
                calibrators[kind] = IsotonicRegression(
                    y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(top[mask], right[mask])
        return calibrators

    def _is_title(self, features) -> np.ndarray:
        """Flag rows of at most ``TITLE_WORDS`` words, as the regressions were split in fit.

        Told from the word n-gram block: k distinct words make at most 2k - 1 unigrams and
        bigrams. (Near-duplicate search splits at ``neighbor_max_nnz`` features instead,
        which a 15-word task sentence does not reach.)
        """
        block = self.pipeline_.named_steps["features"].named_steps[
            "vectorize"].output_indices_["words"]
        matrix = sp.csr_matrix(features)
        inside = (matrix.indices >= block.start) & (matrix.indices < block.stop)
        rows = np.repeat(np.arange(matrix.shape[0]), np.diff(matrix.indptr))
        words = np.bincount(rows[inside], minlength=matrix.shape[0])
        return words <= 2 * TITLE_WORDS - 1

    def _is_short(self, features) -> np.ndarray:
        limit = self.pipeline_.named_steps["model"].neighbor_max_nnz
        return np.diff(sp.csr_matrix(features).indptr) <= limit

    def featurize(self, X, return_normalized: bool = False):
        """Return the sparse feature matrix of texts, as the fitted pipeline sees them.

        With ``return_normalized``, return (matrix, normalized texts): ``evidence_many``
        takes them instead of normalizing every text again.
        """
        check_is_fitted(self, "pipeline_")
        features = self.pipeline_.named_steps["features"]
        words = features.named_steps["vectorize"].named_transformers_["words"]
        prepared = prepare(as_texts(X), fix=speller_for(words, self.words_).correct)
        matrix = transform_prepared(features, prepared)
        return (matrix, prepared[:, TEXT].tolist()) if return_normalized else matrix

    def scores_from_features(self, features, normalized=None) -> np.ndarray:
        """Return class logits of shape (n_samples, n_classes) for ``featurize`` rows.

        ``normalized`` (``featurize``'s normalized texts, if the caller kept them) lets a text
        that is exactly a training title of several classes rank those by ``class_prior``.
        """
        features = _as_csr(features)
        scores = self._cosines(features)
        scores *= self._inverse_temperature(features)[:, None]
        short = self._is_title(features)
        self._add_linear(scores, features, self.scale_[2:4], short)
        self._add_semantic(scores, features, self.scale_[4:6], short)
        if self.log_prior_ is not None:
            scores += self.log_prior_
        if normalized is not None:
            self._break_title_ties(scores, normalized)
        return scores

    def _break_title_ties(self, scores: np.ndarray, normalized) -> None:
        """Add to the classes of a shared training title their log share of ``class_prior``,
        then move them together so that their best score is what it was (in place): the
        title's classes keep their place among the others, and their order follows both the
        scores and how common each class is."""
        if self.log_share_ is None or not self.shared_titles_:
            return
        shared = self.shared_titles_.get
        for row, text in enumerate(normalized):
            classes = shared(text)
            if classes is not None:
                block = scores[row, classes]
                moved = block + self.log_share_[classes]
                scores[row, classes] = moved + (block.max() - moved.max())

    def _cosines(self, features) -> np.ndarray:
        """Return centroid and neighbour cosines of shape (n_samples, n_classes)."""
        check_is_fitted(self, "pipeline_")
        model = self.pipeline_.named_steps["model"]
        scores = model.class_scores(_as_csr(features), check_input=False)
        return self._all_classes(np.asarray(scores, dtype=np.float64), model.classes_, 0.0)

    def _semantic_cosines(self, features) -> np.ndarray:
        """Return each row's cosines with the classes through the word vectors (zeros when
        they are off)."""
        if self.semantic_ is None:
            return np.zeros((features.shape[0], len(self.classes_)))
        return self.semantic_.cosines(features).astype(np.float64)

    def _add_semantic(self, scores, features, weights, short) -> None:
        """Add the semantic cosines times ``weights[0]`` (titles) or ``weights[1]`` (longer
        texts) to ``scores``, in place."""
        if self.semantic_ is None or not any(weights):
            return
        weight = np.where(short, weights[0], weights[1]).astype(np.float32)
        scores += weight[:, None] * self.semantic_.cosines(features)

    def _linear_logits(self, features) -> np.ndarray:
        """Return each row's regression logits (short and long texts each have their own
        regression), zero where that regression is absent."""
        out = np.zeros((features.shape[0], len(self.classes_)))
        self._add_linear(out, features, (1.0, 1.0))
        return out

    def _add_linear(self, scores, features, weights, short=None) -> None:
        """Add to ``scores`` the regression logits of short rows times ``weights[0]`` and of
        long rows times ``weights[1]`` (``short``: ``_is_title`` of the rows, if known)."""
        if short is None:
            short = self._is_title(features)
        for kind, linear, weight in ((True, self.linear_, weights[0]),
                                     (False, self.long_linear_, weights[1])):
            rows = np.flatnonzero(short == kind)
            if linear is not None and weight and len(rows):
                self._add_regression(scores, features, rows, linear, weight)

    def _add_regression(self, scores, features, rows, linear, weight: float) -> None:
        """Add ``weight`` times the logits of regression ``linear`` for ``rows`` to ``scores``."""
        every = len(rows) == features.shape[0]  # a batch of titles: no row copies
        if every and len(linear.classes_) == len(self.classes_):
            linear.add_logits(features, scores, weight)
            return
        logits = linear.logits(features if every else features[rows], check_input=False)
        # A class the regression never saw ranks below all it saw.
        logits = self._all_classes(logits, linear.classes_, logits.min() - 1.0)
        logits *= weight
        if every:
            scores += logits
        else:
            scores[rows] += logits

    def _all_classes(self, scores, known, fill) -> np.ndarray:
        """Return ``scores`` over ``known`` classes widened to ``classes_`` with ``fill``."""
        if len(known) == len(self.classes_):
            return scores
        # After the calibration fit a model may know fewer classes than classes_.
        full = np.full((scores.shape[0], len(self.classes_)), fill, dtype=np.float64)
        full[:, np.searchsorted(self.classes_, known)] = scores
        return full

    def decision_function(self, X) -> np.ndarray:
        """Return the score of every class for each text, shape (n_samples, n_classes).

        With two classes, return one score per text, positive for ``classes_[1]``.
        """
        scores = self.scores_from_features(*self.featurize(X, return_normalized=True))
        return scores[:, 1] - scores[:, 0] if len(self.classes_) == 2 else scores

    def proba_from_features(self, features, normalized=None) -> np.ndarray:
        """Return calibrated probabilities for rows of a ``featurize`` matrix (``normalized``:
        see ``scores_from_features``)."""
        proba = self._temperature_proba(features, normalized)
        check_is_fitted(self, "calibrators_")
        short = self._is_title(features)
        for kind, calibrator in self.calibrators_.items():
            rows = np.flatnonzero(short == kind)
            if calibrator is None or not len(rows):
                continue
            if len(rows) == len(proba):  # a batch of one kind: no row copies
                _recalibrate_top(proba, calibrator)
            else:
                proba[rows] = _recalibrate_top(proba[rows], calibrator)
        return proba

    def _temperature_proba(self, features, normalized=None) -> np.ndarray:
        return _softmax_rows(self.scores_from_features(features, normalized))

    def _inverse_temperature(self, features) -> np.ndarray:
        check_is_fitted(self, "scale_")
        return np.exp(self.scale_[0] + self.scale_[1] * _log_length(features))

    def predict_proba(self, X) -> np.ndarray:
        """Return calibrated class probabilities, shape (n_samples, n_classes)."""
        return self.proba_from_features(*self.featurize(X, return_normalized=True))

    def predict(self, X) -> np.ndarray:
        """Return the most likely occupation code of each text."""
        check_is_fitted(self, "pipeline_")
        scores = self.scores_from_features(*self.featurize(X, return_normalized=True))
        return self.classes_[np.argmax(scores, axis=1)]

    def evidence(self, features_row, text: str, class_indices, top_n: int = 3) -> list[list[str]]:
        """Return, per class index, the words of ``text`` pushing it most towards that class.

        ``features_row`` is the ``featurize`` row of ``text``; a word's weight is the summed
        contribution to the class score of the n-grams it contains.
        """
        return self.evidence_many(features_row, [text], [class_indices], top_n)[0]

    def evidence_many(self, features, texts, class_lists, top_n: int = 3, normalized=None):
        """Return ``evidence`` for many texts at once: for row ``i`` of ``features`` (the
        ``featurize`` matrix of ``texts``), one word list per class in ``class_lists[i]``.

        ``normalized``, if given, holds ``featurize``'s normalized texts (``texts`` is then
        not read). Contributions of every (text, class, n-gram) triple come from one
        vectorized lookup, and so does the word holding each n-gram.
        """
        check_is_fitted(self, "pipeline_")
        classes = [np.asarray(c, dtype=np.int64).ravel() for c in class_lists]
        pair, feature, value = self.pipeline_.named_steps["model"].contributions_many(
            _as_csr(features), classes, check_input=False)
        pair_row = np.repeat(np.arange(len(classes)), [len(c) for c in classes])
        # Keep each pair's strongest positive n-grams, as a reader would look at them.
        keep = kernels.top_per_group(pair, value, len(pair_row), top_n * 4)
        pair, feature, value = pair[keep], feature[keep], value[keep]
        if normalized is None:
            normalized = [normalize_text(str(text)) for text in texts]
        word, words = word_ids(evidence_table(self.pipeline_.named_steps["features"]),
                               pair_row[pair], feature, normalized)
        found = word >= 0
        pair, word, value = pair[found], word[found], value[found]
        # Sum the n-grams of each word, then rank words within each pair.
        shown_pair, shown_word = kernels.top_words(pair, word, value, top_n)
        shown = [words[w] for w in shown_word.tolist()]
        ends = np.cumsum(np.bincount(shown_pair, minlength=len(pair_row))).tolist()
        per_pair = [shown[start:end] for start, end in zip([0, *ends[:-1]], ends, strict=True)]
        offsets = np.cumsum([0] + [len(c) for c in classes]).tolist()
        return [per_pair[start:end] for start, end in zip(offsets[:-1], offsets[1:], strict=True)]


def calibration_group(normalized: str, grouping: str = "head") -> str:
    """Return the group of a normalized text in the calibration split: its last two words
    (``"head"``), its last word (``"word"``) or the whole text."""
    keep = {"head": -2, "word": -1}.get(grouping)
    return " ".join(normalized.split()[keep:])


def is_calibration_group(group: str, share: float = 0.1, seed: int = 0) -> bool:
    """Return True for the groups held out of the first fit to calibrate the scores.

    A hash, not a random draw over the training set: ``word_vectors`` are distilled without
    the titles of these groups (default share and seed), so the weight of their cosines and
    the score maps are fitted on titles the vectors never saw either.
    """
    digest = hashlib.sha1(f"{seed}:{group}".encode()).digest()
    return int.from_bytes(digest[:4], "big") < share * 2**32


def _shared_titles(normalized, y, classes) -> dict[str, np.ndarray]:
    """Return normalized training titles of two or more classes, with those classes' indices."""
    by_title: dict[str, set[str]] = {}
    for key, label in zip(normalized, y, strict=True):
        if len(key.split()) <= TITLE_WORDS:
            by_title.setdefault(key, set()).add(label)
    return {key: np.searchsorted(classes, sorted(labels))
            for key, labels in by_title.items() if len(labels) > 1}


def _softmax_rows(scores: np.ndarray) -> np.ndarray:
    """Return the softmax of each row of float64 ``scores``, computed in place.

    The same operations as ``scipy.special.softmax(scores, axis=1)`` (so the same floats),
    without its three temporary arrays of the size of ``scores``.
    """
    scores -= scores.max(axis=1, keepdims=True)
    np.exp(scores, out=scores)
    scores /= scores.sum(axis=1, keepdims=True)
    return scores


def _recalibrate_top(proba: np.ndarray, calibrator: IsotonicRegression) -> np.ndarray:
    """Set each row's top probability to its calibrated value; the others share the rest.

    The order of classes never changes: where the others would reach the top class (a
    calibrated top below one half), they shrink further and the row is renormalized.
    Works in place on a float64 ``proba`` (a copy of any other) and returns it.
    """
    out = proba if proba.dtype == np.float64 else proba.astype(np.float64)
    rows = np.arange(len(out))
    best = out.argmax(axis=1)
    calibrated = np.clip(calibrator.predict(out[rows, best]), 1e-6, 1.0 - 1e-6)
    out[rows, best] = 0.0
    rest = out.sum(axis=1)
    # Where the softmax left (almost) nothing to the other classes, they share it evenly.
    empty = rest < 1e-12
    if empty.any():
        out[empty] = 1.0
        out[rows[empty], best[empty]] = 0.0
        rest = out.sum(axis=1)
    factor = (1.0 - calibrated) / rest
    second = out.max(axis=1)
    factor = np.minimum(factor, np.where(second > 0, 0.999 * calibrated / second, np.inf))
    out *= factor[:, None]
    out[rows, best] = calibrated
    out /= out.sum(axis=1, keepdims=True)
    return out


def _as_csr(features) -> sp.csr_matrix:
    matrix = sp.csr_matrix(features, dtype=np.float32)
    matrix.sort_indices()
    return matrix


def _neighbor_columns(features: Pipeline, n_features: int) -> np.ndarray:
    """Flag the n-gram columns: head-noun tokens help centroids but mislead title-to-title
    comparison (two titles sharing only a head noun look alike)."""
    columns = np.ones(n_features, dtype=bool)
    heads = features.named_steps["vectorize"].output_indices_.get("heads")
    if heads is not None:
        columns[heads] = False
    return columns


def _log_length(features) -> np.ndarray:
    """Return log(1 + number of non-zero features) of each row: a proxy for text length."""
    return np.log1p(np.diff(sp.csr_matrix(features).indptr)).astype(np.float64)
