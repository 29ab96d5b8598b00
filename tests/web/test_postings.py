"""The postings page and ``GET /api/v1/postings``, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from jobatlas.config import Settings

from .conftest import assert_documented, seed_postings


@pytest.fixture
def client(make_app, database_url, model_cache_dir):
    seed_postings(database_url)
    settings = Settings(database_url=database_url, cache_dir=model_cache_dir)
    return make_app(SETTINGS=settings).test_client()


def titles(response) -> list[str]:
    return [p["title"] for p in response.get_json()["postings"]]


def test_near_a_place_nearest_first(client):
    response = client.get("/api/v1/postings?location=60614&radius_km=40")
    assert response.status_code == 200
    assert_documented(response, "/api/v1/postings")
    postings = response.get_json()["postings"]
    assert "Forklift Driver" not in titles(response)  # Boston is not near Chicago
    distances = [p["distance_km"] for p in postings]
    assert distances == sorted(distances) and len(distances) == 4


def test_by_occupation_and_point(client):
    response = client.get("/api/v1/postings?occupation=53-7051.00&lat=42.36&lon=-71.06")
    assert titles(response) == ["Forklift Driver"]
    by_soc = client.get("/api/v1/postings?occupation=53-7051")
    assert sorted(titles(by_soc)) == ["Forklift Driver", "Forklift Operator - Night Shift"]


def test_newest_first_without_a_place(client):
    postings = client.get("/api/v1/postings").get_json()["postings"]
    dates = [p["posted_at"] for p in postings]
    assert dates == sorted(dates, reverse=True)


def test_date_range(client):
    today = datetime.now(UTC).date()
    since = (today - timedelta(days=1)).isoformat()
    response = client.get(f"/api/v1/postings?since={since}&area=chicago")
    assert sorted(titles(response)) == ["Forklift Operator - Night Shift", "Warehouse Loader"]
    until = (today - timedelta(days=2)).isoformat()
    assert sorted(titles(client.get(f"/api/v1/postings?until={until}"))) == [
        "CDL-A Truck Driver", "Line Cook"]


def test_paging(client):
    first = client.get("/api/v1/postings?per_page=2").get_json()
    second = client.get("/api/v1/postings?per_page=2&page=2").get_json()
    third = client.get("/api/v1/postings?per_page=2&page=3").get_json()
    assert first["has_more"] and second["has_more"] and not third["has_more"]
    seen = [p["id"] for page in (first, second, third) for p in page["postings"]]
    assert len(seen) == len(set(seen)) == 5


@pytest.mark.parametrize(
    "query",
    ["lat=41", "lat=91&lon=0", "radius_km=abc", "since=yesterday", "page=0", "per_page=500",
     "occupation=forklift", "location=Nowhere, ZZ", "area=" + "x" * 41],
)
def test_bad_filters_are_422(client, query):
    response = client.get(f"/api/v1/postings?{query}")
    assert response.status_code == 422
    assert_documented(response, "/api/v1/postings")


def test_postings_page(client):
    page = client.get("/postings?location=60614").get_data(as_text=True)
    assert "Forklift Operator - Night Shift" in page
    assert "$19 - $22 per hour" in page
    assert 'rel="noopener noreferrer nofollow"' in page
    empty = client.get("/postings?occupation=11-1011.00").get_data(as_text=True)
    assert "No postings found" in empty
