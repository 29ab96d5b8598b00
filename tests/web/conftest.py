"""Fixtures for the web app: an app on a temporary database, a client, seeded postings."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from jsonschema import Draft202012Validator

from jobatlas.config import Settings
from jobatlas.postings.records import Compensation, OccupationCode, Posting
from jobatlas.web import create_app
from jobatlas.web.apispec import openapi_document

# Chicago, IL 60614 is at about (41.92, -87.65); Boston is far away.
NEAR = (41.925, -87.655)
SEED = [
    # (source_id, title, code, lat, lon, days ago, pay)
    ("c1", "Forklift Operator - Night Shift", "53-7051.00", 41.93, -87.66, 1, (19.0, 22.0)),
    ("c2", "Warehouse Loader", "53-7062.00", 41.95, -87.70, 0, (17.5, None)),
    ("c3", "CDL-A Truck Driver", "53-3032.00", 41.88, -87.63, 3, (28.0, 32.0)),
    ("c4", "Line Cook", "35-2014.00", 41.80, -87.60, 2, None),
    ("b1", "Forklift Driver", "53-7051.00", 42.36, -71.06, 0, (20.0, 23.0)),
]


def seed_postings(database_url: str) -> None:
    """Store the ``SEED`` postings, coded to occupations, in a migrated database."""
    from jobatlas.storage import PostingRepository, make_engine, upgrade

    upgrade(database_url)
    engine = make_engine(database_url)
    now = datetime.now(UTC).replace(microsecond=0)
    postings = [
        Posting(
            source="craigslist",
            source_id=source_id,
            url=f"https://chicago.craigslist.org/chc/trp/d/{source_id}.html",
            title=title,
            body=f"{title}. Full time, benefits, apply today. Reference {source_id}.",
            employer="Acme Logistics",
            compensation=_pay(pay),
            posted_at=now - timedelta(days=days),
            area="chicago" if source_id.startswith("c") else "boston",
            locality="Chicago" if source_id.startswith("c") else "Boston",
            region="IL" if source_id.startswith("c") else "MA",
            latitude=lat,
            longitude=lon,
            occupations=[OccupationCode(code=code, score=0.9, rank=1)],
            model_version="test",
        )
        for source_id, title, code, lat, lon, days, pay in SEED
    ]
    PostingRepository(engine).upsert(postings)
    engine.dispose()


def _pay(pay) -> Compensation:
    if pay is None:
        return Compensation()
    low, high = pay
    raw = f"${low:.2f}" + (f" - ${high:.2f}" if high else "") + " per hour"
    return Compensation(raw=raw, min_amount=low, max_amount=high, unit="hour")


@pytest.fixture
def make_app(settings: Settings):
    """Return a factory for apps on the test database, with config overrides."""
    apps = []

    def make(**overrides):
        config = {
            "TESTING": True,
            "SETTINGS": settings,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": False,
            "SECRET_KEY": "test",
            **overrides,
        }
        app = create_app(config)
        apps.append(app)
        return app

    yield make
    for app in apps:
        resources = app.extensions["jobatlas"]
        if "database" in resources._loaded:
            resources.database().dispose()


@pytest.fixture
def app(make_app):
    return make_app()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def seeded_client(app, settings):
    seed_postings(settings.database_url)
    return app.test_client()


def response_schema(path: str, method: str, status: int) -> dict | None:
    """Return the documented JSON schema of one response, or None if it has no JSON body."""
    document = openapi_document()
    responses = document["paths"][path][method.lower()]["responses"]
    response = responses.get(str(status))
    assert response is not None, f"{method} {path} answered {status}, which is not documented"
    while "$ref" in response:
        response = document["components"]["responses"][response["$ref"].rsplit("/", 1)[-1]]
    content = response.get("content", {}).get("application/json")
    return None if content is None else content["schema"]


def assert_documented(response, path: str, method: str = "GET") -> None:
    """Fail unless the response's status and JSON body match the OpenAPI document."""
    schema = response_schema(path, method, response.status_code)
    if schema is None:
        return
    root = {**schema, "components": openapi_document()["components"]}
    errors = [e.message for e in Draft202012Validator(root).iter_errors(response.get_json())]
    assert not errors, f"{method} {path} {response.status_code}: {errors[:3]}"
