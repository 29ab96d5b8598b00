"""JSON API under ``/api/v1``: the same data functions as the pages, as JSON."""

from __future__ import annotations

from flask import Blueprint, jsonify, render_template, request, url_for

from jobatlas import __version__
from jobatlas.web import home, jobs, occupations, postings
from jobatlas.web.apispec import openapi_document, validate_body
from jobatlas.web.errors import UserError
from jobatlas.web.inputs import query_from_request

bp = Blueprint("api", __name__, url_prefix="/api/v1")

DOC_METHODS = ("get", "post", "put", "patch", "delete")


@bp.get("/health")
def health():
    return jsonify(status="ok", version=__version__)


@bp.get("/openapi.json")
def openapi_json():
    return jsonify(openapi_document())


@bp.get("/docs")
def docs():
    document = openapi_document()
    return render_template(
        "api_docs.html", doc=document, methods=DOC_METHODS, resolve=_resolver(document)
    )


@bp.post("/classify")
def classify():
    query = query_from_request(request, "ClassifyRequest")
    return jsonify(home.classification_data(query))


@bp.post("/recommend")
def recommend():
    query = query_from_request(request, "RecommendRequest")
    return jsonify(home.recommendation_data(query))


@bp.get("/occupations/<code>")
def occupation(code: str):
    return jsonify(occupations.occupation_data(code, request.args.get("location")))


@bp.get("/occupations/<code>/related")
def occupation_related(code: str):
    return jsonify(occupations.related_data(code, request.args.get("location")))


@bp.get("/postings")
def postings_index():
    return jsonify(postings.postings_data(postings.filters_from_args(request.args)))


@bp.post("/fetch-jobs")
def start_fetch_job():
    if not request.is_json:
        raise UserError(415, "Send JSON (application/json) with a location.")
    body = request.get_json(silent=True)
    if body is None:
        raise UserError(400, "The request body is not valid JSON.")
    validate_body(body, "FetchJobRequest")
    job = jobs.start_job(body["location"])
    response = jsonify(job)
    response.status_code = 202
    response.headers["Location"] = url_for("api.fetch_job", job_id=job["id"])
    return response


@bp.get("/fetch-jobs/<job_id>")
def fetch_job(job_id: str):
    return jsonify(jobs.job_data(job_id))


def _resolver(document):
    """Return a function that follows a local ``$ref`` (for the docs page)."""

    def resolve(item):
        while isinstance(item, dict) and "$ref" in item:
            node = document
            for part in item["$ref"].removeprefix("#/").split("/"):
                node = node[part]
            item = node
        return item

    return resolve
