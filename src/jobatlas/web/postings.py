"""The postings page (``/postings``) and the search behind it and the API."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from typing import Any

from flask import Blueprint, render_template, request
from werkzeug.datastructures import MultiDict

from jobatlas.soc import InvalidSocCode, parse_onet_soc, parse_soc
from jobatlas.web.errors import UserError
from jobatlas.web.places import resolve_place
from jobatlas.web.resources import resources

bp = Blueprint("postings", __name__, url_prefix="/postings")

DEFAULT_RADIUS_KM = 50.0
MAX_PER_PAGE = 100


@dataclass(frozen=True)
class PostingFilters:
    """Which postings to show: occupation, place or point, area, dates, page."""

    occupation: str | None = None
    place: Any = None  # a geo.Location
    latitude: float | None = None
    longitude: float | None = None
    radius_km: float = DEFAULT_RADIUS_KM
    area: str | None = None
    since: date | None = None
    until: date | None = None
    page: int = 1
    per_page: int = 20


@bp.get("")
def index():
    filters = filters_from_args(request.args)
    query = {key: request.args[key] for key in ("location", "occupation") if request.args.get(key)}
    return render_template("postings.html", data=postings_data(filters), query=query)


def filters_from_args(args: MultiDict) -> PostingFilters:
    """Read posting filters from query parameters; a 422 ``UserError`` on bad values."""
    filters = PostingFilters(
        occupation=_text(args, "occupation", 20),
        place=resolve_place(args.get("location")),
        latitude=_number(args, "lat", -90, 90),
        longitude=_number(args, "lon", -180, 180),
        radius_km=_number(args, "radius_km", 0, 500) or DEFAULT_RADIUS_KM,
        area=_text(args, "area", 40),
        since=_date(args, "since"),
        until=_date(args, "until"),
        page=int(_number(args, "page", 1, 10_000) or 1),
        per_page=int(_number(args, "per_page", 1, MAX_PER_PAGE) or 20),
    )
    if (filters.latitude is None) != (filters.longitude is None):
        raise UserError(422, "Give both lat and lon, or neither.")
    if filters.place is not None and filters.latitude is None:
        filters = replace(filters, latitude=filters.place.lat, longitude=filters.place.lon)
    return filters


def postings_data(filters: PostingFilters) -> dict[str, Any]:
    """Return one page of postings matching ``filters``, nearest (then newest) first."""
    # One extra row says whether there is a next page without counting every match.
    found = resources().repository().search(
        **_search_arguments(filters), limit=filters.per_page + 1,
        offset=(filters.page - 1) * filters.per_page,
    )
    return {
        "page": filters.page,
        "per_page": filters.per_page,
        "has_more": len(found) > filters.per_page,
        "postings": [posting_json(hit) for hit in found[: filters.per_page]],
    }


def _search_arguments(filters: PostingFilters) -> dict[str, Any]:
    arguments: dict[str, Any] = {"area": filters.area}
    if filters.occupation:
        arguments.update(_occupation_filter(filters.occupation))
    if filters.latitude is not None:
        arguments["near"] = (filters.latitude, filters.longitude, filters.radius_km)
    if filters.since:
        arguments["since"] = datetime.combine(filters.since, time.min, tzinfo=UTC)
    if filters.until:
        arguments["until"] = datetime.combine(filters.until, time.max, tzinfo=UTC)
    return arguments


def _occupation_filter(code: str) -> dict[str, list[str]]:
    try:
        if "." in code:
            return {"codes": [parse_onet_soc(code)]}
        return {"socs": [parse_soc(code)]}
    except InvalidSocCode as exc:
        raise UserError(422, f"occupation: {exc}") from None


def posting_json(hit) -> dict[str, Any]:
    """Return a stored posting as the API and pages show it."""
    posting = hit.posting
    code = posting.occupations[0].code if posting.occupations else None
    return {
        "id": hit.id,
        "source": posting.source,
        "title": posting.title,
        "employer": posting.employer,
        "pay": pay_words(posting.compensation),
        "posted_at": posting.posted_at.isoformat() if posting.posted_at else None,
        "url": posting.url,
        "locality": ", ".join(p for p in (posting.locality, posting.region) if p) or None,
        "latitude": posting.latitude,
        "longitude": posting.longitude,
        "distance_km": None if hit.distance_km is None else round(hit.distance_km, 1),
        "occupation_code": code,
    }


def pay_words(compensation) -> str | None:
    """Return pay as "$18 - $22 per hour", or as the ad wrote it when it was not parsed."""
    low, high, unit = compensation.min_amount, compensation.max_amount, compensation.unit
    if low is None and high is None:
        return compensation.raw
    amounts = dict.fromkeys(f"${value:,.2f}".removesuffix(".00") for value in (low, high) if value)
    text = " - ".join(amounts)
    return f"{text} per {unit}" if unit and text else (text or compensation.raw)


def _text(args: MultiDict, name: str, limit: int) -> str | None:
    value = (args.get(name) or "").strip()
    if len(value) > limit:
        raise UserError(422, f"{name} is too long (at most {limit} characters).")
    return value or None


def _number(args: MultiDict, name: str, low: float, high: float) -> float | None:
    value = (args.get(name) or "").strip()
    if not value:
        return None
    try:
        number = float(value)
    except ValueError:
        raise UserError(422, f"{name} must be a number.") from None
    if not low <= number <= high:
        raise UserError(422, f"{name} must be between {low:g} and {high:g}.")
    return number


def _date(args: MultiDict, name: str) -> date | None:
    value = (args.get(name) or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise UserError(422, f"{name} must be a date like 2026-01-31.") from None
