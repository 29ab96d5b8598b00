"""``jobatlas serve``: run the web app for development."""

from __future__ import annotations

import click


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535),
              envvar="PORT", help="Port to listen on (or $PORT).")
@click.option("--debug", is_flag=True, help="Flask debug mode (never on a public address).")
def serve(host: str, port: int, debug: bool) -> None:
    """Run the web app on the local database for development.

    Migrates the database and trains the occupation model into the cache first if needed
    (with a progress bar), then serves http://HOST:PORT. In production use gunicorn
    instead: gunicorn -c gunicorn.conf.py "jobatlas.web:create_app()" (see the Procfile).
    """
    from jobatlas.web import create_app

    app = create_app()
    settings = app.extensions["jobatlas"].settings
    click.echo(f"Database: {_redact(settings.database_url)}", err=True)
    click.echo("Loading reference data and the occupation model (the first run trains it)...",
               err=True)
    app.extensions["jobatlas"].load_all(progress=True)
    click.echo(f"jobatlas is ready at http://{host}:{port}/ (Ctrl+C to stop)", err=True)
    try:
        app.run(host=host, port=port, debug=debug, use_reloader=False, threaded=True)
    except OSError as exc:
        reason = exc.strerror or exc
        raise click.ClickException(f"cannot listen on {host}:{port}: {reason}") from exc


def _redact(url: str) -> str:
    """Hide a password in a database URL."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
