from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from jobatlas.postings.clean.normalize_compensation import (
    normalize_compensation,
    parse_compensation,
)
from jobatlas.postings.records import Compensation, Posting

PARSED = [
    # (text, min, max, unit)
    ("$18/hr", 18, 18, "hour"),
    ("$18 - $22 per hour", 18, 22, "hour"),
    ("18-22/hour", 18, 22, "hour"),
    ("$45,000 - $55,000 a year", 45000, 55000, "year"),
    ("$150 per day", 150, 150, "day"),
    ("$18 an hour", 18, 18, "hour"),
    ("$17.50/hour", 17.5, 17.5, "hour"),
    ("$16.50-$19.00/hour plus tips", 16.5, 19, "hour"),
    ("$18-$20/hr DOE", 18, 20, "hour"),
    ("$20 to $24 hourly", 20, 24, "hour"),
    ("Hourly: 18 to 20", 18, 20, "hour"),
    ("Pay: $20.00 - $24.50", 20, 24.5, "hour"),
    ("pay is 17 dollars an hour", 17, 17, "hour"),
    ("$15 ph", 15, 15, "hour"),
    ("compensation: 15.00", 15, 15, "hour"),
    ("Up to $22/hr", None, 22, "hour"),
    ("up to $25 per hour depending on experience", None, 25, "hour"),
    ("Starting at $17.50 an hour", 17.5, None, "hour"),
    ("starting pay $19/hr", 19, None, "hour"),
    ("$45k-55k", 45000, 55000, "year"),
    ("salary 40-45k", 40000, 45000, "year"),
    ("$60K/yr", 60000, 60000, "year"),
    ("$55,000 salary", 55000, 55000, "year"),
    ("$45,000.00 annually", 45000, 45000, "year"),
    ("$3,200/month", 3200, 3200, "month"),
    ("$4,500 monthly", 4500, 4500, "month"),
    ("$900 weekly", 900, 900, "week"),
    ("$1,234.50 per week", 1234.5, 1234.5, "week"),
    ("$200 a day", 200, 200, "day"),
    ("$0.60 per mile", 0.6, 0.6, "piece"),
    ("$.55/mile", 0.55, 0.55, "piece"),
    ("$1.10 a mile", 1.1, 1.1, "piece"),
    ("$25 per delivery", 25, 25, "piece"),
    ("2 years experience required, $18/hr + 401k", 18, 18, "hour"),
    ("$18/hr plus $500 sign-on bonus", 18, 18, "hour"),
    ("$500 bonus after 90 days, pay $19/hr", 19, 19, "hour"),
    ("Bonus of $300, $17/hr", 17, 17, "hour"),
    ("$22 - 26 / hr", 22, 26, "hour"),
    ("$26-$22/hr", 22, 26, "hour"),
    ("$2.13/hr plus tips", 2.13, 2.13, "hour"),
    ("  $18\n per   hour ", 18, 18, "hour"),
]

NOT_PARSED = [
    "DOE",
    "competitive",
    "Competitive pay + benefits",
    "TBD",
    "negotiable",
    "depends on experience",
    "401(k) match, competitive pay",
    "25% commission",
    "$1,000 sign on bonus",
    "Hourly, 2 shifts available",
    "2 years experience",
    "call 555-1234",
]


@pytest.mark.parametrize(("text", "low", "high", "unit"), PARSED)
def test_parse_compensation_reads_amounts_and_unit(text, low, high, unit):
    pay = parse_compensation(text)
    assert (pay.min_amount, pay.max_amount, pay.unit) == (low, high, unit)
    assert pay.raw == " ".join(text.split())


@pytest.mark.parametrize("text", NOT_PARSED)
def test_parse_compensation_keeps_only_raw_without_a_pay_amount(text):
    pay = parse_compensation(text)
    assert (pay.min_amount, pay.max_amount, pay.unit) == (None, None, None)
    assert pay.raw == text


@pytest.mark.parametrize("text", [None, "", "   "])
def test_parse_compensation_of_nothing_is_empty(text):
    assert parse_compensation(text) == Compensation()


@pytest.mark.parametrize(("text", "unit"), [("$18", "hour"), ("$52,000", "year"), ("$5,000", None)])
def test_parse_compensation_guesses_unit_only_when_amount_is_clear(text, unit):
    assert parse_compensation(text).unit == unit


def _posting(pay: Compensation) -> Posting:
    return Posting("craigslist", "1", "https://example.org/1", "Cook", compensation=pay)


def test_normalize_compensation_fills_parsed_fields_from_raw():
    posting = normalize_compensation(_posting(Compensation(raw="$18 - $22 per hour")))
    assert posting.compensation == Compensation("$18 - $22 per hour", 18, 22, "hour")


def test_normalize_compensation_keeps_amounts_a_source_already_gave():
    given = Compensation(raw="$18/hr", min_amount=19, max_amount=19, unit="hour")
    assert normalize_compensation(_posting(given)).compensation == given


def test_normalize_compensation_keeps_source_unit_when_text_has_none():
    posting = normalize_compensation(_posting(Compensation(raw="$5,000", unit="month")))
    assert (posting.compensation.min_amount, posting.compensation.unit) == (5000, "month")


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("$0123456789.,-/ kKperhouryadmwt")), max_size=40))
def test_parse_compensation_never_fails_and_keeps_order(text):
    pay = parse_compensation(text)
    if pay.min_amount is not None and pay.max_amount is not None:
        assert 0 <= pay.min_amount <= pay.max_amount
    assert pay.unit in {None, "hour", "day", "week", "month", "year", "piece"}
