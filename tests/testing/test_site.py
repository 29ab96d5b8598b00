"""The local stand-in site serves what the crawl tests rely on, faults included."""

from __future__ import annotations

import pytest
import requests

from jobatlas.sources.craigslist.areas import category_codes
from jobatlas.sources.craigslist.listing import parse_listing
from jobatlas.sources.craigslist.posting import parse_posting
from jobatlas.sources.craigslist.search_api import parse_search_response
from jobatlas.sources.craigslist.sitemap import parse_sitemap
from jobatlas.sources.craigslist.urls import CraigslistUrls
from jobatlas.testing.site import LocalCraigslist


@pytest.fixture(scope="module")
def site():
    with LocalCraigslist(areas=("sfbay", "boston", "newyork"), per_category=3,
                         timeout_seconds=0.2) as running:
        yield running


def _get(site, path_or_url: str) -> requests.Response:
    url = path_or_url if path_or_url.startswith("http") else f"{site.base_url}{path_or_url}"
    return requests.get(url, timeout=10)


def test_posting_pages_parse_into_their_own_values(site):
    good = next(p for p in site.postings if p.fault is None)
    parsed = parse_posting(_get(site, good.path).content, f"{site.base_url}{good.path}")
    posting = parsed.posting
    assert (posting.source_id, posting.title, posting.body) == (good.source_id, good.title,
                                                                good.body)
    assert (posting.area, posting.category) == (good.area.hostname, good.category)
    assert parsed.missing == []


def test_retry_once_faults_fail_first_then_succeed(site):
    assert _get(site, site.fault("429").path).status_code == 429
    assert _get(site, site.fault("429").path).status_code == 200
    assert _get(site, site.fault("500").path).status_code == 500
    assert _get(site, site.fault("500").path).status_code == 200


def test_broken_pages_do_not_parse(site):
    for fault in ("truncated", "garbage"):
        response = _get(site, site.fault(fault).path)
        assert response.status_code == 200
        assert not parse_posting(response.content, response.url).ok
    no_body = _get(site, site.fault("no_body").path)
    assert parse_posting(no_body.content, no_body.url).missing == ["body"]


def test_robots_disallows_the_disallowed_posting(site):
    robots = _get(site, "/robots.txt").text
    path = site.fault("disallowed").path
    assert any(path.startswith(line.split(": ")[1]) for line in robots.splitlines()
               if line.startswith("Disallow"))


def test_discovery_documents_list_every_posting_of_their_area(site):
    urls = CraigslistUrls(site.base_url)
    sfbay, boston, newyork = site.areas
    index = parse_sitemap(_get(site, urls.sitemap_index("sfbay")).content)
    days = [parse_sitemap(_get(site, entry.loc).content) for entry in index.entries]
    listed = {e.loc for day in days for e in day.entries}
    assert listed == {f"{site.base_url}{p.path}" for p in site.postings if p.area == sfbay}

    search = urls.search_api(boston.area_id, "jjj")
    assert _get(site, search).status_code == 500  # the second area's search fails once
    result = parse_search_response(_get(site, search).content, category_codes())
    assert {i.source_id for i in result.items} == {
        p.source_id for p in site.postings if p.area == boston
    }
    assert _get(site, urls.sitemap_index("boston")).status_code == 404

    page = parse_listing(_get(site, urls.listing("newyork", "jjj")).content, urls.listing(
        "newyork", "jjj"))
    assert page.markup == "cl-static-search-result"
    assert {e.source_id for e in page.entries} == {
        p.source_id for p in site.postings if p.area == newyork
    }
    assert _get(site, urls.search_api(newyork.area_id, "jjj")).status_code == 404


def test_blocked_mode_answers_403():
    with LocalCraigslist(areas=("sfbay",), per_category=1, blocked=True, block_after=1) as site:
        assert _get(site, "/robots.txt").status_code == 200
        assert _get(site, "/robots.txt").status_code == 403
