"""Background "fetch today's postings" jobs, against a local stand-in Craigslist."""

from __future__ import annotations

import socket
import time

import pytest

from jobatlas.testing.site import LocalCraigslist
from jobatlas.web.jobs import UNREACHABLE

from .conftest import assert_documented

pytestmark = pytest.mark.slow


def wait_for(client, job_id: str, timeout: float = 900.0) -> dict:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        response = client.get(f"/api/v1/fetch-jobs/{job_id}")
        assert_documented(response, "/api/v1/fetch-jobs/{job_id}")
        job = response.get_json()
        if job["status"] in ("done", "failed"):
            return job
        time.sleep(0.5)
    raise AssertionError(f"job {job_id} did not finish in {timeout} s")


def closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def test_fetch_job_stores_postings_for_the_nearest_area(make_app):
    with LocalCraigslist(areas=("boston",), faults=False, per_category=2) as site:
        client = make_app(CRAIGSLIST_BASE_URL=site.base_url, FETCH_MAX_POSTINGS=10).test_client()
        response = client.post("/api/v1/fetch-jobs", json={"location": "02139"})
        assert response.status_code == 202
        assert_documented(response, "/api/v1/fetch-jobs", "POST")
        job = response.get_json()
        assert job["area"] == "boston"
        assert response.headers["Location"].endswith(job["id"])
        # A second request for the same area joins the running job.
        again = client.post("/api/v1/fetch-jobs", json={"location": "Boston, MA"}).get_json()
        assert again["id"] == job["id"]
        finished = wait_for(client, job["id"])
    assert finished["status"] == "done", finished["message"]
    assert finished["found"] > 0
    stored = client.get("/api/v1/postings?area=boston").get_json()["postings"]
    assert stored


def test_fetch_job_reports_an_unreachable_site(make_app):
    client = make_app(CRAIGSLIST_BASE_URL=closed_port_url(), FETCH_MAX_POSTINGS=5).test_client()
    job = client.post("/api/v1/fetch-jobs", json={"location": "60614"}).get_json()
    finished = wait_for(client, job["id"])
    assert finished["status"] == "failed"
    assert finished["message"] == UNREACHABLE
    page = client.get(f"/fetch/{job['id']}").get_data(as_text=True)
    assert "could not be reached" in page


def test_fetch_form_redirects_to_a_progress_page(make_app):
    client = make_app(CRAIGSLIST_BASE_URL=closed_port_url(), FETCH_MAX_POSTINGS=5).test_client()
    response = client.post("/fetch", data={"location": "60614"})
    assert response.status_code == 303
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "postings near 60614" in page
    job_id = response.headers["Location"].rsplit("/", 1)[1]
    wait_for(client, job_id)  # let the worker finish before the database goes away


def test_unknown_job_and_bad_requests(client):
    missing = client.get("/api/v1/fetch-jobs/nope")
    assert missing.status_code == 404
    assert_documented(missing, "/api/v1/fetch-jobs/{job_id}")
    assert client.get("/fetch/nope").status_code == 404
    for kwargs, status in [
        ({"json": {"location": "Atlantis, ZZ"}}, 422),
        ({"json": {}}, 422),
        ({"data": "location=60614", "content_type": "text/plain"}, 415),
        ({"data": "{", "content_type": "application/json"}, 400),
    ]:
        response = client.post("/api/v1/fetch-jobs", **kwargs)
        assert response.status_code == status
        assert_documented(response, "/api/v1/fetch-jobs", "POST")
    assert client.post("/fetch", data={"location": ""}).status_code == 422
