"""``jobatlas scrape``: argument errors, the area list, and crawls against local sites."""

from __future__ import annotations

import functools
import shutil
import threading
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from jobatlas.cli import main
from jobatlas.storage import PostingRepository, make_engine
from jobatlas.testing.site import LocalCraigslist

JSONLD_FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "jsonld"


class QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


@pytest.fixture
def env(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'cli.sqlite3'}"
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.setenv("JOBATLAS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("JOBATLAS_CRAWL_BASE_URL", raising=False)
    return url


def _count(url: str, source: str) -> int:
    engine = make_engine(url)
    rows = PostingRepository(engine).search(limit=1000, include_duplicates=True)
    engine.dispose()
    return sum(r.posting.source == source for r in rows)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["craigslist", "--areas", "atlantis"], "unknown Craigslist area 'atlantis'"),
        (["craigslist", "--categories", "zzz"], "unknown job category 'zzz'"),
        (["craigslist", "--no-throttle"], "only allowed with --base-url"),
        (["craigslist", "--discovery", "rss"], "unknown discovery method"),
        (["url"], "at least one URL"),
        (["url", "ftp://x"], "not an http(s) URL"),
    ],
)
def test_bad_arguments_exit_non_zero_with_one_line(env, args, message):
    result = CliRunner().invoke(main, ["scrape", *args])
    assert result.exit_code == 1
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_areas_lists_every_us_area(env):
    result = CliRunner().invoke(main, ["scrape", "areas"])
    assert result.exit_code == 0
    assert result.output.strip().endswith("413 US areas")
    assert "sfbay" in result.output


@pytest.mark.slow
def test_scrape_craigslist_against_the_local_site(env):
    with LocalCraigslist(areas=("sfbay", "boston"), per_category=3, timeout_seconds=6) as site:
        result = CliRunner().invoke(main, [
            "scrape", "craigslist", "--areas", "sfbay,boston", "--categories", "all",
            "--base-url", site.base_url, "--no-throttle", "--no-classify",
        ])
    assert result.exit_code == 0, result.output
    assert "postings new:" in result.output and "parse failures:    2" in result.output
    assert _count(env, "craigslist") == len(site.storable())


@pytest.fixture
def careers_site(tmp_path):
    """Serve the JSON-LD fixture pages and a sitemap listing one of them."""
    root = tmp_path / "www"
    for case in JSONLD_FIXTURES.iterdir():
        (root / case.name).mkdir(parents=True)
        shutil.copy(case / "page.html", root / case.name / "index.html")
    handler = functools.partial(QuietHandler, directory=str(root))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_port}"
    (root / "sitemap.xml").write_text(
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">'
        f"<url><loc>{base}/careers_microdata/</loc></url></urlset>"
    )
    yield base
    server.shutdown()
    server.server_close()


@pytest.mark.slow
def test_scrape_url_and_sitemap_store_job_postings(env, careers_site):
    result = CliRunner().invoke(main, [
        "scrape", "url", f"{careers_site}/careers_graph/", "--sitemap",
        f"{careers_site}/sitemap.xml", "--no-throttle", "--no-classify",
    ])
    assert result.exit_code == 0, result.output
    assert _count(env, "jsonld") == 3  # one JSON-LD posting, two microdata postings

    again = CliRunner().invoke(main, [
        "scrape", "url", f"{careers_site}/careers_graph/", "--no-throttle", "--no-classify",
    ])
    assert "postings new:      0" in again.output


def test_areas_refresh_caches_the_fetched_reference(env, tmp_path):
    import json

    reference = tmp_path / "ref"
    reference.mkdir()
    (reference / "Areas").write_text(json.dumps([
        {"AreaID": 1, "Abbreviation": "sfo", "Hostname": "sfbay", "Country": "US",
         "Description": "SF bay area", "Region": "CA", "Latitude": 37.5, "Longitude": -122.25,
         "SubAreas": []},
    ]))
    handler = functools.partial(QuietHandler, directory=str(reference))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}"
        result = CliRunner().invoke(main, ["scrape", "areas", "--refresh", "--url", f"{url}/Areas"])
        broken = CliRunner().invoke(main, ["scrape", "areas", "--refresh", "--url", f"{url}/nope"])
    finally:
        server.shutdown()
        server.server_close()
    assert result.exit_code == 0, result.output
    assert result.output.strip().endswith("1 US areas")
    assert broken.exit_code == 1 and "could not refresh" in broken.output
