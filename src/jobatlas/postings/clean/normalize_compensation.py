"""Parse pay text such as "$18 - $22 per hour" into a minimum, a maximum and a unit."""

from __future__ import annotations

import dataclasses
import math
import re

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
_UNIT_PATTERNS = {unit: re.compile(pattern, re.IGNORECASE) for unit, pattern in _UNITS.items()}
_FOLLOWING_WINDOW = 28
_NOT_PAY = re.compile(r"bonus|sign[- ]?on|signing|referral|deposit|fee\b", re.IGNORECASE)
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
    match = _first_amount(cleaned)
    if match is None:
        return Compensation(raw=raw)
    low, high = _amounts(match)
    unit = _unit(cleaned, match)
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
    pay = posting.compensation
    if pay.raw is None or pay.min_amount is not None or pay.max_amount is not None:
        return posting
    parsed = parse_compensation(pay.raw)
    unit = parsed.unit or pay.unit
    parsed = dataclasses.replace(parsed, raw=pay.raw, currency=pay.currency, unit=unit)
    return dataclasses.replace(posting, compensation=parsed)


def _first_amount(text: str) -> re.Match[str] | None:
    matches = [m for m in _RANGE.finditer(text) if not _is_bonus(text, m)]
    # Amounts with a currency sign win over bare numbers ("2 years experience, $18/hr").
    with_sign = [m for m in matches if m["low_cur"] or m["high_cur"]]
    if with_sign:
        return with_sign[0]
    has_unit = _unit_anywhere(text) is not None
    for match in matches:
        if has_unit or _CENTS.search(match["high"] or match["low"]):
            return match
    return None


def _is_bonus(text: str, match: re.Match[str]) -> bool:
    # Only the words right by this amount count: "$18/hr plus $500 sign-on bonus" is $18/hr.
    before = text[max(0, match.start() - 12) : match.start()]
    after = re.split(r"[$,;]", text[match.end() : match.end() + 20], maxsplit=1)[0]
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


def _unit(text: str, match: re.Match[str]) -> str | None:
    return _unit_after(text, match) or _unit_anywhere(text)


def _unit_after(text: str, match: re.Match[str]) -> str | None:
    following = text[match.end() : match.end() + _FOLLOWING_WINDOW]
    found = [(m.start(), unit) for unit, p in _UNIT_PATTERNS.items() if (m := p.search(following))]
    return min(found)[1] if found else None


def _unit_anywhere(text: str) -> str | None:
    found = [(m.start(), unit) for unit, p in _UNIT_PATTERNS.items() if (m := p.search(text))]
    return min(found)[1] if found else None


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
