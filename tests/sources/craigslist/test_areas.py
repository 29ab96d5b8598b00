"""Areas and job categories: shipped reference, lookups, and the refresh against a local server."""

from __future__ import annotations

import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from jobatlas.config import PACKAGE_DATA_DIR
from jobatlas.sources.craigslist.areas import (
    SHIPPED_AREAS,
    UnknownArea,
    UnknownCategory,
    category_codes,
    load_areas,
    load_job_categories,
    refresh_areas,
    resolve_areas,
    resolve_categories,
    us_areas,
)


def test_shipped_reference_has_every_us_area():
    areas = load_areas()
    assert len(areas) == 707
    assert len(us_areas(areas)) == 413


def test_thirty_one_job_categories():
    categories = load_job_categories()
    assert len(categories) == 31
    assert category_codes()[59] == "trd"


def test_resolve_by_hostname_or_abbreviation():
    assert [a.area_id for a in resolve_areas("sfbay,bos")] == [1, 4]
    assert len(resolve_areas(["all"])) == 413


def test_unknown_area_and_category_are_clear_errors():
    with pytest.raises(UnknownArea, match="atlantis"):
        resolve_areas("atlantis")
    with pytest.raises(UnknownCategory, match="zzz"):
        resolve_categories("trd,zzz")


def test_all_categories_is_the_jobs_search_path():
    assert resolve_categories("all") == ["jjj"]
    assert resolve_categories("trd,lab,trd") == ["trd", "lab"]


@pytest.fixture
def reference_server():
    """Serve a two-area reference (and a broken one under /broken) on 127.0.0.1."""
    with gzip.open(PACKAGE_DATA_DIR / SHIPPED_AREAS, "rt", encoding="utf-8") as handle:
        records = [r for r in json.load(handle) if r["Hostname"] in ("sfbay", "toronto")]

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 - http.server's naming
            body = b"<html>oops</html>" if self.path == "/broken" else json.dumps(records).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_refresh_writes_the_cache_that_load_areas_prefers(tmp_path, reference_server):
    path = refresh_areas(tmp_path, url=f"{reference_server}/Areas")
    assert path.exists()
    areas = load_areas(cache_dir=tmp_path)
    assert {a.hostname for a in areas} == {"sfbay", "toronto"}
    assert [a.hostname for a in us_areas(areas)] == ["sfbay"]


def test_refresh_rejects_a_non_reference_answer_and_keeps_the_cache(tmp_path, reference_server):
    refresh_areas(tmp_path, url=f"{reference_server}/Areas")
    with pytest.raises((ValueError, requests.JSONDecodeError)):
        refresh_areas(tmp_path, url=f"{reference_server}/broken")
    assert len(load_areas(cache_dir=tmp_path)) == 2
