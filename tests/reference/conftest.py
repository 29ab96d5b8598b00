"""One parsed ReferenceData for the reference tests (parsing takes a few seconds)."""

from __future__ import annotations

import pytest

from jobatlas.reference import build_reference


@pytest.fixture(scope="session")
def reference_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("reference-cache")


@pytest.fixture(scope="session")
def ref(reference_cache):
    return build_reference(cache_root=reference_cache)
