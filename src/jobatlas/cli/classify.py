"""``jobatlas classify``, ``train`` and ``evaluate``: the occupation engine from the shell."""

from __future__ import annotations

import json
import sys

import click

from jobatlas.config import Settings


def _read_records(stream):
    """Yield one parsed JSON value per non-blank line, or the error that line raised."""
    for line in stream:
        if not line.strip():
            continue
        try:
            yield json.loads(line)
        except json.JSONDecodeError as exc:
            yield ValueError(f"line is not JSON: {exc.msg}")


def _print_table(matches) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table("#", "code", "occupation", "score", "evidence")
    for rank, match in enumerate(matches, start=1):
        table.add_row(str(rank), match.code, match.title, f"{match.score:.2f}",
                      ", ".join(match.evidence))
    Console().print(table)


@click.command()
@click.argument("text", required=False)
@click.option("--input", "input_file",
              help="JSON Lines of {id, title and/or text}; '-' for stdin. In batch mode: a "
                   "glob or fsspec URL of Parquet, CSV or JSON Lines files.")
@click.option("--output", "output_file", default="-", show_default=True,
              help="Where to write JSON Lines results; '-' for stdout. A folder (ending in "
                   "'/' or existing) means batch mode: one Parquet file per input file.")
@click.option("--top-k", default=10, show_default=True, type=click.IntRange(1, 100),
              help="Occupations per text.")
@click.option("--engine", "batch_engine", type=click.Choice(["local", "dask"]),
              help="Batch mode: 'local' (in-process, the default for a folder output) or "
                   "'dask' (a dask.distributed cluster).")
@click.option("--scheduler", help="Batch mode: Dask scheduler address, e.g. tcp://HOST:8786 "
                                  "(default: a local cluster of worker processes).")
@click.option("--workers", type=click.IntRange(1), help="Batch mode: processes of the local "
                                                         "Dask cluster (default: one per core).")
def classify(text, input_file, output_file, top_k, batch_engine, scheduler, workers) -> None:
    """Code a job title, posting or resume TEXT (or a JSON Lines file) into O*NET occupations."""
    from jobatlas.engine import InputError, classify_records, load_engine

    if (text is None) == (input_file is None):
        raise click.UsageError("give either TEXT or --input FILE")
    if input_file is not None and (scheduler or _is_batch_output(output_file, batch_engine)):
        engine_name = batch_engine or ("dask" if scheduler else "local")
        _classify_batch(input_file, output_file, engine_name, scheduler, workers, top_k)
        return
    engine = load_engine(Settings.from_env(), progress=sys.stderr.isatty())
    if text is not None:
        try:
            _print_table(engine.classify(text, top_k=top_k))
        except InputError as exc:
            raise click.ClickException(str(exc)) from exc
        return
    failed = False
    try:
        source = click.open_file(input_file, "r", encoding="utf-8")
    except OSError as exc:
        raise click.BadParameter(f"{input_file}: {exc.strerror}", param_hint="--input") from exc
    with source, click.open_file(output_file, "w", encoding="utf-8") as sink:
        for result in classify_records(_read_records(source), engine, top_k=top_k):
            failed = failed or "error" in result
            sink.write(json.dumps(result, ensure_ascii=False) + "\n")
    if failed:
        sys.exit(1)


@click.command()
def train() -> None:
    """Train the occupation model for the active O*NET release into the cache."""
    from jobatlas.engine import train_engine

    path = train_engine(Settings.from_env(), progress=sys.stderr.isatty())
    click.echo(f"saved {path}")


@click.command()
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def evaluate(as_json: bool) -> None:
    """Report accuracy and calibration on DMTF titles, held-out titles and synthetic resumes."""
    from jobatlas.classifier.evaluation import evaluate_engine, format_report

    report = evaluate_engine(Settings.from_env(), progress=sys.stderr.isatty())
    click.echo(json.dumps(report, indent=2) if as_json else format_report(report))


# Batch mode (``jobatlas.batch``): many files in, one Parquet file per input file out.
def _is_batch_output(output: str, engine: str | None) -> bool:
    from jobatlas.batch import is_batch_output

    return is_batch_output(output, engine)


def _classify_batch(input_glob, output_dir, engine, scheduler, workers, top_k) -> None:
    """Run ``jobatlas.batch.run_batch``; print its summary; exit 1 if a partition failed."""
    from jobatlas.batch import run_batch

    try:
        report = run_batch(input_glob, output_dir, engine=engine, scheduler=scheduler,
                           top_k=top_k, settings=Settings.from_env(), workers=workers)
    except (ValueError, OSError) as exc:  # no input files, bad URL, scheduler unreachable
        raise click.ClickException(str(exc)) from exc
    click.echo(json.dumps(report.summary()))
    if not report.ok:
        failed = report.failed[0]
        raise click.ClickException(
            f"{len(report.failed)} partition(s) failed, first {failed.input}: {failed.error}"
        )
