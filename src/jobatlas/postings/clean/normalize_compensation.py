"""Parse pay text such as "$18 - $22 per hour" into a minimum, a maximum and a unit."""

from __future__ import annotations

import dataclasses
import math
import re
from typing import Any

from jobatlas.postings.records import Compensation, Posting

# Hourly pay above this, or yearly pay below the next one, is more likely a parse slip than pay.
_MAX_HOURLY_WITHOUT_UNIT = 100.0
_MIN_YEARLY_WITHOUT_UNIT = 15_000.0

_NOT_MONEY = re.compile(r"\b401\s*\(?k\)?|\b403\s*\(?b\)?", re.IGNORECASE)
_AMOUNT = (
    r"(?P<{n}_cur>\$\s*)?"
    r"(?P<{n}>(?:\d{{1,3}}(?:,\d{{3}})+|\d+)(?:\.\d{{1,2}})?|\.\d{{1,2}})"
    r"\s*(?P<{n}_k>[kK](?![a-zA-Z]))?"
)
_RANGE = re.compile(
    r"(?<![\w.,])"
    + _AMOUNT.format(n="low")
    + r"(?:\s*(?:-|–|—|to|and)\s*"
    + _AMOUNT.format(n="high")
    + r")?(?![\w,]*%)",
    re.IGNORECASE,
)
_UPTO = re.compile(r"\b(?:up\s*to|max(?:imum)?|as\s+much\s+as)\W*$", re.IGNORECASE)
_FROM = re.compile(
    r"\b(?:starting(?:\s+(?:at|from|pay))?|from|min(?:imum)?|at\s+least)\W*$", re.IGNORECASE
)

_PER = r"(?:/|\bper\b|\ban?\b|\beach\b)\s*"
# Unit words as they follow an amount ("/hr", "per hour", "an hour") or label it ("Hourly: $18").
_UNITS = {
    "hour": _PER + r"(?:hour|hr|h)s?\b|hourly|\bph\b|\bp/h\b|/\s*hr?\b",
    "day": _PER + r"(?:day|shift)\b|daily|per\s+diem\b",
    "week": _PER + r"(?:week|wk)\b|weekly",
    "month": _PER + r"(?:month|mo)\b|monthly",
    "year": _PER + r"(?:year|yr|annum)\b|annual(?:ly)?|\bsalar(?:y|ied)\b|\bp\.?a\.?\b",
    "piece": _PER + r"(?:piece|mile|load|delivery|job|unit|stop|visit|route)\b",
}
# One alternation finds the earliest unit word in a single scan; at equal positions the first
# alternative wins, so the units go in name order as ``min((start, unit))`` would pick them.
# Every unit word starts with a letter or "/": the lookahead skips digits, "$" and spaces
# without trying each alternative there (three times faster).
_UNIT = re.compile(
    "(?=[/a-z])(?:"
    + "|".join(f"(?P<{unit}>{pattern})" for unit, pattern in sorted(_UNITS.items()))
    + ")",
    re.IGNORECASE,
)
_FOLLOWING_WINDOW = 28
_NOT_PAY = re.compile(r"bonus|sign[- ]?on|signing|referral|deposit|fee\b", re.IGNORECASE)
# Every _NOT_PAY word contains one of these; most pay text has none, and then no amount is a bonus.
_MAYBE_NOT_PAY = re.compile(r"bonus|sign|referral|deposit|fee", re.IGNORECASE)
_AFTER_END = re.compile(r"[$,;]")
_CENTS = re.compile(r"\.\d\d$")


