"""Home page (paste or upload a resume) and the personalized results page."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, redirect, render_template, request, url_for

from jobatlas.web.errors import UserError
from jobatlas.web.inputs import TextQuery, query_from_request
from jobatlas.web.places import resolve_place
from jobatlas.web.resources import resources
from jobatlas.web.words import DEFAULT_JOB_ZONES

bp = Blueprint("home", __name__)


@bp.get("/")
def index():
    return render_template("home.html", job_zones=DEFAULT_JOB_ZONES)


@bp.get("/results")
def results_without_form():
    # Results are only made from a posted form (the text is never put in a URL).
    return redirect(url_for("home.index"))


@bp.post("/results")
def results():
    try:
        query = query_from_request(request, "RecommendRequest")
        data = recommendation_data(query)
    except UserError as exc:
        return _home_with_error(exc)
    return render_template("results.html", data=data, text=query.text, location=query.location)


def _home_with_error(exc: UserError):
    zones = [int(zone) for zone in request.form.getlist("job_zones") if zone.isdigit()]
    page = render_template(
        "home.html",
        error=exc.reason,
        text=request.form.get("text", ""),
        location=request.form.get("location", ""),
        job_zones=zones or DEFAULT_JOB_ZONES,
    )
    return page, exc.status


def classification_data(query: TextQuery) -> dict[str, Any]:
    """Return the occupations that best match the text, best first."""
    engine = resources().engine()
    matches = _guarded(engine.classify, query.text, top_k=query.top_k)
    return {"model_version": engine.model_version, "occupations": [_match(m) for m in matches]}


def recommendation_data(query: TextQuery) -> dict[str, Any]:
    """Return ranked occupations, next steps and nearby postings for the text (results page)."""
    from jobatlas.recommend import recommend

    res = resources()
    place = resolve_place(query.location)
    engine = res.engine()
    repository = _RememberingRepository(res.repository())
    result = _guarded(
        recommend,
        query.text,
        engine=engine,
        ref=res.reference(),
        location=place,
        job_zones=query.job_zones,
        repository=repository,
        top_k=query.top_k,
    )
    data = {"model_version": engine.model_version, **result.to_dict()}
    for posting in data["postings"]:
        posting.update(repository.coordinates(posting["url"]))
    return data


class _RememberingRepository:
    """A posting repository that remembers what ``search`` returned.

    ``recommend`` reports postings without their coordinates and ids; the map on the results
    page needs them, and they are in the rows it already read, so no second query is made.
    """

    def __init__(self, repository) -> None:
        self.repository = repository
        self.found: dict[str, Any] = {}

    def search(self, *args, **kwargs):
        found = self.repository.search(*args, **kwargs)
        self.found.update((stored.posting.url, stored) for stored in found)
        return found

    def coordinates(self, url: str) -> dict[str, Any]:
        stored = self.found.get(url)
        if stored is None:
            return {"id": None, "latitude": None, "longitude": None}
        posting = stored.posting
        return {"id": stored.id, "latitude": posting.latitude, "longitude": posting.longitude}


def _guarded(function, *args, **kwargs):
    """Call the library; its ``InputError`` (unusable text) becomes a 422 with its reason."""
    from jobatlas.engine import InputError

    try:
        return function(*args, **kwargs)
    except InputError as exc:
        raise UserError(422, str(exc)) from None


def _match(match) -> dict[str, Any]:
    return {
        "code": match.code,
        "soc": match.soc,
        "title": match.title,
        "score": float(match.score),
        "evidence": list(match.evidence),
    }
