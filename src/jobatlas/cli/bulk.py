"""``jobatlas export postings`` and ``jobatlas import postings``: move postings in bulk."""

from __future__ import annotations

import click

from jobatlas.cli.db import URL_OPTION, database_errors, database_url


@click.group()
def export() -> None:
    """Export stored data to files."""


@export.command("postings")
@URL_OPTION
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "parquet", "jsonld"]),
    default=None,
    help="File format (default: from the file suffix).",
)
@click.option("--originals-only", is_flag=True, help="Leave out reposts linked to a first copy.")
@click.argument("output", type=click.Path(dir_okay=False, writable=True))
def export_postings(url: str | None, fmt: str | None, originals_only: bool, output: str) -> None:
    """Write every stored posting to OUTPUT (CSV, Parquet or schema.org JSON-LD lines)."""
    from jobatlas.storage import make_engine
    from jobatlas.storage.bulk import BulkFormatError, export_postings

    url = database_url(url)
    with database_errors(url):
        engine = make_engine(url)
        try:
            count = export_postings(engine, output, fmt, include_duplicates=not originals_only)
        except BulkFormatError as exc:
            raise click.ClickException(str(exc)) from exc
        finally:
            engine.dispose()
    click.echo(f"exported {count} postings to {output}")


@click.group("import")
def import_() -> None:
    """Import data from files."""


@import_.command("postings")
@URL_OPTION
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["csv", "parquet", "jsonld"]),
    default=None,
    help="File format (default: from the file suffix).",
)
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def import_postings(url: str | None, fmt: str | None, path: str) -> None:
    """Store the postings of an export file (validated and de-duplicated like a crawl)."""
    from jobatlas.storage import make_engine, upgrade
    from jobatlas.storage.bulk import BulkFormatError, import_postings

    url = database_url(url)
    with database_errors(url):
        upgrade(url)
        engine = make_engine(url)
        try:
            result = import_postings(engine, path, fmt)
        except BulkFormatError as exc:
            raise click.ClickException(str(exc)) from exc
        finally:
            engine.dispose()
    click.echo(
        f"imported {path}: {result.new} new, {result.duplicate} duplicates, "
        f"{result.updated} updated, {len(result.rejected)} rejected"
    )
    for rejection in result.rejected[:20]:
        click.echo(f"  record {rejection.index + 1}: {rejection.reason}", err=True)
    if result.rejected and result.stored == 0:
        raise click.ClickException("no record could be stored")
