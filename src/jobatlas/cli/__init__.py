"""The ``jobatlas`` command: a thin shell over the library.

Each feature keeps its commands in its own module here; ``main`` registers them.
"""

from __future__ import annotations

import importlib
import logging

import click

from jobatlas import __version__

# (module, attribute) of each command or command group, registered on the main group.
COMMANDS = [
    ("jobatlas.cli.classify", "classify"),
    ("jobatlas.cli.classify", "evaluate"),
    ("jobatlas.cli.classify", "train"),
    ("jobatlas.cli.data", "data"),
    ("jobatlas.cli.db", "db"),
    ("jobatlas.cli.bulk", "export"),
    ("jobatlas.cli.bulk", "import_"),
    ("jobatlas.cli.scrape", "scrape"),
    ("jobatlas.cli.trends", "trends"),
    ("jobatlas.cli.serve", "serve"),
]


@click.group()
@click.version_option(__version__, prog_name="jobatlas")
@click.option("-v", "--verbose", count=True, help="More log output (-vv for debug).")
def main(verbose: int) -> None:
    """jobatlas: job postings, occupation coding, recommendations and demand trends."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")


def _register() -> None:
    for module_name, attr in COMMANDS:
        main.add_command(getattr(importlib.import_module(module_name), attr))


_register()
