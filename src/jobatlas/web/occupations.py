"""Occupation pages (``/occupations/<code>``) and their data."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request

from jobatlas.profiles import UnknownOccupation, occupation_profile
from jobatlas.web.errors import UserError
from jobatlas.web.places import resolve_place
from jobatlas.web.postings import PostingFilters, postings_data
from jobatlas.web.resources import resources

bp = Blueprint("occupations", __name__, url_prefix="/occupations")

RECENT_POSTINGS = 10


@bp.get("/<code>")
def show(code: str):
    location = request.args.get("location")
    data = occupation_data(code, location)
    return render_template("occupation.html", occ=data, location=location)


def get_profile_or_404(code: str, place=None):
    """Return the occupation profile for ``code``; a 404 ``UserError`` when there is none."""
    try:
        return occupation_profile(resources().reference(), code, place)
    except UnknownOccupation as exc:
        raise UserError(404, f"No occupation has the code {code!r}: {exc}") from None


def occupation_data(code: str, location: str | None = None) -> dict[str, Any]:
    """Return an occupation's profile with its posting count and recent postings (nearby)."""
    place = resolve_place(location)
    data = get_profile_or_404(code, place).to_dict()
    counts = resources().repository().count_by_occupation(level="code")
    data["posting_count"] = counts.get(data["code"], 0)
    found = postings_data(
        PostingFilters(
            occupation=data["code"],
            latitude=place.lat if place else None,
            longitude=place.lon if place else None,
            per_page=RECENT_POSTINGS,
        )
    )
    data["postings"] = found["postings"]
    return data


def related_data(code: str, location: str | None = None) -> dict[str, Any]:
    """Return the occupations O*NET lists as related to ``code``, closest first."""
    profile = get_profile_or_404(code, resolve_place(location))
    return {"code": profile.code, "title": profile.title, "related": profile.to_dict()["related"]}
