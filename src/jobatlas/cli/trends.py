"""``jobatlas trends``: refresh the weekly series, show growth, backtest forecasts."""

from __future__ import annotations

import json

import click

_URL_OPTION = click.option(
    "--url",
    "url",
    default=None,
    help="Database URL (default: $DATABASE_URL, else the SQLite file in the user data folder).",
)


@click.group()
def trends() -> None:
    """Posting-based demand trends: weekly series, growth and forecasts."""


def _engine(url: str | None):
    from jobatlas.config import Settings, normalize_database_url
    from jobatlas.storage import make_engine, upgrade

    url = normalize_database_url(url) if url else Settings.from_env().database_url
    upgrade(url)
    return make_engine(url)


@trends.command()
@_URL_OPTION
@click.option("--full", is_flag=True, help="Recompute every week, not only those touched.")
@click.option("--no-skills", is_flag=True, help="Skip skill extraction and skill series.")
def refresh(url: str | None, full: bool, no_skills: bool) -> None:
    """Recompute weekly series for the weeks touched since the last refresh."""
    from sqlalchemy.exc import SQLAlchemyError

    from jobatlas.trends.series import refresh as refresh_series

    try:
        result = refresh_series(_engine(url), full=full, skills=not no_skills)
    except SQLAlchemyError as exc:
        raise click.ClickException(f"database error: {exc.__class__.__name__}: {exc.orig}") from exc
    since = result.from_week.isoformat() if result.from_week else "the first week"
    click.echo(
        f"refreshed from {since}: {result.rows} series rows, {result.jobs} jobs, "
        f"{result.skills_scanned} postings scanned for skills"
    )


@trends.command()
@_URL_OPTION
@click.option(
    "--area", default=None, help="Craigslist area, two-letter state or ZIP (default: the nation)."
)
@click.option(
    "--level",
    default="detailed",
    show_default=True,
    type=click.Choice(["major", "minor", "broad", "detailed"]),
    help="SOC level.",
)
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000))
def show(url: str | None, area: str | None, level: str, limit: int) -> None:
    """Print the fastest growing and largest occupations of an area."""
    from jobatlas.trends.report import TrendsError, occupation_table, resolve_place

    text = (area or "").strip()
    where = (
        {"zip_code": text}
        if text.isdigit()
        else ({"state": text} if len(text) == 2 else {"area": text or None})
    )
    try:
        engine = _engine(url)
        table = occupation_table(engine, resolve_place(engine, **where), level=level)
    except TrendsError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"{table.place.label} — weeks to {table.end.isoformat()}")
    rows = sorted(table.rows, key=lambda r: -(r["recent"] or 0))[:limit]
    for row in rows:
        change = row["change_pct"]
        text = (
            "n/a" if change is None else f"{change:+.1f}% [{row['lower_pct']}, {row['upper_pct']}]"
        )
        click.echo(f"{row['code']}  {row['recent'] or 0:>7}  {text:<28} {row['title']}")


@trends.command()
@click.option(
    "--series",
    "path",
    required=True,
    type=click.Path(dir_okay=False),
    help="Long-format CSV (date, series_id, value); gzip allowed; daily or weekly.",
)
@click.option("--start", default=None, help="Use only forecast origins on or after this date.")
@click.option(
    "--step",
    default=4,
    show_default=True,
    type=click.IntRange(1, 52),
    help="Weeks between forecast origins.",
)
@click.option("--date-column", default="date", show_default=True,
              help="Column of the file holding the dates.")  # fmt: skip
@click.option("--id-column", default="series_id", show_default=True,
              help="Column naming each series, e.g. display_name (Indeed sectors).")  # fmt: skip
@click.option("--value-column", default="value", show_default=True,
              help="Column holding the values, e.g. indeed_job_postings_index.")  # fmt: skip
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def backtest(path: str, start: str | None, step: int, date_column: str, id_column: str,
             value_column: str, as_json: bool) -> None:  # fmt: skip
    """Rolling-origin backtest at 4, 8 and 13 weeks: MASE vs naive, interval coverage.

    Daily input is resampled to ISO weeks (Monday start) as the mean of the days; weeks with
    fewer than 7 days of data are dropped.
    """
    import pandas as pd

    from jobatlas.trends.backtest import SeriesFileError, read_series_file
    from jobatlas.trends.backtest import backtest as run_backtest

    try:
        start_ts = pd.Timestamp(start) if start else None
    except ValueError as exc:
        raise click.ClickException(f"--start: not a date: {start!r}") from exc
    try:
        series = read_series_file(path, date_column, id_column, value_column)
        report = run_backtest(series, start=start_ts, step=step)
    except SeriesFileError as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        click.echo(json.dumps(report))
        return
    click.echo(_table(report))


def _table(report: dict) -> str:
    columns = [
        "mase",
        "mase_naive",
        "mase_seasonal_naive",
        "coverage80",
        "coverage95",
        "n_forecasts",
    ]
    lines = ["horizon  " + "  ".join(f"{c:>19}" for c in columns)]
    for horizon, metrics in report["horizons"].items():
        cells = []
        for column in columns:
            value = metrics[column]
            cells.append(f"{'-' if value is None else round(value, 3):>19}")
        lines.append(f"{horizon:>7}  " + "  ".join(cells))
    return "\n".join(lines)
