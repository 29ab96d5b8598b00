"""Well-known employers' names become the O*NET words of their workplace."""

from __future__ import annotations

import pytest

from jobatlas.classifier.employers import EMPLOYER_WORDS, employer_words
from jobatlas.classifier.text import _TOKEN, clean_markup, fold_accents, normalize_text


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
def test_no_word_of_any_training_text_is_an_employer():
    # O*NET names a few organizations ("USPS Mail Carrier", "CVS" the version control
    # system); were one a key, training text would change and its meaning with it.
    from jobatlas.classifier.evaluation import direct_match_titles
    from jobatlas.classifier.training import build_training_set, load_reference_texts

    # The Direct Match titles too, so that the benchmark's figures do not move either.
    texts = build_training_set(load_reference_texts()).texts + direct_match_titles(set()).texts
    tokens = {token.lower().replace("'", "")
              for text in texts for token in _TOKEN.findall(fold_accents(clean_markup(text)))}
    assert sorted(key for key in EMPLOYER_WORDS if key in tokens) == []
