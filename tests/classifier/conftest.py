"""Shared fixtures: the words of the reference texts, as the normalizer's tokenizer cuts them."""

from __future__ import annotations

import pytest

from jobatlas.classifier.text import _TOKEN, clean_markup, fold_accents


def _tokens(texts) -> set[str]:
    return {token.lower().replace("'", "")
            for text in texts for token in _TOKEN.findall(fold_accents(clean_markup(text)))}


@pytest.fixture(scope="session")
def training_tokens() -> set[str]:
    """Every word of the training texts (built once per session: it takes seconds)."""
    from jobatlas.classifier.training import build_training_set, load_reference_texts

    return _tokens(build_training_set(load_reference_texts()).texts)


@pytest.fixture(scope="session")
def direct_match_tokens() -> set[str]:
    """Every word of the BLS Direct Match titles, the benchmark's evaluation set."""
    from jobatlas.classifier.evaluation import direct_match_titles

    return _tokens(direct_match_titles(set()).texts)
