"""Shared fixtures: isolated settings, and database URLs for SQLite and PostgreSQL."""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest

from jobatlas.config import Settings

PG_ADMIN_URL = os.environ.get(
    "JOBATLAS_TEST_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def _pg_available() -> bool:
    import psycopg

    try:
        with psycopg.connect(
            PG_ADMIN_URL.replace("postgresql+psycopg://", "postgresql://"), connect_timeout=3
        ):
            return True
    except psycopg.OperationalError:
        return False


@pytest.fixture(scope="session")
def pg_server() -> str:
    """Return the admin URL of the PostgreSQL test server; fail loudly in CI if it is down."""
    if not _pg_available():
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL at 127.0.0.1:5432 is not reachable")
        pytest.skip("PostgreSQL at 127.0.0.1:5432 is not reachable")
    return PG_ADMIN_URL


@pytest.fixture
def pg_database_url(pg_server: str):
    """Create a throwaway PostgreSQL database, yield its URL, drop it afterwards."""
    import psycopg

    name = f"jobatlas_test_{uuid.uuid4().hex[:12]}"
    admin = pg_server.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = pg_server.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def sqlite_database_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'jobatlas.sqlite3'}"


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request) -> str:
    """Each test that takes this runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_database_url")
    return request.getfixturevalue("pg_database_url")


@pytest.fixture(scope="session")
def model_cache_dir(tmp_path_factory):
    """One model cache for the whole test session so the classifier trains at most once.

    ``JOBATLAS_TEST_CACHE`` points at a persistent cache to skip even that (developer machines).
    """
    path = os.environ.get("JOBATLAS_TEST_CACHE")
    if path:
        return path
    return str(tmp_path_factory.mktemp("model-cache"))


@pytest.fixture
def settings(tmp_path, model_cache_dir) -> Settings:
    return Settings(database_url=f"sqlite:///{tmp_path / 'app.sqlite3'}", cache_dir=model_cache_dir)


@pytest.fixture(scope="session")
def occupation_settings(model_cache_dir) -> Settings:
    """Settings whose model cache is shared by every test of the session."""
    return Settings(cache_dir=Path(model_cache_dir))


@pytest.fixture(scope="session")
def occupation_engine(occupation_settings):
    """The occupation engine, trained at most once per test session."""
    from jobatlas.engine import load_engine

    return load_engine(occupation_settings)
