"""Evidence words: each feature of an input is named by the input word it comes from."""

from __future__ import annotations

import numpy as np
from scipy.special import softmax

from jobatlas.classifier import OccupationClassifier
from jobatlas.classifier.estimator import (
    _softmax_rows,
)
from jobatlas.classifier.evidence import CHAR_GRAM, NO_WORD, evidence_table, word_ids

TEXTS = ["truck driver", "delivery driver", "android developer", "line cook", "prep cook",
         "cashier"] * 6
LABELS = (["53-3032.00", "53-3033.00", "15-1252.00", "35-2014.00", "35-2021.00",
           "41-2011.00"] * 6)


def _model():
    return OccupationClassifier(min_df=1).fit(TEXTS, LABELS)


def _column(model, block: str, gram: str) -> int:
    vectorize = model.pipeline_.named_steps["features"].named_steps["vectorize"]
    vectorizer = dict((name, t) for name, t, _ in vectorize.transformers_)[block]
    return vectorize.output_indices_[block].start + vectorizer.vocabulary_[gram]


def test_word_and_head_features_name_their_own_words():
    model = _model()
    table = evidence_table(model.pipeline_.named_steps["features"])
    assert table.words[table.fixed[_column(model, "words", "truck driver")]] == "truck driver"
    assert table.words[table.fixed[_column(model, "heads", "h2=line_cook")]] == "line cook"
    assert table.fixed[_column(model, "chars", "driv")] == CHAR_GRAM
    assert table.fixed[_column(model, "chars", " dr")] == NO_WORD  # too short to show


def test_char_ngram_is_named_by_the_word_it_was_cut_from():
    model = _model()
    table = evidence_table(model.pipeline_.named_steps["features"])
    # "ruck" is inside both words; "ruck " (a word end) only inside "truck".
    columns = np.array([_column(model, "chars", "ruck"), _column(model, "chars", "ruck "),
                        _column(model, "chars", "driv")])
    ids, words = word_ids(table, np.zeros(3, dtype=np.int64), columns,
                          ["trucker truck driver"])
    assert [words[i] for i in ids] == ["trucker", "truck", "driver"]


def test_words_only_char_ngrams_name_get_their_own_ids():
    model = _model()
    table = evidence_table(model.pipeline_.named_steps["features"])
    column = _column(model, "chars", "cook")
    ids, words = word_ids(table, np.array([0, 1]), np.array([column, column]),
                          ["cookware", "line cook"])
    assert words[ids[0]] == "cookware" and ids[0] >= len(table.words)
    assert words[ids[1]] == "cook"
    assert len(table.words) < len(words)  # the shared table itself is not extended


def test_evidence_of_a_batch_names_words_of_each_text():
    model = _model()
    texts = ["Android Developer", "night truck driver"]
    features, normalized = model.featurize(texts, return_normalized=True)
    assert normalized == ["android developer", "night truck driver"]
    driver = list(model.classes_).index("53-3032.00")
    developer = list(model.classes_).index("15-1252.00")
    found = model.evidence_many(features, texts, [[developer], [driver]], normalized=normalized)
    assert set(found[0][0]) <= {"android", "developer", "android developer"}
    assert set(found[1][0]) <= {"night", "truck", "driver", "truck driver", "night truck"}
    assert found == model.evidence_many(features, texts, [[developer], [driver]])


def test_softmax_rows_equals_scipy_bit_for_bit():
    scores = np.random.default_rng(0).normal(size=(50, 30)) * 20
    expected = softmax(scores, axis=1)
    assert (_softmax_rows(scores.copy()) == expected).all()


def test_long_and_short_texts_find_the_same_words():
    from jobatlas.classifier import evidence

    model = _model()
    table = evidence_table(model.pipeline_.named_steps["features"])
    text = "trucker truck driver " + "cashier at the checkout of a store " * 8  # 300 chars
    assert len(text) > evidence.SHORT_TEXT_CHARS
    columns = np.array([_column(model, "chars", gram)
                        for gram in ("ruck", "ruck ", "driv", "ashi", "hier")])
    rows = np.zeros(len(columns), dtype=np.int64)
    searched = evidence._searched_word_ids(table, rows, columns, [text], {})
    gathered = evidence._gathered_word_ids(table, rows, columns, [text], {})
    assert searched.tolist() == gathered.tolist()
    ids, words = word_ids(table, rows, columns, [text])
    assert [words[i] for i in ids] == ["trucker", "truck", "driver", "cashier", "cashier"]
