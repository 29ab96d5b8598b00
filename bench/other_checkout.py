"""Run a benchmark function against the ``jobatlas`` package of another checkout.

Old and new code then run on the same machine in the same session, so their figures share
its load and can be compared as a ratio.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_in_checkout(source_dir: Path, code: str, *args: object) -> dict:
    """Run ``code`` (which prints one JSON object last) with ``source_dir``'s package first
    on the path and this repository's ``bench`` next; return the parsed object."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(source_dir), str(ROOT)])}
    done = subprocess.run(
        [sys.executable, "-c", code, *map(str, args)],
        env=env, capture_output=True, text=True, check=True, cwd=ROOT,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])
