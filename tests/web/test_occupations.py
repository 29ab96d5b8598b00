"""Occupation pages and their JSON twins."""

from __future__ import annotations

import pytest

from .conftest import assert_documented


def test_occupation_json_has_profile_wages_and_postings(seeded_client):
    response = seeded_client.get("/api/v1/occupations/53-7051.00?location=60614")
    assert response.status_code == 200
    assert_documented(response, "/api/v1/occupations/{code}")
    data = response.get_json()
    assert data["title"] == "Industrial Truck and Tractor Operators"
    assert data["tasks"] and data["skills"] and data["related"]
    assert data["wages"]["national"]["level"] == "national"
    assert data["wages"]["local"]["area_title"].startswith("Chicago")
    assert data["outlook"]["words"]
    assert data["onet_url"].endswith("53-7051.00")
    # Two forklift postings are stored (Chicago and Boston); the Chicago one is nearest.
    assert data["posting_count"] == 2
    assert [p["title"] for p in data["postings"]][0] == "Forklift Operator - Night Shift"


def test_occupation_page_shows_the_same_data(seeded_client):
    data = seeded_client.get("/api/v1/occupations/53-7051.00?location=60614").get_json()
    page = seeded_client.get("/occupations/53-7051.00?location=60614").get_data(as_text=True)
    assert data["title"] in page
    assert data["tasks"][0] in page
    assert "Forklift Operator - Night Shift" in page
    assert "2 postings stored" in page
    assert "https://www.onetonline.org/link/summary/53-7051.00" in page


def test_soc_code_names_its_onet_occupation(client):
    response = client.get("/api/v1/occupations/53-7051")
    assert response.status_code == 200
    assert response.get_json()["code"] == "53-7051.00"


@pytest.mark.parametrize("code", ["99-9999.00", "not-a-code", "53-7051.77"])
def test_unknown_code_is_404(client, code):
    api = client.get(f"/api/v1/occupations/{code}")
    assert api.status_code == 404
    assert code in api.get_json()["reason"]
    assert_documented(api, "/api/v1/occupations/{code}")
    page = client.get(f"/occupations/{code}")
    assert page.status_code == 404
    assert "No occupation has the code" in page.get_data(as_text=True)


def test_related_occupations(client):
    response = client.get("/api/v1/occupations/53-7051.00/related")
    assert response.status_code == 200
    assert_documented(response, "/api/v1/occupations/{code}/related")
    related = response.get_json()["related"]
    assert related and all(r["code"] != "53-7051.00" for r in related)
    assert client.get("/api/v1/occupations/00-0000.00/related").status_code == 404


def test_bad_location_on_occupation_page(client):
    response = client.get("/api/v1/occupations/53-7051.00?location=Atlantis, ZZ")
    assert response.status_code == 422
    assert_documented(response, "/api/v1/occupations/{code}")
