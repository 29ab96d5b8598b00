from __future__ import annotations

import pytest


def test_runs_resume_until_finished(crawl_state):
    run = crawl_state.start_run("craigslist")
    assert crawl_state.start_run("craigslist") == run  # an interrupted crawl resumes
    assert crawl_state.unfinished_run("craigslist") == run
    assert crawl_state.start_run("jsonld") != run
    crawl_state.finish_run(run, stats={"stored": 12})
    assert crawl_state.unfinished_run("craigslist") is None
    info = crawl_state.run(run)
    assert (info["status"], info["stats"]) == ("finished", {"stored": 12})
    assert info["finished_at"] >= info["started_at"]
    assert crawl_state.start_run("craigslist") != run


def test_start_run_without_resume_opens_a_new_run(crawl_state):
    run = crawl_state.start_run("craigslist")
    assert crawl_state.start_run("craigslist", resume=False) > run


def test_finish_run_checks_status_and_id(crawl_state):
    run = crawl_state.start_run("craigslist")
    with pytest.raises(ValueError, match="status"):
        crawl_state.finish_run(run, status="paused")
    with pytest.raises(KeyError):
        crawl_state.finish_run(run + 100)
    crawl_state.finish_run(run, status="failed")
    assert crawl_state.run(run)["status"] == "failed"
    assert crawl_state.run(run + 100) is None


def test_marks_are_global_or_per_run(crawl_state):
    first = crawl_state.start_run("craigslist")
    listing = "https://sfbay.craigslist.org/search/jjj?s=120"
    posting = "https://sfbay.craigslist.org/eby/trd/d/7712345678.html"
    crawl_state.mark_done("craigslist", [listing, posting, posting], run_id=first)
    assert crawl_state.is_done("craigslist", posting)
    assert crawl_state.is_done("craigslist", listing, run_id=first)
    assert not crawl_state.is_done("jsonld", posting)
    crawl_state.finish_run(first)
    second = crawl_state.start_run("craigslist")
    # Listing pages change between runs: the new run fetches them again.
    assert not crawl_state.is_done("craigslist", listing, run_id=second)
    crawl_state.mark_done("craigslist", listing, run_id=second)
    assert crawl_state.is_done("craigslist", listing, run_id=second)
    assert crawl_state.done_keys("craigslist", [listing, posting, "other"]) == {listing, posting}
    crawl_state.mark_done("craigslist", [])


def test_values_are_stored_and_replaced(crawl_state):
    assert crawl_state.get("craigslist", "sitemap:sfbay") is None
    assert crawl_state.get("craigslist", "sitemap:sfbay", "never") == "never"
    crawl_state.set("craigslist", "sitemap:sfbay", "2026-11-24")
    crawl_state.set("craigslist", "sitemap:sfbay", "2026-11-25")
    assert crawl_state.get("craigslist", "sitemap:sfbay") == "2026-11-25"
