"""``jobatlas db``: create, migrate and inspect the postings database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click


@click.group()
def db() -> None:
    """Create, migrate and inspect the postings database (SQLite or PostgreSQL)."""


URL_OPTION = click.option(
    "--url",
    "url",
    default=None,
    help="Database URL (default: $DATABASE_URL, else the SQLite file in the user data folder).",
)


@db.command()
@URL_OPTION
@click.option("--revision", default="head", show_default=True, help="Schema revision to reach.")
def upgrade(url: str | None, revision: str) -> None:
    """Create the schema or migrate it to the newest revision."""
    from jobatlas.storage import upgrade as upgrade_schema

    url = database_url(url)
    with database_errors(url):
        reached = upgrade_schema(url, revision)
    click.echo(f"{_redact(url)}: schema at revision {reached}")


@db.command()
@URL_OPTION
def current(url: str | None) -> None:
    """Print the schema revision of the database and the newest one available."""
    from jobatlas.storage import current_revision, head_revision

    url = database_url(url)
    with database_errors(url):
        revision = current_revision(url)
    head = head_revision()
    state = "up to date" if revision == head else "run `jobatlas db upgrade`"
    click.echo(f"{_redact(url)}: revision {revision or 'none'} (newest {head}; {state})")


@db.command()
@URL_OPTION
def info(url: str | None) -> None:
    """Print the database URL, schema revision and how many postings it holds."""
    from jobatlas.storage import PostingRepository, current_revision, head_revision, make_engine

    url = database_url(url)
    with database_errors(url):
        revision = current_revision(url)
        click.echo(f"database: {_redact(url)}")
        click.echo(f"revision: {revision or 'none'} (newest {head_revision()})")
        if revision is None:
            return
        engine = make_engine(url)
        try:
            repository = PostingRepository(engine)
            total = repository.count(include_duplicates=True)
            originals = repository.count()
        finally:
            engine.dispose()
    click.echo(f"postings: {total} ({originals} originals, {total - originals} reposts)")


def database_url(url: str | None) -> str:
    from jobatlas.config import Settings, normalize_database_url

    return normalize_database_url(url) if url else Settings.from_env().database_url


@contextmanager
def database_errors(url: str) -> Iterator[None]:
    """Turn database and migration failures into one-line CLI errors."""
    from alembic.util import CommandError
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    try:
        yield
    except (SQLAlchemyError, CommandError, ArgumentError, OSError) as exc:
        message = " ".join(str(getattr(exc, "orig", None) or exc).split())[:300]
        raise click.ClickException(f"{_redact(url)}: {message}") from exc


def _redact(url: str) -> str:
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable database URL>"
