"""Posting pages: recorded fixtures (JSON-LD, HTML fallback, older markup, faults), edge cases."""

from __future__ import annotations

import pytest

from jobatlas.sources.craigslist.posting import parse_posting
from jobatlas.sources.parsed import TRACKED_FIELDS

from .cases import FIXTURES, as_json, cases, expected

POSTING_CASES = cases("posting")


def test_every_posting_case_is_collected():
    assert len(POSTING_CASES) >= 7


@pytest.mark.parametrize("folder", POSTING_CASES, ids=lambda p: p.name)
def test_posting_fixture(folder):
    want = expected(folder)
    parsed = parse_posting((folder / "page.html").read_bytes(), want["url"])
    assert (as_json(parsed.posting) if parsed.posting else None) == want["posting"]
    assert parsed.missing == want["missing"]


def test_jsonld_wins_over_html_field_by_field():
    parsed = parse_posting(
        (FIXTURES / "posting_2026_jsonld" / "page.html").read_text(), "https://x.test/p"
    )
    posting = parsed.posting
    assert posting.title == "Roofer"  # JSON-LD title; the HTML headline is the fallback
    assert posting.employer == "Rainbow Restoration"
    assert posting.compensation.raw.startswith("Compensation based on")  # only in the HTML


def test_html_fallback_reads_headline_and_strips_qr_boilerplate():
    page = (FIXTURES / "posting_2026_html_fallback" / "page.html").read_text()
    posting = parse_posting(page, "https://x.test/p").posting
    assert posting.title == "Roofer, Sider and board ups"
    assert "QR Code" not in posting.body
    assert posting.body.startswith("Looking for person")


def test_hints_fill_area_and_category_the_page_lacks():
    page = (FIXTURES / "posting_older_markup" / "page.html").read_text()
    parsed = parse_posting(page, "http://127.0.0.1:8000/p/7966147143.html", area="sfbay",
                           category="lab")
    assert (parsed.posting.area, parsed.posting.category) == ("sfbay", "lab")


def test_post_id_falls_back_to_url():
    html = "<html><body><span id='titletextonly'>Dishwasher</span></body></html>"
    parsed = parse_posting(html, "https://boston.craigslist.org/gbs/fbh/d/x/7700000001.html")
    assert parsed.posting.source_id == "7700000001"
    assert parsed.posting.category == "fbh"
    assert "body" in parsed.missing


@pytest.mark.parametrize("page", [b"", b"   ", "\x00\x01garbage", b"<html></html>"])
def test_unreadable_pages_give_no_posting_and_list_every_field(page):
    parsed = parse_posting(page, "https://x.test/view/d/a/b")
    assert not parsed.ok
    assert set(parsed.missing) >= set(TRACKED_FIELDS) - {"source_id"}


def test_broken_jsonld_falls_back_to_html():
    page = (FIXTURES / "posting_2026_jsonld" / "page.html").read_text()
    page = page.replace('"@type":"JobPosting"', '"@type":"JobPosting",,')
    parsed = parse_posting(page, "https://x.test/p")
    assert parsed.posting.title == "Roofer, Sider and board ups"
    assert parsed.posting.employer is None
