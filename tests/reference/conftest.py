"""One parsed ReferenceData for the reference tests (parsing takes a few seconds)."""

from __future__ import annotations

import pytest

from jobatlas.reference import build_reference
from jobatlas.reference.files import onet_dir


@pytest.fixture(scope="session")
def reference_cache(tmp_path_factory):
    return tmp_path_factory.mktemp("reference-cache")


@pytest.fixture(scope="session")
def ref(reference_cache):
    # The shipped release, whatever `jobatlas data update` installed on this machine.
    return build_reference(onet_folder=onet_dir(), cache_root=reference_cache)