def parse_compensation(text: str | None) -> Compensation:
    """Return the pay range and unit stated in ``text``; unknown parts stay ``None``.

    A range ("$18 - $22 per hour", "18-22/hour", "$45k-55k") gives both ends; a single amount
    gives both ends equal, only the maximum after "up to", only the minimum after "starting at".
    Without a unit word a small amount is taken as hourly and a large one as yearly. Text with no
    amount ("DOE", "competitive") gives only ``raw``.
    """
    if text is None or not text.strip():
        return Compensation(raw=None)
    raw = " ".join(text.split())
    cleaned = _NOT_MONEY.sub(" ", raw)
    anywhere = _unit_in(cleaned)
    match = _first_amount(cleaned, has_unit=anywhere is not None)
    if match is None:
        return Compensation(raw=raw)
    low, high = _amounts(match)
    unit = _unit_in(cleaned[match.end() : match.end() + _FOLLOWING_WINDOW]) or anywhere
    signed = bool(match["low_cur"] or match["high_cur"])
    if low is None or not _plausible(low, high, unit, signed):
        return Compensation(raw=raw)
    unit = unit or _guess_unit(high if high is not None else low)
    before = cleaned[: match.start()]
    if high is None:
        if _UPTO.search(before):
            low, high = None, low
        elif not _FROM.search(before):
            high = low
    return Compensation(raw=raw, min_amount=low, max_amount=high, unit=unit)


def normalize_compensation(posting: Posting) -> Posting:
    """Fill the parsed pay fields from ``compensation.raw`` when the source gave none."""
    changes = compensation_changes(posting)
    return dataclasses.replace(posting, **changes) if changes else posting


def compensation_changes(posting: Posting) -> dict[str, Any]:
    """Return the fields :func:`normalize_compensation` changes (none if nothing to parse)."""
    pay = posting.compensation
    if pay.raw is None or pay.min_amount is not None or pay.max_amount is not None:
        return {}
    parsed = parse_compensation(pay.raw)
    unit = parsed.unit or pay.unit
    return {
        "compensation": Compensation(
            raw=pay.raw,
            min_amount=parsed.min_amount,
            max_amount=parsed.max_amount,
            unit=unit,
            currency=pay.currency,
        )
    }


def _first_amount(text: str, has_unit: bool) -> re.Match[str] | None:
    matches = list(_RANGE.finditer(text))
    if _MAYBE_NOT_PAY.search(text):
        matches = [m for m in matches if not _is_bonus(text, m)]
    # Amounts with a currency sign win over bare numbers ("2 years experience, $18/hr").
    with_sign = [m for m in matches if m["low_cur"] or m["high_cur"]]
    if with_sign:
        return with_sign[0]
    for match in matches:
        if has_unit or _CENTS.search(match["high"] or match["low"]):
            return match
    return None


def _is_bonus(text: str, match: re.Match[str]) -> bool:
    # Only the words right by this amount count: "$18/hr plus $500 sign-on bonus" is $18/hr.
    before = text[max(0, match.start() - 12) : match.start()]
    after = _AFTER_END.split(text[match.end() : match.end() + 20], maxsplit=1)[0]
    return _NOT_PAY.search(before + " " + after) is not None


def _amounts(match: re.Match[str]) -> tuple[float | None, float | None]:
    low = _number(match["low"])
    high = _number(match["high"]) if match["high"] else None
    if match["low_k"]:
        low = low * 1000
    if high is not None and match["high_k"]:
        high = high * 1000
        if not match["low_k"] and low < 1000:
            low = low * 1000  # "45-55k": the "k" covers both ends
    if low == 0 and not high:
        return None, None
    if high is not None and high < low:
        low, high = high, low
    return low, high


def _number(text: str) -> float:
    return float(text.replace(",", ""))


def _unit_in(text: str) -> str | None:
    """Return the unit whose word comes first in ``text``."""
    found = _UNIT.search(text)
    return found.lastgroup if found else None


def _guess_unit(amount: float) -> str | None:
    if amount <= _MAX_HOURLY_WITHOUT_UNIT:
        return "hour"
    if amount >= _MIN_YEARLY_WITHOUT_UNIT:
        return "year"
    return None


def _plausible(low: float, high: float | None, unit: str | None, signed: bool) -> bool:
    top = high if high is not None else low
    if not math.isfinite(top) or top > 10_000_000:
        return False
    # A yearly figure under $1,000, or an hourly one under $2 ($5 without a "$"), is a misread.
    min_hourly = 2.0 if signed else 5.0
    return not ((unit == "year" and top < 1000) or (unit == "hour" and top < min_hourly))
