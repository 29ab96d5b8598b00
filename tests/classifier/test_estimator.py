"""OccupationClassifier honours the scikit-learn estimator contract."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.utils.estimator_checks import parametrize_with_checks

from jobatlas.classifier import OccupationClassifier
from jobatlas.classifier.centroid import SpecificCentroidClassifier

# Checks that feed numeric matrices and expect numeric-model behaviour. The classifier reads
# each row as text, so these do not apply to it.
TEXT_INPUT = "reads each row as text: numbers are words, not magnitudes"
EXPECTED_FAILED = {
    "check_n_features_in_after_fitting": "texts have no fixed number of features",
    "check_classifiers_train": TEXT_INPUT,
    "check_supervised_y_2d": TEXT_INPUT,
    "check_fit2d_1sample": TEXT_INPUT,
    "check_fit1d": "1-D input is a list of texts, which the classifier accepts",
    "check_sample_weights_invariance": TEXT_INPUT,
    "check_estimators_nan_inf": "NaN and inf become the words 'nan' and 'inf'",
    "check_fit2d_predict1d": "a 1-D input is a list of texts",
    "check_n_features_in": "texts have no fixed number of features",
    "check_estimators_empty_data": TEXT_INPUT,
    "check_sample_weight_equivalence_on_dense_data": TEXT_INPUT,
    "check_classifiers_multilabel_output_format_predict": TEXT_INPUT,
}


def _expected_failed(estimator):
    return EXPECTED_FAILED if isinstance(estimator, OccupationClassifier) else {}


@parametrize_with_checks(
    [OccupationClassifier(char_ngrams=(3, 4), min_df=1), SpecificCentroidClassifier()],
    expected_failed_checks=_expected_failed,
)
def test_sklearn_contract(estimator, check):
    check(estimator)


TEXTS = ["truck driver", "delivery driver", "tractor trailer driver", "line cook",
         "prep cook", "short order cook", "cashier", "checkout cashier", "store cashier"] * 8
LABELS = ["53-3032.00"] * 3 + ["35-2014.00"] * 3 + ["41-2011.00"] * 3
LABELS = LABELS * 8


def test_fit_learns_classes_and_probabilities_sum_to_one():
    model = OccupationClassifier().fit(TEXTS, LABELS)
    assert list(model.classes_) == ["35-2014.00", "41-2011.00", "53-3032.00"]
    proba = model.predict_proba(["TRUCK DRIVERS", "cook"])
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert list(model.predict(["TRUCK DRIVERS", "cook"])) == ["53-3032.00", "35-2014.00"]
    assert model.scale_ == (0.0,) * 6  # too few texts to hold any out


def test_calibration_split_holds_out_texts():
    model = OccupationClassifier(calibration_share=0.2, min_df=1).fit(
        [f"{t} {i}" for i, t in enumerate(TEXTS * 4)], LABELS * 4)
    assert model.scale_ != (0.0,) * 6


def test_init_stores_params_only_and_clones():
    model = OccupationClassifier(power=2.0)
    assert clone(model).get_params()["power"] == 2.0
    with pytest.raises(NotFittedError):
        model.predict(["cook"])


def test_single_string_is_rejected():
    model = OccupationClassifier().fit(TEXTS, LABELS)
    with pytest.raises(ValueError, match="sequence of texts"):
        model.predict("cook")


def test_evidence_names_input_words():
    model = OccupationClassifier().fit(TEXTS, LABELS)
    row = model.featurize(["night truck driver"])[0]
    index = list(model.classes_).index("53-3032.00")
    (words,) = model.evidence(row, "night truck driver", [index])
    assert "truck" in words or "driver" in words


def test_evidence_many_matches_evidence_row_by_row():
    model = OccupationClassifier().fit(TEXTS, LABELS)
    texts = ["night truck driver", "grill cook / prep", "cashier and driver"]
    features = model.featurize(texts)
    wanted = [[0, 2], [0], [1, 2]]
    together = model.evidence_many(features, texts, wanted)
    one_by_one = [model.evidence(features[i], texts[i], wanted[i]) for i in range(len(texts))]
    assert together == one_by_one
    assert together[1][0] and all(w in "grill cook prep" for w in together[1][0])


def test_fast_featurize_equals_the_pipeline_transform():
    model = OccupationClassifier(min_df=1).fit(TEXTS, LABELS)
    texts = np.array(["TRUCK DRIVERS", "prep cook &amp; cashier", "zzz", "", "Niñera",
                      "Line cook\nPrep cook, Grill cook - 2019-2021\nCashier"], dtype=object)
    fast = model.featurize(texts)
    slow = model.pipeline_.named_steps["features"].transform(texts).tocsr()
    assert fast.shape == slow.shape and abs(fast - slow).max() == 0


def test_neighbor_vote_blends_nearest_title_cosine():
    texts = ["forklift operator", "reach truck operator", "order picker", "crane operator"]
    labels = ["a", "a", "a", "b"]
    features = OccupationClassifier(min_df=1)._make_pipeline().named_steps["features"]
    X = features.fit_transform(np.array(texts, dtype=object)).tocsr()
    plain = SpecificCentroidClassifier(neighbor_share=0.0).fit(X, labels)
    voted = SpecificCentroidClassifier(neighbor_share=0.5, neighbor_max_df=1.0).fit(X, labels)
    centroid, blended = plain.class_scores(X[:1]), voted.class_scores(X[:1])
    # A training title is its own nearest neighbour (cosine 1) for its class "a".
    assert blended[0, 0] == pytest.approx(0.5 * centroid[0, 0] + 0.5, abs=1e-5)
    long_text = SpecificCentroidClassifier(neighbor_share=0.5, neighbor_max_nnz=1).fit(X, labels)
    assert long_text.class_scores(X[:1]) == pytest.approx(centroid, abs=1e-6)


def test_recalibrated_top_keeps_order_and_sums_to_one():
    from sklearn.isotonic import IsotonicRegression

    from jobatlas.classifier.estimator import _recalibrate_top

    calibrator = IsotonicRegression(out_of_bounds="clip").fit([0.2, 0.9], [0.1, 0.6])
    proba = np.array([[0.9, 0.06, 0.04], [0.5, 0.45, 0.05], [1.0, 0.0, 0.0]])
    out = _recalibrate_top(proba, calibrator)
    assert np.allclose(out.sum(axis=1), 1.0)
    assert out[0, 0] == pytest.approx(0.6)
    assert out[0, 1] / out[0, 2] == pytest.approx(0.06 / 0.04)
    assert (out.argmax(axis=1) == 0).all()
    # A calibrated top below the runner-up's share must not create ties or swaps.
    assert out[1, 0] > out[1, 1] > out[1, 2]
    assert out[2, 0] == pytest.approx(calibrator.predict([1.0])[0])


def test_calibrators_are_fitted_on_held_out_texts():
    texts = [f"{t} {i}" for i, t in enumerate(TEXTS * 40)]
    model = OccupationClassifier(calibration_share=0.5, min_df=1).fit(texts, LABELS * 40)
    assert model.calibrators_[True] is not None  # short texts: enough held out
    assert model.calibrators_[False] is None  # no long texts at all
    proba = model.predict_proba(["truck driver 3", "cook 7"])
    assert np.allclose(proba.sum(axis=1), 1.0)


SENTENCES = {
    "53-3032.00": ["drive a tractor trailer on long routes across several states",
                   "inspect the truck brakes tires and lights before each trip",
                   "secure the cargo with straps and chains before leaving the dock",
                   "keep a driving log of hours and miles as the law requires"],
    "35-2014.00": ["cook breakfast orders on the flat top grill during the morning rush",
                   "prepare vegetables sauces and meats before the restaurant opens",
                   "clean the kitchen line fryers and cooking stations after service",
                   "follow recipes and portion sizes for every dish on the menu"],
}


def test_texts_longer_than_titles_get_their_own_calibrator():
    texts, labels = [], []
    for copy in range(60):
        for label, sentences in SENTENCES.items():
            texts += [f"{sentence} {copy}" for sentence in sentences]
            labels += [label] * len(sentences)
    model = OccupationClassifier(calibration_share=0.5, min_df=1).fit(texts, labels)
    # Sentences are longer than titles, however few features they have.
    assert model.calibrators_[False] is not None

    def calibrated_top(text: str, kind: bool) -> float:
        raw = model._temperature_proba(model.featurize([text])).max()
        return float(np.clip(model.calibrators_[kind].predict([raw])[0], 1e-6, 1 - 1e-6))

    resume = "\n".join(SENTENCES["35-2014.00"][:2])
    assert model.predict_proba([resume]).max() == pytest.approx(calibrated_top(resume, False))
    assert model.predict_proba(["grill cook"]).max() == pytest.approx(
        calibrated_top("grill cook", True))


def test_softmax_regression_joins_the_title_logits():
    texts = [f"{t} {i}" for i, t in enumerate(TEXTS * 4)]
    model = OccupationClassifier(calibration_share=0.2, min_df=1).fit(texts, LABELS * 4)
    assert list(model.linear_.classes_) == list(model.classes_)
    assert model.scale_[2] >= 0.0  # its weight against the cosines, fitted on held-out texts
    features = model.featurize(["truck driver"])
    assert np.any(model._linear_logits(features) != 0.0)
    # Every training text is a title, so there is no long-text regression: a text of more
    # than TITLE_WORDS words gets the centroids alone.
    assert model.long_linear_ is None
    long_text = model.featurize(["truck driver delivery tractor trailer line cook prep short "
                                 "order cashier checkout store 1 2 3"])
    assert np.all(model._linear_logits(long_text) == 0.0)


def test_long_texts_get_their_own_regression():
    duties = {"53-3032.00": "drive a truck on long routes and load the trailer at the dock",
              "35-2014.00": "prepare food on the grill and keep the kitchen line clean",
              "41-2011.00": "ring up sales at the register and count the cash drawer"}
    texts = [f"{t} {i}" for i, t in enumerate(TEXTS * 4)]
    texts += [f"{duties[code]} shift {i}" for i, code in enumerate(LABELS * 4)]
    model = OccupationClassifier(calibration_share=0.2, min_df=1).fit(texts, LABELS * 8)
    assert model.long_linear_ is not None
    assert len(model.scale_) == 6 and model.scale_[3] >= 0.0
    features = model.featurize(["we drive a truck on long routes and load the trailer daily",
                                "truck driver"])
    logits = model._linear_logits(features)
    long_logits = model.long_linear_.logits(features[:1], check_input=False)
    assert np.allclose(logits[0], long_logits[0])  # the long row: the long-text regression
    assert np.allclose(logits[1], model.linear_.logits(features[1:], check_input=False)[0])
    assert model.predict(["we drive a truck on long routes and load the trailer daily"])[0] \
        == "53-3032.00"


def test_softmax_regression_can_be_disabled():
    texts = [f"{t} {i}" for i, t in enumerate(TEXTS * 4)]
    model = OccupationClassifier(calibration_share=0.2, min_df=1, linear_epochs=0).fit(
        texts, LABELS * 4)
    assert model.linear_ is None
    assert model.scale_[2] == 0.0


AMBIGUOUS_TEXTS = ["forklift operator", "forklift driver", "mining machine operator",
                   "forklift operator", "warehouse forklift driver", "continuous miner"] * 8
AMBIGUOUS_LABELS = ["53-7051.00", "53-7051.00", "47-5041.00",
                    "47-5041.00", "53-7051.00", "47-5041.00"] * 8


@pytest.mark.parametrize("common", ["53-7051.00", "47-5041.00"])
def test_class_prior_decides_a_title_both_classes_share(common):
    rare = ({"53-7051.00", "47-5041.00"} - {common}).pop()
    model = OccupationClassifier(class_prior={common: 774_420, rare: 14_000})
    model.fit(AMBIGUOUS_TEXTS, AMBIGUOUS_LABELS)
    assert model.predict(["Forklift Operators"])[0] == common
    assert model.predict_proba(["forklift operator"])[0, model.classes_ == common] > 0.5
    # Ties only: a title of one class keeps it, however rare the class.
    assert model.predict(["continuous miner"])[0] == "47-5041.00"
    assert set(model.shared_titles_) == {"forklift operator"}


def test_exact_title_tie_is_left_alone_without_prior():
    model = OccupationClassifier().fit(AMBIGUOUS_TEXTS, AMBIGUOUS_LABELS)
    features, normalized = model.featurize(["forklift operator"], return_normalized=True)
    assert np.array_equal(model.scores_from_features(features),
                          model.scores_from_features(features, normalized))


def test_prior_weight_moves_every_text_towards_common_classes():
    prior = {"53-7051.00": 774_420, "47-5041.00": 14_000}
    plain = OccupationClassifier(class_prior=prior).fit(AMBIGUOUS_TEXTS, AMBIGUOUS_LABELS)
    heavy = OccupationClassifier(class_prior=prior, prior_weight=1.0).fit(
        AMBIGUOUS_TEXTS, AMBIGUOUS_LABELS)
    text = ["machine operator"]  # no training title: no tie rule
    assert (heavy.predict_proba(text)[0, 1] > plain.predict_proba(text)[0, 1])


def test_without_prior_no_logit_offset():
    model = OccupationClassifier(class_prior=None).fit(TEXTS, LABELS)
    assert model.log_prior_ is None and model.log_share_ is None
    weightless = OccupationClassifier(class_prior={"41-2011.00": 5.0}, prior_weight=0.0)
    assert weightless.fit(TEXTS, LABELS).log_prior_ is None


def test_prior_of_unnamed_classes_is_the_smallest_given():
    model = OccupationClassifier(class_prior={"41-2011.00": 9.0, "53-3032.00": 1.0},
                                 prior_weight=1.0).fit(TEXTS, LABELS)
    shares = np.exp(model.log_prior_)
    assert np.allclose(shares, np.array([1.0, 9.0, 1.0]) / 11.0)


@pytest.mark.parametrize("prior", [{"41-2011.00": -1.0}, {"41-2011.00": float("nan")},
                                   {"99-9999.00": 3.0}])
def test_bad_class_prior_is_refused(prior):
    with pytest.raises(ValueError, match="class_prior"):
        OccupationClassifier(class_prior=prior).fit(TEXTS, LABELS)


def test_calibration_groups_are_a_stable_hashed_share():
    from jobatlas.classifier.estimator import calibration_group, is_calibration_group

    assert calibration_group("senior line cook") == "line cook"
    assert calibration_group("senior line cook", "word") == "cook"
    groups = [f"group {i}" for i in range(20_000)]
    held = [is_calibration_group(g, 0.1, 0) for g in groups]
    assert 0.09 < np.mean(held) < 0.11
    assert held == [is_calibration_group(g, 0.1, 0) for g in groups]  # no random state
    other_seed = [is_calibration_group(g, 0.1, 1) for g in groups]
    assert np.mean(np.array(held) & np.array(other_seed)) < 0.02


def test_word_vectors_can_be_switched_off_or_pointed_elsewhere(tmp_path):
    texts = [f"{t} {i}" for i, t in enumerate(TEXTS * 4)]
    off = OccupationClassifier(calibration_share=0.2, min_df=1, word_vectors=None).fit(
        texts, LABELS * 4)
    assert off.semantic_ is None and off.scale_[4:] == (0.0, 0.0)
    on = OccupationClassifier(calibration_share=0.2, min_df=1).fit(texts, LABELS * 4)
    assert on.semantic_ is not None
    assert on.semantic_.cosines(on.featurize(["truck driver"])).shape == (1, 3)
    from jobatlas.classifier.word_vectors import WordVectorError

    with pytest.raises(WordVectorError, match="cannot read word vectors"):
        OccupationClassifier(word_vectors=tmp_path / "none.npz", min_df=1).fit(
            texts, LABELS * 4)
