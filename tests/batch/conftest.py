"""Fixtures for the batch tests: a trained test model in the shared model cache."""

from __future__ import annotations

import pytest
from batch_model import train_test_model

from jobatlas.config import Settings


@pytest.fixture(scope="session")
def batch_settings(model_cache_dir) -> Settings:
    """Return settings whose cache holds the trained batch test model."""
    train_test_model(model_cache_dir)
    return Settings(database_url="sqlite://", cache_dir=model_cache_dir)
