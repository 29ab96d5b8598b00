"""End to end: crawl the local stand-in site into SQLite and PostgreSQL."""

from __future__ import annotations

import time

import pytest

from jobatlas.crawl.runner import CrawlError, run_craigslist_crawl, start_craigslist_crawl
from jobatlas.testing.site import LocalCraigslist

from .conftest import FAST, crawl_settings_for, stored

pytestmark = pytest.mark.slow


def _storable_ids(site) -> set[str]:
    return {p.source_id for p in site.storable()}


def _crawl(site, url, cache_dir, **kwargs):
    kwargs.setdefault("classifier", None)
    kwargs.setdefault("scrapy_settings", FAST)
    return run_craigslist_crawl(
        crawl_settings_for(url, cache_dir), site.areas, ["jjj"], base_url=site.base_url,
        throttle=False, **kwargs,
    )


def test_crawl_stores_every_good_posting_once_and_classifies(
    site, database_url, model_cache_dir
):
    pytest.importorskip("jobatlas.engine", reason="the occupation engine is not built yet")
    progress: list[dict] = []
    summary = _crawl(site, database_url, model_cache_dir, classifier="engine",
                     progress=progress.append)

    rows = stored(database_url)
    assert set(rows) - {"#duplicates"} == {p.source_id for p in site.storable()}
    assert summary.new + summary.duplicate == len(site.storable())
    assert summary.classified == len(site.storable())
    postings = [row for key, row in rows.items() if key != "#duplicates"]
    assert all(row["occupations"] for row in postings)
    assert {row["area"] for row in postings} == {"sfbay", "boston", "newyork"}
    # faults: retried ones were stored; the rest are reported, by field and by cause
    assert summary.parse_failures == 2  # the truncated page and the garbage bytes
    assert summary.missing_fields["title"] == 2
    assert summary.missing_fields["body"] >= 1  # the page with no body (stored anyway)
    assert summary.errors.get("ignored") == 1  # robots.txt-disallowed posting, never fetched
    assert site.requests[site.fault("disallowed").path] == 0
    assert summary.retries >= 3  # 429, 500 and the timeout
    assert progress and progress[-1]["stored"] == summary.stored

    second = _crawl(site, database_url, model_cache_dir, classifier="engine")
    assert second.new == second.duplicate == 0
    assert second.postings_fetched == 2  # only the two pages that never parsed
    assert stored(database_url) == rows


def test_each_discovery_method_and_fallback(site, database_url, tmp_path):
    summary = _crawl(site, database_url, tmp_path)

    assert set(stored(database_url)) - {"#duplicates"} == _storable_ids(site)
    # newyork: no sitemap and no search JSON; boston: no sitemap
    assert summary.errors["http_404"] == 3
    assert summary.blocked_hosts == []
    assert site.requests["/sfbay/sitemap/index-by-date-cat.xml"] == 1
    assert site.requests["/newyork/search/jjj"] == 1
    assert site.requests["/boston/search/jjj"] == 0

    again = _crawl(site, database_url, tmp_path)  # incremental: stored postings are skipped
    assert (again.new, again.duplicate, again.postings_fetched) == (0, 0, 2)
    assert again.skipped_known == len(site.storable())


def test_discovery_order_is_configurable(site, sqlite_database_url, tmp_path):
    _crawl(site, sqlite_database_url, tmp_path, discovery=("listing",))

    assert site.requests["/web/v8/postings/search/full"] == 0
    assert site.requests["/sfbay/sitemap/index-by-date-cat.xml"] == 0
    assert set(stored(sqlite_database_url)) - {"#duplicates"} == _storable_ids(site)


def test_capped_crawl_resumed_matches_an_uninterrupted_one(site, tmp_path):
    whole, parts = f"sqlite:///{tmp_path / 'whole.sqlite3'}", f"sqlite:///{tmp_path / 'p.sqlite3'}"
    _crawl(site, whole, tmp_path)

    first = _crawl(site, parts, tmp_path, max_postings=12)
    assert first.postings_fetched <= 12
    assert 0 < len(stored(parts)) < len(stored(whole))
    _crawl(site, parts, tmp_path)

    assert stored(parts) == stored(whole)


