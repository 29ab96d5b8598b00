"""Well-known employers' names become the O*NET words of their workplace."""

from __future__ import annotations

import pytest

from jobatlas.classifier.employers import EMPLOYER_WORDS, employer_words
from jobatlas.classifier.text import normalize_text


def test_employer_words():
    assert employer_words("mcdonalds") == "fast food restaurant"
    assert employer_words("target") is None  # an English word: left out
    assert employer_words("amazon") is None  # warehouse, delivery or software: left out


def test_names_are_read_as_workplaces():
    assert normalize_text("Cook at McDonald's") == "cook at fast food restaurant"
    assert normalize_text("Drove for UBER and DoorDash") == "drove for rideshare and food delivery"


def test_keys_are_single_lower_case_words():
    assert all(key.isalpha() and key == key.lower() for key in EMPLOYER_WORDS)


@pytest.mark.slow
def test_no_word_of_any_training_text_is_an_employer(training_tokens, direct_match_tokens):
    # O*NET names a few organizations ("USPS Mail Carrier", "CVS" the version control
    # system); were one a key, training text would change and its meaning with it.
    # The Direct Match titles too, so that the benchmark's figures do not move either.
    tokens = training_tokens | direct_match_tokens
    assert sorted(key for key in EMPLOYER_WORDS if key in tokens) == []
