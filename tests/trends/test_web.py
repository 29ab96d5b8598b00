"""End to end: postings stored through the repository -> refresh -> trends pages and API."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from jsonschema import Draft202012Validator

from jobatlas.config import Settings
from jobatlas.storage import PostingRepository
from jobatlas.trends.series import refresh, week_start
from jobatlas.web import create_app
from jobatlas.web.apispec import openapi_document

from .conftest import posting

WORDS = [
    "pallet",
    "dock",
    "shift",
    "route",
    "yard",
    "crew",
    "night",
    "early",
    "overtime",
    "bonus",
    "team",
    "site",
    "loads",
    "weekly",
    "local",
    "regional",
    "safety",
    "clean",
    "fast",
    "friendly",
    "busy",
    "growing",
    "family",
]


def _seed(engine) -> None:
    """Store drivers (3 a week, then 6 a week for the last 13 weeks) and a few cooks."""
    rng = random.Random(7)
    repository = PostingRepository(engine)
    this_monday = datetime.combine(week_start(datetime.now(UTC)), datetime.min.time(), UTC)
    for weeks_ago in range(30, 0, -1):
        seen = this_monday - timedelta(weeks=weeks_ago) + timedelta(days=1)
        per_week = 6 if weeks_ago <= 13 else 3
        batch = []
        for i in range(per_week):
            extra = " " + " ".join(rng.choice(WORDS) for _ in range(30)) + f" ref{weeks_ago}x{i}"
            batch.append(posting(f"d{weeks_ago}-{i}", "driver", body_extra=extra))
        if weeks_ago % 5 == 0:
            batch.append(posting(f"c{weeks_ago}", "cook", body_extra=f" ref {weeks_ago}"))
        repository.upsert(batch, seen_at=seen)
    refresh(engine)


@pytest.fixture
def client(trends_engine, database_url, tmp_path):
    _seed(trends_engine)
    settings = Settings(database_url=database_url, cache_dir=tmp_path)
    app = create_app(
        {"TESTING": True, "SETTINGS": settings, "RATELIMIT_ENABLED": False, "SECRET_KEY": "test"}
    )
    yield app.test_client()
    app.extensions["jobatlas"].database().dispose()


def _documented(response, path: str) -> None:
    document = openapi_document()
    spec = document["paths"][path]["get"]["responses"][str(response.status_code)]
    while "$ref" in spec:
        spec = document["components"]["responses"][spec["$ref"].rsplit("/", 1)[-1]]
    schema = {**spec["content"]["application/json"]["schema"], "components": document["components"]}
    errors = [e.message for e in Draft202012Validator(schema).iter_errors(response.get_json())]
    assert not errors, errors[:3]


def test_trends_api_end_to_end(client):
    response = client.get("/api/v1/trends/occupations?area=sfbay")
    assert response.status_code == 200, response.get_json()
    _documented(response, "/api/v1/trends/occupations")
    body = response.get_json()
    assert body["place"] == {"geo_level": "area", "geo": "sfbay", "label": body["place"]["label"]}
    rows = {r["code"]: r for r in body["rows"]}
    driver = rows["53-3032"]
    assert (driver["recent"], driver["earlier"]) == (78, 39)
    assert driver["change_pct"] == 100.0
    assert driver["lower_pct"] < 100 < driver["upper_pct"]
    assert driver["job_zone"] == 2
    assert driver["projected_change_pct"] is not None
    assert "fewer than 20" in rows["35-2014"]["suppressed"]

    majors = client.get("/api/v1/trends/occupations?state=CA&level=major").get_json()
    assert {r["code"] for r in majors["rows"]} == {"53-0000", "35-0000"}
    zoned = client.get("/api/v1/trends/occupations?job_zone=1").get_json()
    assert all(r["job_zone"] == 1 for r in zoned["rows"])

    detail = client.get("/api/v1/trends/occupations/53-3032?area=sfbay")
    assert detail.status_code == 200
    _documented(detail, "/api/v1/trends/occupations/{code}")
    local, national = detail.get_json()["places"]
    assert local["place"]["geo"] == "sfbay" and national["place"]["geo"] == "US"
    assert len(local["weeks"]) == 30
    assert local["forecast"]["method"] in {"ets-damped", "rate-poisson", "rate-negbin"}
    assert len(local["forecast"]["points"]) == 13

    skills = client.get("/api/v1/trends/skills?area=sfbay")
    assert skills.status_code == 200
    _documented(skills, "/api/v1/trends/skills")
    assert any("cdl" in r["skill_id"].lower() for r in skills.get_json()["rows"])


@pytest.mark.parametrize(
    ("url", "status", "reason"),
    [
        ("/api/v1/trends/occupations?area=atlantis", 404, "not a US Craigslist area"),
        ("/api/v1/trends/occupations?area=boston", 404, "no postings are stored"),
        ("/api/v1/trends/occupations?level=galaxy", 400, "level must be one of"),
        ("/api/v1/trends/occupations?metric=vibes", 400, "metric must be one of"),
        ("/api/v1/trends/occupations?job_zone=x", 400, "job_zone"),
        ("/api/v1/trends/occupations?area=sfbay&zip=60614", 400, "only one of"),
        ("/api/v1/trends/occupations?state=WY", 404, "no postings stored"),
        ("/api/v1/trends/occupations/99-9999", 404, ""),
        ("/api/v1/trends/occupations/banana", 404, ""),
        ("/api/v1/trends/skills?zip=00000", 404, ""),
    ],
)
def test_bad_parameters_answer_4xx_with_a_reason(client, url, status, reason):
    response = client.get(url)
    assert response.status_code == status, response.get_json()
    assert reason in response.get_json()["reason"]


def test_pages_render_charts_without_scripts_and_csv(client):
    page = client.get("/trends?area=sfbay")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "Fastest growing" in html and "Driver" in html or "Truck" in html
    assert "<script" not in html
    detail = client.get("/trends/occupations/53-3032?area=sfbay").get_data(as_text=True)
    assert "<svg" in detail and "<polygon" in detail and "<script" not in detail
    csv = client.get("/trends/occupations.csv?area=sfbay")
    assert csv.mimetype == "text/csv"
    assert csv.get_data(as_text=True).splitlines()[0].startswith("code,title")
    assert client.get("/trends/skills.csv?area=sfbay").status_code == 200
    series_csv = client.get("/trends/occupations/53-3032.csv").get_data(as_text=True)
    assert "forecast" in series_csv
    missing = client.get("/trends?area=atlantis")
    assert missing.status_code == 200 and "not a US Craigslist area" in missing.get_data(
        as_text=True
    )


def test_local_growth_for_the_recommender(client, trends_engine):
    from jobatlas.trends.report import local_growth

    result = local_growth(trends_engine, ["53-3032.00", "35-2014", "11-1011", "nonsense"], "sfbay")
    assert result["53-3032.00"]["change_pct"] == 100.0
    assert "fewer than 20" in result["35-2014"]["suppressed"]
    assert "no postings stored" in result["11-1011"]["suppressed"]
    assert result["nonsense"]["suppressed"]
    unknown_area = local_growth(trends_engine, ["53-3032"], "atlantis")
    assert "not a US Craigslist area" in unknown_area["53-3032"]["suppressed"]
