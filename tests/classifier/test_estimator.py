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
    assert model.scale_ == (0.0, 0.0)  # too few texts to hold any out


def test_calibration_split_holds_out_texts():
    model = OccupationClassifier(calibration_share=0.2, min_df=1).fit(
        [f"{t} {i}" for i, t in enumerate(TEXTS * 4)], LABELS * 4)
    assert model.scale_ != (0.0, 0.0)


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
