"""Sitemaps: Craigslist's by-date-and-category index and plain url sets."""

from __future__ import annotations

import pytest

from jobatlas.sources.craigslist.sitemap import parse_sitemap
from jobatlas.sources.parsed import ParseError

from .cases import as_json, cases, expected


@pytest.mark.parametrize("folder", cases("sitemap"), ids=lambda p: p.name)
def test_sitemap_fixture(folder):
    sitemap = parse_sitemap((folder / "sitemap.xml").read_bytes())
    want = expected(folder)
    assert sitemap.kind == want["sitemap_kind"]
    assert as_json(sitemap.entries) == want["entries"]


@pytest.mark.parametrize(
    "data",
    [b"", b"<html><body>nope</body></html>", b"<urlset><url><loc>x</loc></url>", b"\xff\xfe\x00"],
)
def test_bad_sitemaps_raise(data):
    with pytest.raises(ParseError):
        parse_sitemap(data)


def test_entity_expansion_is_not_resolved():
    xml = (
        b'<?xml version="1.0"?><!DOCTYPE u [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>&e;</loc></url>'
        b"</urlset>"
    )
    sitemap = parse_sitemap(xml)
    assert all("root:" not in e.loc for e in sitemap.entries)
