"""The app factory, security headers, CSRF, rate limits and error pages."""

from __future__ import annotations

import io
import json
import uuid
from pathlib import Path

import pytest
from werkzeug.datastructures import FileStorage
from werkzeug.test import stream_encode_multipart

from jobatlas.config import Settings
from jobatlas.web import create_app
from jobatlas.web.app import BLUEPRINTS
from jobatlas.web.security import CONTENT_SECURITY_POLICY

from .conftest import assert_documented

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "resumes"
REDIS_URL = "redis://127.0.0.1:6379/0"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_create_app_does_no_work(tmp_path):
    database = tmp_path / "never.sqlite3"
    app = create_app(Settings(database_url=f"sqlite:///{database}", cache_dir=tmp_path / "c"))
    assert app.extensions["jobatlas"]._loaded == {}
    assert not database.exists()
    assert not (tmp_path / "c").exists()


def test_create_app_reads_dict_config(tmp_path):
    app = create_app({"DATABASE_URL": "postgres://u@h/db", "CACHE_DIR": str(tmp_path)})
    settings = app.extensions["jobatlas"].settings
    assert settings.database_url == "postgresql+psycopg://u@h/db"
    assert settings.cache_dir == tmp_path


def test_create_app_reads_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'env.sqlite3'}")
    monkeypatch.setenv("SECRET_KEY", "from-env")
    monkeypatch.setenv("RATELIMIT_API", "7 per minute")
    app = create_app()
    assert app.config["SECRET_KEY"] == "from-env"
    assert app.config["RATELIMIT_API"] == "7 per minute"
    assert app.extensions["jobatlas"].settings.database_url.endswith("env.sqlite3")


def test_blueprint_list_includes_trends_when_present():
    # The trends feature plugs in by existing; a missing module is skipped, not an error.
    assert "jobatlas.web.trends" in BLUEPRINTS


