"""Plain-language wording for pages: training levels, match strength, money, distance, dates."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from flask import Flask

# O*NET Job Zones in everyday words.
JOB_ZONE_WORDS = {
    1: "Little or no training (a few days to a few months on the job)",
    2: "Some training (high school and up to a year on the job)",
    3: "Medium training (trade school, an apprenticeship or a 2-year degree)",
    4: "A lot of training (usually a 4-year degree)",
    5: "Extensive training (a graduate degree)",
}
DEFAULT_JOB_ZONES = (1, 2, 3)
KM_PER_MILE = 1.609344


def dollars(value: float | None) -> str:
    """Return a whole-dollar amount such as "$41,250"."""
    return "not published" if value is None else f"${value:,.0f}"


def dollars_cents(value: float | None) -> str:
    """Return an amount with cents such as "$19.83"."""
    return "not published" if value is None else f"${value:,.2f}"


def number(value: float | None) -> str:
    """Return a whole number with thousands separators."""
    return "" if value is None else f"{value:,.0f}"


def miles(km: float | None) -> str:
    """Return a distance in miles, as people in the U.S. say it."""
    if km is None:
        return ""
    value = km / KM_PER_MILE
    return "under 1 mile" if value < 1 else f"{value:,.0f} miles"


def day(value: str | date | datetime | None) -> str:
    """Return a date such as "Nov 25, 2026"."""
    if value is None:
        return ""
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return f"{value:%b} {value.day}, {value.year}"


def schema_type(schema: dict[str, Any] | None) -> str:
    """Return a short type name for a JSON schema (for the API docs page)."""
    if not schema:
        return ""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    kind = schema.get("type", "")
    if kind == "array":
        return f"array of {schema_type(schema.get('items'))}"
    if isinstance(kind, list):
        return " or ".join(kind)
    return kind


def init_app(app: Flask) -> None:
    """Make the wording helpers available to templates."""
    app.jinja_env.globals["job_zone_words"] = JOB_ZONE_WORDS
    for helper in (dollars, dollars_cents, number, miles, day, schema_type):
        app.jinja_env.filters[helper.__name__] = helper
    app.jinja_env.filters["tojson_pretty"] = lambda value: json.dumps(value, indent=2)
