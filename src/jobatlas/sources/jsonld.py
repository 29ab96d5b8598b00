"""Read schema.org ``JobPosting`` data (JSON-LD or microdata) from any page into postings."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

from jobatlas.postings.records import Compensation, Posting
from jobatlas.sources.parsed import (
    ParsedPosting,
    ParseError,
    employment_type,
    html_fragment_text,
    parse_datetime,
    parse_float,
)

logger = logging.getLogger(__name__)

SOURCE = "jsonld"
SALARY_UNITS = {"HOUR": "hour", "DAY": "day", "WEEK": "week", "MONTH": "month", "YEAR": "year"}


def extract_job_postings(html: str | bytes, url: str) -> list[ParsedPosting]:
    """Return every ``JobPosting`` found in a page's JSON-LD and microdata, as postings.

    Each posting's source id is the JobPosting ``identifier`` when it has one, else the page URL
    (with ``#2``, ``#3``... for further postings on the same page).
    """
    import extruct  # imported here: extruct pulls in several parsers that plain imports don't need

    text = html.decode("utf-8", "replace") if isinstance(html, bytes) else html
    if not text.strip():
        raise ParseError(f"empty page: {url}")
    try:
        data = extruct.extract(text, base_url=url, syntaxes=["json-ld", "microdata"], uniform=True)
    except (ValueError, TypeError) as exc:  # extruct raises these on markup lxml cannot read
        raise ParseError(f"cannot read page {url}: {exc}") from exc
    nodes = [n for syntax in ("json-ld", "microdata") for n in _job_postings(data.get(syntax, []))]
    results = []
    for index, node in enumerate(nodes, start=1):
        fallback_id = url if index == 1 else f"{url}#{index}"
        results.append(posting_from_jobposting(node, url, source=SOURCE, fallback_id=fallback_id))
    return results


def _job_postings(value: object) -> Iterator[dict]:
    """Yield JobPosting objects nested anywhere in extracted structured data (``@graph`` too)."""
    if isinstance(value, list):
        for item in value:
            yield from _job_postings(item)
    elif isinstance(value, dict):
        types = value.get("@type")
        types = types if isinstance(types, list) else [types]
        if any(isinstance(t, str) and t.rsplit("/", 1)[-1] == "JobPosting" for t in types):
            yield value
            return
        for key in ("@graph", "mainEntity", "itemListElement", "item"):
            if key in value:
                yield from _job_postings(value[key])


def load_jsonld(text: str) -> object:
    """Parse a JSON-LD script body, tolerating the stray control characters some sites emit."""
    try:
        return json.loads(text, strict=False)
    except json.JSONDecodeError as exc:
        raise ParseError(f"invalid JSON-LD: {exc}") from exc


def posting_from_jobposting(
    data: dict, url: str, *, source: str = SOURCE, fallback_id: str | None = None
) -> ParsedPosting:
    """Map one schema.org ``JobPosting`` object onto a ``Posting``, listing unreadable fields."""
    missing: list[str] = []
    title = _text(data.get("title")) or _text(data.get("name"))
    source_id = _identifier(data.get("identifier")) or fallback_id
    body = html_fragment_text(_text(data.get("description")))
    place = _place(data.get("jobLocation"))
    posting = Posting(
        source=source,
        source_id=source_id or "",
        url=_text(data.get("url")) or url,
        title=title,
        body=body,
        employer=_name(data.get("hiringOrganization")),
        compensation=salary(data.get("baseSalary")) or Compensation(),
        employment_type=employment_type(data.get("employmentType")),
        posted_at=parse_datetime(data.get("datePosted")),
        valid_through=parse_datetime(data.get("validThrough")),
        **place,
    )
    missing = missing_fields(posting)
    if not title or not source_id:
        return ParsedPosting(None, missing)
    return ParsedPosting(posting, missing)


def missing_fields(posting: Posting) -> list[str]:
    """Return the tracked fields a posting lacks."""
    checks = {
        "source_id": posting.source_id,
        "title": posting.title,
        "body": posting.body,
        "posted_at": posting.posted_at,
        "compensation": posting.compensation.raw or posting.compensation.min_amount,
        "employment_type": posting.employment_type,
        "location": posting.locality or posting.region or posting.postal_code,
        "coordinates": posting.latitude is not None and posting.longitude is not None,
    }
    return [name for name, value in checks.items() if not value]


def salary(value: object) -> Compensation | None:
    """Read a schema.org ``baseSalary`` (MonetaryAmount, number or text) into a ``Compensation``."""
    if value in (None, "", [], {}):
        return None
    if isinstance(value, list):
        return salary(value[0])
    if isinstance(value, int | float):
        return Compensation(raw=f"{value:g}", min_amount=float(value), max_amount=float(value))
    if isinstance(value, str):
        return Compensation(raw=value.strip())
    if not isinstance(value, dict):
        return None
    currency = _text(value.get("currency")) or "USD"
    inner = value.get("value")
    unit_text = _text(value.get("unitText"))
    if isinstance(inner, dict):
        low = parse_float(inner.get("minValue", inner.get("value")))
        high = parse_float(inner.get("maxValue", inner.get("value")))
        unit_text = _text(inner.get("unitText")) or unit_text
    else:
        low = high = parse_float(inner)
    if low is None and high is None:
        return None
    unit = SALARY_UNITS.get(unit_text.upper()) if unit_text else None
    amounts = f"{low:g}" if low == high or high is None else f"{low:g}-{high:g}"
    raw = f"{currency} {amounts}" + (f" per {unit}" if unit else "")
    return Compensation(raw=raw, min_amount=low, max_amount=high, unit=unit, currency=currency)


def _place(value: object) -> dict:
    """Return locality/region/postal code/coordinates from a ``jobLocation``."""
    if isinstance(value, list):
        value = value[0] if value else None
    out: dict = {}
    if not isinstance(value, dict):
        return out
    address = value.get("address")
    if isinstance(address, dict):
        out["locality"] = _text(address.get("addressLocality")) or None
        out["region"] = _region(address.get("addressRegion"))
        out["postal_code"] = _text(address.get("postalCode")) or None
    elif isinstance(address, str) and address.strip():
        out["locality"] = address.strip()
    geo = value.get("geo")
    if isinstance(geo, dict):
        lat, lon = parse_float(geo.get("latitude")), parse_float(geo.get("longitude"))
        if lat is not None and lon is not None:
            out["latitude"], out["longitude"] = lat, lon
    return out


def _region(value: object) -> str | None:
    text = _text(value)
    return text.upper() if len(text) == 2 else (text or None)


def _text(value: object) -> str:
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, dict):
        value = value.get("@value") or value.get("name") or ""
    return value.strip() if isinstance(value, str) else ("" if value is None else str(value))


def _name(value: object) -> str | None:
    return _text(value) or None


def _identifier(value: object) -> str | None:
    if isinstance(value, dict):
        return _text(value.get("value")) or _text(value.get("@id")) or None
    return _text(value) or None
