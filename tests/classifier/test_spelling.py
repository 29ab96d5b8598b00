"""Spelling correction of unknown words against the training vocabulary."""

from __future__ import annotations

import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from jobatlas.classifier.spelling import Speller, speller_for

WORDS = {"forklift": 5.0, "operator": 9.0, "receiving": 4.0, "clerk": 8.0, "janitor": 6.0,
         "maintenance": 7.0, "worker": 9.0, "welder": 3.0, "walker": 1.0, "cashier": 6.0}


@pytest.fixture
def speller():
    return Speller(WORDS)


@pytest.mark.parametrize(
    ("typo", "expected"),
    [("forklft", "forklift"),  # a letter missing
     ("janitorr", "janitor"),  # a letter too many
     ("cahsier", "cashier"),  # two letters swapped
     ("recieving", "receiving"),
     ("maintanence", "maintenance"),  # two edits in a long word
     ("walder", "welder")],  # one edit from "walker" too: the more common word wins
)
def test_misspelled_word_becomes_the_closest_known_word(speller, typo, expected):
    assert speller.correct_word(typo) == expected


@pytest.mark.parametrize("word", ["walmart", "doordash", "opr", "wrkr", "w3lder"])
def test_distant_short_or_non_alphabetic_words_are_left_alone(speller, word):
    assert speller.correct_word(word) == word


def test_five_letters_are_enough_to_correct(speller):
    assert speller.correct_word("clerc") == "clerk"


def test_two_edits_are_too_many_for_a_short_word(speller):
    assert speller.correct_word("jnitorr") == "jnitorr"  # 7 letters, two edits from janitor


def test_correct_keeps_known_words_and_fixes_unknown_ones(speller):
    assert speller.correct("forklft operator") == "forklift operator"
    text = "receiving clerk"
    assert speller.correct(text) is text  # nothing unknown: the same string back


def test_speller_for_reads_single_words_of_a_fitted_vocabulary():
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), token_pattern=r"\S+").fit(
        ["forklift operator", "forklift driver", "receiving clerk"])
    speller = speller_for(vectorizer)
    assert speller is speller_for(vectorizer)  # built once per vectorizer
    assert "forklift operator" not in speller.known
    assert speller.correct("forklft drivr") == "forklift driver"


def test_words_of_training_texts_are_never_corrected():
    speller = Speller({"clerk": 8.0}, known={"clerc"})
    assert speller.correct_word("clerc") == "clerc"


@pytest.mark.parametrize("word", ["diner", "grilled"])
def test_ordinary_english_words_are_not_typos(word):
    speller = Speller({"liner": 5.0, "drilled": 5.0})
    assert speller.correct_word(word) == word


@pytest.mark.parametrize(("form", "base"), [
    ("drove", "drive"), ("fed", "feed"), ("swept", "sweep"),  # irregular, short or not
    ("fixed", "fix"), ("baked", "bake"), ("mopped", "mop"), ("carried", "carry"),
    ("mopping", "mop"), ("driving", "drive"),
])
def test_unknown_verb_forms_become_their_known_base_form(form, base):
    speller = Speller({"drive": 5.0, "feed": 5.0, "sweep": 5.0, "fix": 5.0, "bake": 5.0,
                       "mop": 5.0, "carry": 5.0})
    assert speller.correct_word(form) == base


def test_known_verb_forms_and_forms_of_unknown_verbs_stay():
    speller = Speller({"drive": 5.0}, known={"fixed"})
    assert speller.correct_word("fixed") == "fixed"  # a training word: never changed
    assert speller.correct_word("jumped") == "jumped"  # "jump" is unknown
