"""Run the Alembic migrations that ship inside the package."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine
from sqlalchemy.engine import make_url

from jobatlas.config import normalize_database_url
from jobatlas.storage.engine import make_engine

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
logger = logging.getLogger(__name__)


def alembic_config(connection: Connection | None = None) -> Config:
    """Return an Alembic configuration for the packaged migrations (no ``alembic.ini`` needed)."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["connection"] = connection
    return config


def upgrade(url: str | Engine, revision: str = "head") -> str | None:
    """Create or migrate the schema of the database at ``url``; return the new revision."""
    with _connection(url) as connection:
        before = _current(connection)
        command.upgrade(alembic_config(connection), revision)
        after = _current(connection)
    logger.info("database schema at %s (was %s)", after, before)
    return after


def downgrade(url: str | Engine, revision: str) -> str | None:
    """Migrate the schema of the database at ``url`` down to ``revision`` ("base" drops it)."""
    with _connection(url) as connection:
        command.downgrade(alembic_config(connection), revision)
        return _current(connection)


def current_revision(url: str | Engine) -> str | None:
    """Return the schema revision of the database at ``url`` (``None`` if never migrated)."""
    if isinstance(url, str) and _missing_sqlite_file(url):
        return None  # asking must not create an empty database file
    with _connection(url) as connection:
        return _current(connection)


def head_revision() -> str | None:
    """Return the newest schema revision this version of jobatlas ships."""
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def _missing_sqlite_file(url: str) -> bool:
    parsed = make_url(normalize_database_url(url))
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:"):
        return False
    return not database.startswith("file:") and not Path(database).expanduser().exists()


def _current(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


@contextmanager
def _connection(url: str | Engine) -> Iterator[Connection]:
    engine = make_engine(url) if isinstance(url, str) else url
    try:
        with engine.begin() as connection:
            yield connection
    finally:
        if engine is not url:
            engine.dispose()