def test_killed_crawl_resumed_matches_an_uninterrupted_one(tmp_path):
    whole, parts = f"sqlite:///{tmp_path / 'whole.sqlite3'}", f"sqlite:///{tmp_path / 'p.sqlite3'}"
    with LocalCraigslist(areas=("sfbay", "boston"), per_category=30, faults=False) as site:
        _crawl(site, whole, tmp_path, batch_size=10)
        job = start_craigslist_crawl(
            crawl_settings_for(parts, tmp_path), site.areas, ["jjj"], base_url=site.base_url,
            throttle=False, scrapy_settings={**FAST, "CONCURRENT_REQUESTS_PER_DOMAIN": 1},
            classifier=None, batch_size=10,
        )
        deadline = time.monotonic() + 120
        while job.last_progress.get("stored", 0) < 20 and time.monotonic() < deadline:
            job.poll(timeout=0.2)
        job.kill()
        assert 1 < len(stored(parts)) < len(site.postings)
        with pytest.raises(CrawlError):
            job.wait()
        _crawl(site, parts, tmp_path, batch_size=10)

    assert stored(parts) == stored(whole)


def test_blocked_host_stops_the_crawl_and_is_reported(sqlite_database_url, tmp_path):
    one_at_a_time = {**FAST, "DOWNLOAD_DELAY": 0.05, "CONCURRENT_REQUESTS_PER_DOMAIN": 1}
    with LocalCraigslist(areas=("sfbay", "boston"), blocked=True, block_after=3) as site:
        summary = _crawl(site, sqlite_database_url, tmp_path, scrapy_settings=one_at_a_time)
        requests_made = sum(site.requests.values())
        host = site.base_url.split("//")[1]

    assert summary.blocked_hosts == [host]
    assert summary.errors["blocked"] >= 1
    assert requests_made == 4  # robots.txt, two sitemap indexes, then one 403 and nothing more


def test_throttled_crawl_sends_one_request_at_a_time(tmp_path):
    polite_but_quick = {"DOWNLOAD_DELAY": 0.05, "AUTOTHROTTLE_START_DELAY": 0.05,
                        "AUTOTHROTTLE_MAX_DELAY": 0.2, "JOBATLAS_RETRY_BACKOFF_BASE": 0.05,
                        "DOWNLOAD_TIMEOUT": 4, "LOG_LEVEL": "WARNING"}
    # no faults: a timed-out request still "in flight" on the server would count twice
    with LocalCraigslist(areas=("sfbay", "boston"), per_category=3, faults=False) as site:
        summary = run_craigslist_crawl(
            crawl_settings_for(f"sqlite:///{tmp_path / 'db.sqlite3'}", tmp_path), site.areas,
            ["jjj"], base_url=site.base_url, throttle=True, scrapy_settings=polite_but_quick,
            classifier=None,
        )
        assert site.max_in_flight == 1
    assert summary.new + summary.duplicate == len(site.storable())


def test_stopped_crawl_keeps_its_queue_in_jobdir_and_resumes(tmp_path):
    whole, parts = f"sqlite:///{tmp_path / 'whole.sqlite3'}", f"sqlite:///{tmp_path / 'p.sqlite3'}"
    jobdir = tmp_path / "jobdir"
    with LocalCraigslist(areas=("sfbay", "boston"), per_category=20, faults=False) as site:
        _crawl(site, whole, tmp_path, batch_size=10)
        job = start_craigslist_crawl(
            crawl_settings_for(parts, tmp_path), site.areas, ["jjj"], base_url=site.base_url,
            throttle=False, scrapy_settings={**FAST, "CONCURRENT_REQUESTS_PER_DOMAIN": 1},
            classifier=None, batch_size=10, jobdir=jobdir,
        )
        deadline = time.monotonic() + 120
        while job.last_progress.get("stored", 0) < 10 and time.monotonic() < deadline:
            job.poll(timeout=0.2)
        job.terminate()  # SIGTERM: Scrapy shuts down cleanly and keeps the queue on disk
        stopped = job.wait()
        assert stopped.finish_reason == "shutdown"
        assert (jobdir / "requests.queue").exists()
        resumed = _crawl(site, parts, tmp_path, batch_size=10, jobdir=jobdir)

    assert resumed.finish_reason == "finished"
    assert not jobdir.exists()  # a finished crawl leaves no queue behind
    assert stored(parts) == stored(whole)
