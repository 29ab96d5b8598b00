"""Save and load trained model artifacts in the cache, keyed by data release and code version."""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

import joblib

# Source files, and data files the model reads besides the O*NET release, whose change
# invalidates trained models: (folder, file pattern).
_MODEL_INPUTS = (("classifier", "*.py"), ("data/vectors", "*.npz"))


def code_hash() -> str:
    """Return a short hash of the classifier source code and the word vectors, so edits
    retrain the model."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for folder, pattern in _MODEL_INPUTS:
        for path in sorted((root / folder).glob(pattern)):
            digest.update(path.name.encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()[:10]


def model_version(release: str) -> str:
    """Return the model version string, e.g. ``"onet29.3-1a2b3c4d5e"``."""
    return f"onet{release}-{code_hash()}"


def artifact_path(cache_dir: Path | str, version: str) -> Path:
    """Return where the model of one version lives in the cache."""
    return Path(cache_dir) / "models" / f"occupations-{version}.joblib"


def save_artifact(bundle: dict, path: Path) -> Path:
    """Write ``bundle`` atomically, so a concurrent reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.name, suffix=".tmp")
    os.close(fd)
    try:
        joblib.dump(bundle, tmp)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    return path


def load_artifact(path: Path) -> dict:
    """Read a bundle written by ``save_artifact``."""
    return joblib.load(path)
