"""Classify and recommend: the results page and its JSON twin (uses the trained model)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from .conftest import assert_documented

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "resumes"
FORKLIFT = (
    "Forklift operator, 3 years at a distribution center. Loaded and unloaded trucks, moved "
    "pallets with pallet jacks and reach trucks, counted inventory with an RF scanner. "
    "Forklift certified."
)


def test_classify_json(client):
    response = client.post("/api/v1/classify", json={"text": "forklift driver", "top_k": 3})
    assert response.status_code == 200
    assert_documented(response, "/api/v1/classify", "POST")
    data = response.get_json()
    assert len(data["occupations"]) == 3
    assert "53-7051.00" in [o["code"] for o in data["occupations"]]
    assert data["model_version"]


# The upload path is under test here, not the model: the right occupation family will do.
@pytest.mark.parametrize(("name", "family"), [("truck_driver.pdf", "53-3"),
                                              ("line_cook.docx", "35-")])
def test_classify_upload(client, name, family):
    data = (FIXTURES / name).read_bytes()
    response = client.post("/api/v1/classify", data={"file": (io.BytesIO(data), name)})
    assert response.status_code == 200
    codes = [o["soc"] for o in response.get_json()["occupations"][:3]]
    assert any(code.startswith(family) for code in codes), codes


def test_recommend_json(seeded_client):
    response = seeded_client.post(
        "/api/v1/recommend", json={"text": FORKLIFT, "location": "60614", "job_zones": [1, 2]}
    )
    assert response.status_code == 200
    assert_documented(response, "/api/v1/recommend", "POST")
    data = response.get_json()
    codes = [o["code"] for o in data["occupations"]]
    assert "53-7051.00" in codes[:3]
    assert {"code", "title", "score", "match", "wage", "onet_url"} <= set(data["occupations"][0])
    assert all(o["job_zone"]["zone"] in (1, 2) for o in data["occupations"] if o["job_zone"])
    assert data["related"] and all("skill_gaps" in r for r in data["related"])
    assert data["postings_status"] == "ok"
    assert "Forklift Operator - Night Shift" in [p["title"] for p in data["postings"]]
    assert all(p["latitude"] and p["distance_km"] < 50 for p in data["postings"])
    assert data["location"]["cbsa_name"].startswith("Chicago")


def test_recommend_multipart_upload(seeded_client):
    data = (FIXTURES / "truck_driver.pdf").read_bytes()
    response = seeded_client.post(
        "/api/v1/recommend",
        data={"file": (io.BytesIO(data), "cv.pdf"), "location": "60614", "job_zones": "1,2,3"},
    )
    assert response.status_code == 200
    assert_documented(response, "/api/v1/recommend", "POST")
    assert any(o["code"].startswith("53-3") for o in response.get_json()["occupations"])


def test_results_page_from_pasted_text(seeded_client):
    response = seeded_client.post(
        "/results", data={"text": FORKLIFT, "location": "60614", "job_zones": ["1", "2", "3"]}
    )
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Industrial Truck and Tractor Operators" in page
    assert "Jobs you could move into" in page
    assert "Forklift Operator - Night Shift" in page
    assert 'id="map"' in page
    assert "onetonline.org" in page


def test_results_page_from_uploaded_docx(seeded_client):
    data = (FIXTURES / "line_cook.docx").read_bytes()
    response = seeded_client.post(
        "/results", data={"file": (io.BytesIO(data), "cook.docx"), "location": "60614"}
    )
    assert response.status_code == 200
    assert "Cooks" in response.get_data(as_text=True)


def test_results_without_postings_offer_a_fetch(client):
    response = client.post("/results", data={"text": FORKLIFT, "location": "02139"})
    page = response.get_data(as_text=True)
    assert "no recent postings stored" in page
    assert 'action="/fetch"' in page


def test_results_without_location_ask_for_one(client):
    page = client.post("/results", data={"text": FORKLIFT}).get_data(as_text=True)
    assert "Add your ZIP code or city" in page
    assert 'id="map"' not in page


def test_text_that_is_not_language_is_422(client):
    response = client.post("/api/v1/classify", json={"text": "1234 5678 !!!"})
    assert response.status_code == 422
    assert_documented(response, "/api/v1/classify", "POST")


@pytest.mark.parametrize(("top_k", "status"), [(3.0, 200), (2.5, 422), ("3", 422), (True, 422)])
def test_top_k_must_be_a_whole_number(seeded_client, top_k, status):
    response = seeded_client.post("/api/v1/recommend", json={"text": FORKLIFT, "top_k": top_k})
    assert response.status_code == status, response.get_json()
    if status == 200:
        assert len(response.get_json()["occupations"]) == 3
    else:
        assert "reason" in response.get_json()
