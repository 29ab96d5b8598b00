"""Listing pages in the three markups, from recorded pages."""

from __future__ import annotations

import pytest

from jobatlas.sources.craigslist.listing import parse_listing
from jobatlas.sources.parsed import ParseError

from .cases import as_json, cases, expected

LISTING_CASES = cases("listing")


def test_all_three_markups_have_a_case():
    assert {expected(f)["markup"] for f in LISTING_CASES} == {
        "result-row",
        "cl-static-search-result",
        "cl-search-result",
    }


@pytest.mark.parametrize("folder", LISTING_CASES, ids=lambda p: p.name)
def test_listing_fixture(folder):
    want = expected(folder)
    page = parse_listing((folder / "page.html").read_bytes(), want["url"])
    assert page.markup == want["markup"]
    assert page.total == want["total"]
    assert page.next_url == want["next_url"]
    assert as_json(page.entries) == want["entries"]


def test_result_rows_carry_ids_dates_and_hoods():
    folder = next(f for f in LISTING_CASES if expected(f)["markup"] == "result-row")
    page = parse_listing((folder / "page.html").read_text(), expected(folder)["url"])
    assert len(page.entries) == 144
    assert all(e.source_id and e.source_id.isdigit() for e in page.entries)
    assert page.entries[0].posted_at.isoformat() == "2019-12-05T14:34:00"
    assert page.entries[0].locality == "redwood city"


def test_relative_links_resolve_against_the_page_url():
    html = (
        '<html><body><ol class="cl-static-search-results"><li class="cl-static-search-result" '
        'title="Cook"><a href="/fbh/d/cook/7700000002.html"><div class="title">Cook</div></a>'
        "</li></ol></body></html>"
    )
    page = parse_listing(html, "https://boston.craigslist.org/search/fbh")
    assert page.entries[0].url == "https://boston.craigslist.org/fbh/d/cook/7700000002.html"
    assert page.entries[0].source_id == "7700000002"


def test_page_without_results_is_empty():
    assert parse_listing("<html><body><p>nothing here</p></body></html>", "https://x").entries == []


def test_empty_bytes_raise():
    with pytest.raises(ParseError):
        parse_listing(b"", "https://x")
