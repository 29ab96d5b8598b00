"""``jobatlas data``: show and update the reference data releases."""

from __future__ import annotations

from pathlib import Path

import click

from jobatlas.classifier.word_vectors import (
    DIMENSIONS,
    EXTRA_WORDS,
    VECTORS_PATH,
    WordVectorError,
    distill,
    minilm_encoder,
    save_word_vectors,
)
from jobatlas.config import Settings
from jobatlas.data_update import (
    BASE_URL_ENV,
    DEFAULT_RELEASE,
    UpdateError,
    activate_release,
    installed_releases,
    parse_release,
    rebuild_dependents,
    update_onet,
)
from jobatlas.reference.files import SHIPPED_ONET_RELEASE, active_onet_release, resolve_onet_dir


@click.group()
def data() -> None:
    """Show or update the O*NET release and other reference data."""


@data.command()
def info() -> None:
    """Print the shipped, installed and active O*NET releases."""
    settings = Settings.from_env()
    active = active_onet_release(settings.cache_dir) or SHIPPED_ONET_RELEASE
    installed = installed_releases(settings.cache_dir)
    click.echo(f"shipped O*NET release:   {SHIPPED_ONET_RELEASE}")
    click.echo(f"installed O*NET releases: {', '.join(installed) or 'none'}")
    click.echo(f"active O*NET release:    {active}")
    click.echo(f"active O*NET folder:     {resolve_onet_dir(cache_dir=settings.cache_dir)}")
    click.echo(f"reference data folder:   {settings.data_dir}")


@data.command()
@click.option("--release", default=DEFAULT_RELEASE, show_default=True,
              help="O*NET release number to install.")
@click.option("--url", help="Full URL of the text-release zip (overrides --base-url).")
@click.option("--base-url", envvar=BASE_URL_ENV,
              help=f"Folder URL of the O*NET downloads [env {BASE_URL_ENV}].")
@click.option("--archive", type=click.Path(exists=True, dir_okay=False),
              help="Install a text-release zip already on disk instead of downloading.")
@click.option("--rebuild/--no-rebuild", default=True, show_default=True,
              help="Cache the new reference tables and retrain the occupation engine.")
def update(release: str, url: str | None, base_url: str | None, archive: str | None,
           rebuild: bool) -> None:
    """Download, validate and install an O*NET text release, then make it active."""
    try:
        result = update_onet(
            release, settings=Settings.from_env(), url=url, base_url=base_url,
            archive=Path(archive) if archive else None,
            rebuild=rebuild_dependents if rebuild else None,
        )
    except UpdateError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"O*NET {result.release} installed in {result.folder} and active "
        f"(was {result.previous}); {result.rows['occupations']} occupations"
    )
    if result.rebuilt is not None:
        click.echo(f"occupation model retrained: {result.rebuilt}")


@data.command()
@click.argument("release")
def use(release: str) -> None:
    """Make an installed O*NET RELEASE (or the shipped one) active."""
    try:
        activate_release(parse_release(release), Settings.from_env().cache_dir)
    except UpdateError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"O*NET {release} is active")


@data.command()
@click.option("--output", type=click.Path(dir_okay=False), default=str(VECTORS_PATH),
              show_default=True, help="Where to write the word vector file.")
@click.option("--dimensions", type=click.IntRange(8, 384), default=DIMENSIONS,
              show_default=True, help="Principal components kept per word.")
def vectors(output: str, dimensions: int) -> None:
    """Distill the word vectors the occupation model blends in (needs jobatlas[vectors])."""
    from jobatlas.classifier.evaluation import distillation_texts
    from jobatlas.classifier.training import load_reference_texts

    settings = Settings.from_env()
    try:
        encode = minilm_encoder()
        ref = load_reference_texts(folder=resolve_onet_dir(settings.data_dir,
                                                           cache_dir=settings.cache_dir),
                                   data_dir=settings.data_dir)
        titles, vocabulary = distillation_texts(ref, extra_words=EXTRA_WORDS)
        result = distill(titles, vocabulary, encode, dimensions=dimensions)
        path = save_word_vectors(result, output)
    except WordVectorError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{len(result.words)} word vectors of {result.dimensions} dimensions "
               f"(fitted on {len(titles)} titles) written to {path}")
