"""Parse sitemaps: Craigslist's by-date-and-category index and the ``urlset`` files it points to."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

import lxml.etree

from jobatlas.sources.parsed import ParseError

# /sitemap/date/2026-09-14/cat/trd/sitemap.xml (optionally below an area prefix)
DATE_CAT = re.compile(r"/sitemap/date/(\d{4}-\d{2}-\d{2})/cat/([a-z]{3})/")
PARSER = lxml.etree.XMLParser(resolve_entities=False, no_network=True, recover=False)


@dataclass(frozen=True)
class SitemapEntry:
    """One ``<loc>`` with its ``<lastmod>``, and the date/category a Craigslist index names."""

    loc: str
    lastmod: str | None = None
    day: date | None = None
    category: str | None = None


@dataclass
class Sitemap:
    """A parsed sitemap: ``kind`` is "index" (links to sitemaps) or "urlset" (links to pages)."""

    kind: str
    entries: list[SitemapEntry] = field(default_factory=list)


def parse_sitemap(xml: str | bytes) -> Sitemap:
    """Parse a sitemap or sitemap index; raises ``ParseError`` on anything else."""
    data = xml.encode("utf-8") if isinstance(xml, str) else xml
    if not data.strip():
        raise ParseError("empty sitemap")
    try:
        root = lxml.etree.fromstring(data, parser=PARSER)
    except lxml.etree.XMLSyntaxError as exc:
        raise ParseError(f"sitemap is not XML: {exc}") from exc
    kind = lxml.etree.QName(root).localname
    if kind not in ("sitemapindex", "urlset"):
        raise ParseError(f"not a sitemap: root element <{kind}>")
    entries = [_entry(node) for node in root if _local(node) in ("sitemap", "url")]
    return Sitemap("index" if kind == "sitemapindex" else "urlset", [e for e in entries if e])


def _entry(node: lxml.etree._Element) -> SitemapEntry | None:
    values = {_local(child): (child.text or "").strip() for child in node}
    loc = values.get("loc")
    if not loc:
        return None
    day, category = None, None
    match = DATE_CAT.search(loc)
    if match:
        day, category = date.fromisoformat(match.group(1)), match.group(2)
    return SitemapEntry(loc, values.get("lastmod") or None, day, category)


def _local(node: lxml.etree._Element) -> str:
    return lxml.etree.QName(node).localname if isinstance(node.tag, str) else ""