def test_home_page_has_the_form(client):
    response = client.get("/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for field in ('name="text"', 'name="file"', 'name="location"', 'name="job_zones"'):
        assert field in page
    assert 'enctype="multipart/form-data"' in page
    assert "never saved or logged" in page
    # Job Zones 1-3 are checked by default, 4-5 are not.
    assert page.count("checked") == 3


@pytest.mark.parametrize("path", ["/", "/api/v1/health", "/does-not-exist"])
def test_security_headers(client, path):
    headers = client.get(path).headers
    assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    assert "'unsafe-inline'" not in CONTENT_SECURITY_POLICY
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"


def test_pages_have_no_inline_scripts_or_styles(client):
    page = client.get("/").get_data(as_text=True)
    assert "<script>" not in page and "style=" not in page and "<style" not in page


def test_static_assets_are_served_locally(client):
    for path in ("/static/css/app.css", "/static/js/map.js"):
        with client.get(path) as response:
            assert response.status_code == 200
    page = client.get("/").get_data(as_text=True)
    assert "https://" not in page.split("<footer")[0]


def test_csrf_rejects_a_form_without_token(make_app):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    response = client.post("/results", data={"text": "I drive a forklift"})
    assert response.status_code == 400
    assert "form expired" in response.get_data(as_text=True)


def test_csrf_accepts_the_token_from_the_page(make_app):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    page = client.get("/").get_data(as_text=True)
    token = page.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
    # Empty text gets past CSRF and fails on content instead (422, not 400).
    response = client.post("/results", data={"csrf_token": token, "text": " "})
    assert response.status_code == 422


def test_api_is_exempt_from_csrf(make_app):
    client = make_app(WTF_CSRF_ENABLED=True).test_client()
    response = client.post("/api/v1/classify", json={"text": ""})
    assert response.status_code == 422


def test_not_found_page_and_json(client):
    page = client.get("/nowhere")
    assert page.status_code == 404 and page.mimetype == "text/html"
    api = client.get("/api/v1/nowhere")
    assert api.status_code == 404 and api.mimetype == "application/json"
    assert api.get_json()["status"] == 404


def test_method_not_allowed_is_json_on_the_api(client):
    response = client.get("/api/v1/recommend")
    assert response.status_code == 405
    assert response.get_json()["error"] == "Method Not Allowed"


def test_unexpected_errors_never_show_a_stack_trace(make_app, caplog):
    app = make_app()

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    @app.get("/api/v1/boom")
    def api_boom():
        raise RuntimeError("secret internals")

    client = app.test_client()
    for path in ("/boom", "/api/v1/boom"):
        response = client.get(path)
        body = response.get_data(as_text=True)
        assert response.status_code == 500
        assert "secret internals" not in body and "Traceback" not in body
    assert client.get("/api/v1/boom").get_json()["reason"].startswith("Please try again")
    assert "RuntimeError" in caplog.text  # operators still see it in the log


def post_closing(client, path: str, data: dict):
    """POST a large multipart body from memory (the test client would leak a temp file)."""
    stream, length, boundary = stream_encode_multipart(data, use_tempfile=False)
    return client.post(
        path, input_stream=stream, content_length=length,
        content_type=f'multipart/form-data; boundary="{boundary}"',
    )


def test_upload_over_5_mb_is_refused(client):
    big = b"a" * (5 * 1024 * 1024 + 10)
    page = post_closing(client, "/results", {"file": FileStorage(io.BytesIO(big), "resume.txt")})
    assert page.status_code == 413
    assert "5 MB" in page.get_data(as_text=True)
    api = post_closing(
        client, "/api/v1/recommend", {"file": FileStorage(io.BytesIO(big), "resume.txt")}
    )
    assert api.status_code == 413
    assert "5 MB" in api.get_json()["reason"]
    assert_documented(api, "/api/v1/recommend", "POST")


def test_wrong_file_type_is_judged_by_content(client):
    page = client.post("/results", data={"file": (io.BytesIO(PNG), "resume.pdf")})
    assert page.status_code == 415
    assert "PNG image" in page.get_data(as_text=True)
    api = client.post("/api/v1/recommend", data={"file": (io.BytesIO(PNG), "resume.pdf")})
    assert api.status_code == 415
    assert_documented(api, "/api/v1/recommend", "POST")


def test_unreadable_pdf_is_unprocessable(client):
    data = (FIXTURES / "encrypted.pdf").read_bytes()
    response = client.post("/api/v1/classify", data={"file": (io.BytesIO(data), "cv.pdf")})
    assert response.status_code == 422
    assert "password" in response.get_json()["reason"]


def test_empty_text_keeps_the_form(client):
    response = client.post("/results", data={"text": "   ", "location": "60614"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Please paste your resume" in page
    assert 'value="60614"' in page  # what the person typed is kept


def test_empty_and_huge_text_on_the_api(client):
    empty = client.post("/api/v1/recommend", json={"text": ""})
    assert empty.status_code == 422
    huge = client.post("/api/v1/recommend", json={"text": "forklift " * 20_000})
    assert huge.status_code == 422
    reason = huge.get_json()["reason"]
    assert "100000 characters" in reason and "forklift" not in reason
    assert_documented(huge, "/api/v1/recommend", "POST")


def test_huge_text_in_the_form(client):
    response = client.post("/results", data={"text": "x" * 100_001})
    assert response.status_code == 422
    assert "too long" in response.get_data(as_text=True)


@pytest.mark.parametrize(
    ("kwargs", "status"),
    [
        ({"data": "{not json", "content_type": "application/json"}, 400),
        ({"data": "text=hi", "content_type": "text/plain"}, 415),
        ({"json": ["a list"]}, 422),
        ({"json": {"text": "cook", "job_zones": [0, 9]}}, 422),
        ({"json": {"text": "cook", "unexpected": 1}}, 422),
        ({"json": {"text": 42}}, 422),
    ],
)
def test_bad_api_requests(client, kwargs, status):
    response = client.post("/api/v1/recommend", **kwargs)
    assert response.status_code == status
    assert response.get_json()["reason"]
    assert_documented(response, "/api/v1/recommend", "POST")


def test_bad_zip_code(client):
    response = client.post("/api/v1/recommend", json={"text": "line cook", "location": "00000"})
    assert response.status_code == 422
    assert "ZIP" in response.get_json()["reason"]
    page = client.post("/results", data={"text": "line cook", "location": "1234"})
    assert page.status_code == 422
    assert "ZIP" in page.get_data(as_text=True)


def test_results_page_needs_a_posted_form(client):
    response = client.get("/results")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/")


def test_api_rate_limit(make_app):
    client = make_app(RATELIMIT_ENABLED=True, RATELIMIT_API="3 per minute").test_client()
    statuses = [client.get("/api/v1/health").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.get("/api/v1/health")
    assert response.get_json()["status"] == 429
    assert int(response.headers["Retry-After"]) > 0
    statuses = [client.post("/api/v1/classify", json={"text": ""}).status_code for _ in range(4)]
    assert statuses == [422, 422, 422, 429]
    assert_documented(client.post("/api/v1/classify", json={}), "/api/v1/classify", "POST")
    # Pages are not limited.
    assert client.get("/").status_code == 200


def test_request_bodies_are_not_logged(client, caplog):
    caplog.set_level("DEBUG")
    secret = "Jane Q. Worker, 12 Elm St, forklift certified"
    client.post("/api/v1/recommend", json={"text": secret, "location": "99999x"})
    client.post("/results", data={"text": secret, "location": "99999x"})
    assert "Elm St" not in caplog.text


def _redis_reachable(url: str = REDIS_URL) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except Exception:  # noqa: BLE001 - any failure means "not here"
        return False


def test_rate_limit_storage_from_environment(monkeypatch):
    monkeypatch.setenv("JOBATLAS_RATELIMIT_STORAGE", "redis://cache.internal:6379/0")
    assert create_app().config["RATELIMIT_STORAGE_URI"] == "redis://cache.internal:6379/0"
    # Flask-Limiter's own name wins when both are set.
    monkeypatch.setenv("RATELIMIT_STORAGE_URI", "memory://")
    assert create_app().config["RATELIMIT_STORAGE_URI"] == "memory://"


def test_rate_limit_storage_alias_in_config(make_app):
    app = make_app(JOBATLAS_RATELIMIT_STORAGE="memory://")
    assert app.config["RATELIMIT_STORAGE_URI"] == "memory://"
    assert "JOBATLAS_RATELIMIT_STORAGE" not in app.config


@pytest.mark.skipif(not _redis_reachable(), reason=f"Redis is not reachable at {REDIS_URL}")
def test_api_rate_limit_is_shared_through_redis(make_app):
    # Two apps stand for two instances (or workers): one limit counts both.
    config = {
        "RATELIMIT_ENABLED": True,
        "RATELIMIT_API": "3 per minute",
        "JOBATLAS_RATELIMIT_STORAGE": REDIS_URL,
        # Keys of this run only; they expire with the window.
        "RATELIMIT_KEY_PREFIX": f"jobatlas-test-{uuid.uuid4().hex}",
    }
    first, second = make_app(**config).test_client(), make_app(**config).test_client()
    statuses = [first.get("/api/v1/health").status_code for _ in range(2)]
    statuses += [second.get("/api/v1/health").status_code for _ in range(2)]
    assert statuses == [200, 200, 200, 429]


def test_api_keeps_answering_when_the_rate_limit_store_is_down(make_app):
    # Nothing listens on port 1: the limiter falls back to counting in this process.
    client = make_app(
        RATELIMIT_ENABLED=True,
        RATELIMIT_API="2 per minute",
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0",
    ).test_client()
    statuses = [client.get("/api/v1/health").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]


def test_reference_cache_goes_to_the_settings_cache_dir(make_app, settings, monkeypatch, tmp_path):
    user_cache = tmp_path / "user-cache"
    monkeypatch.setenv("JOBATLAS_CACHE_DIR", str(user_cache))
    make_app().extensions["jobatlas"].reference()
    assert (Path(settings.cache_dir) / "reference").is_dir()
    assert not user_cache.exists()


def test_json_answers_carry_missing_numbers_as_null(app):
    with app.app_context():
        assert json.loads(app.json.dumps({"a": [1.5, float("nan")], "b": (float("inf"),)})) == {
            "a": [1.5, None], "b": [None]}
        assert app.json.dumps({"a": [1.5, "x"]}) == json.dumps({"a": [1.5, "x"]})
