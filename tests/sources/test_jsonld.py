"""schema.org JobPosting from arbitrary careers pages (JSON-LD and microdata)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from jobatlas.sources.jsonld import extract_job_postings, posting_from_jobposting, salary
from jobatlas.sources.parsed import ParseError

from .craigslist.cases import as_json

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "jsonld"


@pytest.mark.parametrize("folder", sorted(FIXTURES.iterdir()), ids=lambda p: p.name)
def test_jsonld_fixture(folder):
    want = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    found = extract_job_postings((folder / "page.html").read_bytes(), want["url"])
    got = [{"posting": as_json(p.posting), "missing": p.missing} for p in found]
    assert got == want["postings"]


def test_page_without_job_postings_gives_nothing():
    assert extract_job_postings("<html><body><p>About us</p></body></html>", "https://x") == []


def test_empty_page_raises():
    with pytest.raises(ParseError):
        extract_job_postings(b"  ", "https://x")


def test_job_posting_without_title_is_not_a_posting():
    parsed = posting_from_jobposting({"@type": "JobPosting", "description": "x"}, "https://x",
                                     fallback_id="https://x")
    assert not parsed.ok
    assert "title" in parsed.missing


@pytest.mark.parametrize(
    ("value", "raw", "low", "high", "unit"),
    [
        (15, "15", 15.0, 15.0, None),
        ("$20/hr", "$20/hr", None, None, None),
        ({"currency": "USD", "value": 52000, "unitText": "YEAR"}, "USD 52000 per year", 52000.0,
         52000.0, "year"),
        ({"value": {"value": 18, "unitText": "HOUR"}}, "USD 18 per hour", 18.0, 18.0, "hour"),
    ],
)
def test_salary_shapes(value, raw, low, high, unit):
    pay = salary(value)
    assert (pay.raw, pay.min_amount, pay.max_amount, pay.unit) == (raw, low, high, unit)


def test_salary_without_amounts_is_none():
    assert salary({"currency": "USD", "value": {"unitText": "HOUR"}}) is None
