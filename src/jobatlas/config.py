"""Settings read from the environment, explicitly, when a command or the app starts."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from platformdirs import user_cache_dir, user_data_dir

APP_NAME = "jobatlas"
PACKAGE_DATA_DIR = Path(__file__).resolve().parent / "data"


def normalize_database_url(url: str) -> str:
    """Return a SQLAlchemy URL, accepting Heroku's ``postgres://`` form."""
    url = url.strip()
    if url.startswith("postgres://"):
        url = "postgresql+psycopg://" + url[len("postgres://") :]
    elif url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def default_database_url() -> str:
    """Return the embedded SQLite database in the user's data directory."""
    path = Path(user_data_dir(APP_NAME)) / "jobatlas.sqlite3"
    return f"sqlite:///{path}"


@dataclass(frozen=True)
class Settings:
    """Where jobatlas keeps its database, model cache and reference data."""

    database_url: str = field(default_factory=default_database_url)
    cache_dir: Path = field(default_factory=lambda: Path(user_cache_dir(APP_NAME)))
    data_dir: Path = PACKAGE_DATA_DIR

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        """Build settings from ``DATABASE_URL``, ``JOBATLAS_CACHE_DIR``, ``JOBATLAS_DATA_DIR``."""
        env = os.environ if environ is None else environ
        kwargs: dict = {}
        if env.get("DATABASE_URL"):
            kwargs["database_url"] = normalize_database_url(env["DATABASE_URL"])
        if env.get("JOBATLAS_CACHE_DIR"):
            kwargs["cache_dir"] = Path(env["JOBATLAS_CACHE_DIR"])
        if env.get("JOBATLAS_DATA_DIR"):
            kwargs["data_dir"] = Path(env["JOBATLAS_DATA_DIR"])
        return cls(**kwargs)
