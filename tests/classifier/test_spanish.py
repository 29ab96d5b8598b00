"""Spanish job words become the English words of O*NET titles; English text is untouched."""

from __future__ import annotations

import pytest

from jobatlas.classifier.spanish import SPANISH_JOB_WORDS, spanish_job_word
from jobatlas.classifier.text import fold_accents, normalize_text


@pytest.mark.parametrize(("word", "english"), [
    ("cocinero", "cook"), ("cocineras", "cook"), ("cocineros", "cook"), ("soldadores", "welder"),
    ("albaniles", "mason"), ("ayudantes", "helper"), ("cook", None), ("conductor", None),
    ("bodega", None), ("de", None),
])
def test_spanish_job_word(word, english):
    assert spanish_job_word(word) == english


def test_keys_are_lower_case_without_accents():
    assert all(key == fold_accents(key).lower() and key.isalpha() for key in SPANISH_JOB_WORDS)


def test_normalized_ads_read_in_english():
    assert normalize_text("Se busca COCINERO con experiencia") == "cook"
    assert normalize_text("Limpieza de casas") == "cleaning de house"
    assert normalize_text("Albañiles y yeseros") == "mason y drywall installer"
    assert normalize_text("Cook &amp; Dishwasher") == "cook dishwasher"


@pytest.mark.slow
def test_no_word_of_any_training_text_is_translated(training_tokens):
    # Training text is English: were one of its words a key, its n-grams would change and
    # an English posting using that word would be read as Spanish.
    tokens = training_tokens
    assert len(tokens) > 10_000
    assert sorted(token for token in tokens if spanish_job_word(token) is not None) == []
