"""Recorded fixture cases: one folder per case below ``tests/fixtures/craigslist``."""

from __future__ import annotations

import dataclasses
import json
from datetime import date, datetime
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "craigslist"


def cases(kind: str) -> list[Path]:
    """Return the case folders whose ``expected.json`` has this ``kind``."""
    return sorted(
        folder
        for folder in FIXTURES.iterdir()
        if (folder / "expected.json").exists() and expected(folder)["kind"] == kind
    )


def expected(folder: Path) -> dict:
    return json.loads((folder / "expected.json").read_text(encoding="utf-8"))


def as_json(value: object) -> object:
    """Return a dataclass (or list of them) as the JSON the expected files hold."""

    def encode(obj: object) -> str:
        if isinstance(obj, datetime | date):
            return obj.isoformat()
        raise TypeError(obj)

    if isinstance(value, list):
        value = [dataclasses.asdict(v) for v in value]
    elif dataclasses.is_dataclass(value):
        value = dataclasses.asdict(value)
    return json.loads(json.dumps(value, default=encode))
