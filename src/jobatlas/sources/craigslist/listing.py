"""Parse Craigslist search-result pages in the three markups the site has served since 2016.

- ``li.result-row`` (2016-2022),
- ``ol.cl-static-search-results > li.cl-static-search-result`` (the no-JavaScript list, 2022-),
- ``li.cl-search-result`` (the browser-rendered list, 2023-).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urljoin

import lxml.etree
import lxml.html

from jobatlas.sources.parsed import ParseError, clean_text

POST_ID_URL = re.compile(r"/(\d{6,})\.html")


@dataclass(frozen=True)
class ListingEntry:
    """One search result: enough to decide whether to fetch the posting."""

    source_id: str | None  # None when the result only links a ``/view/d/<token>`` URL
    url: str
    title: str
    posted_at: datetime | None = None  # as the page gives it (local time, no zone)
    locality: str | None = None
    price: str | None = None


@dataclass
class ListingPage:
    """The results of one search page, the markup they came in, and the next page if linked."""

    entries: list[ListingEntry] = field(default_factory=list)
    markup: str | None = None  # "result-row", "cl-static-search-result", "cl-search-result"
    total: int | None = None
    next_url: str | None = None


def parse_listing(html: str | bytes, url: str) -> ListingPage:
    """Parse a search page; raises ``ParseError`` when the bytes are not an HTML document."""
    text = html.decode("utf-8", "replace") if isinstance(html, bytes) else html
    if not text.strip():
        raise ParseError(f"empty listing page: {url}")
    try:
        doc = lxml.html.document_fromstring(text)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise ParseError(f"listing page {url} is not HTML: {exc}") from exc
    for markup, reader in MARKUPS:
        rows = doc.xpath(f"//li[contains(concat(' ', normalize-space(@class), ' '), ' {markup} ')]")
        if rows:
            entries = [e for e in (reader(row, url) for row in rows) if e is not None]
            return ListingPage(entries, markup, _total(doc), _next_url(doc, url))
    return ListingPage()


def _result_row(row: lxml.html.HtmlElement, base: str) -> ListingEntry | None:
    links = row.xpath(".//a[contains(@class,'result-title')]")
    if not links or not links[0].get("href"):
        return None
    link = links[0]
    url = urljoin(base, link.get("href"))
    times = row.xpath(".//time[@datetime]/@datetime")
    hood = row.xpath(".//*[contains(@class,'result-hood')]/text()")
    price = row.xpath(".//*[contains(@class,'result-price')]/text()")
    return ListingEntry(
        source_id=row.get("data-pid") or _id_from_url(url),
        url=url,
        title=clean_text(link.text_content()),
        posted_at=_local_datetime(times[0]) if times else None,
        locality=clean_text(hood[0]).strip("()").strip() or None if hood else None,
        price=clean_text(price[0]) or None if price else None,
    )


def _static_result(row: lxml.html.HtmlElement, base: str) -> ListingEntry | None:
    links = row.xpath(".//a[@href]")
    if not links:
        return None
    url = urljoin(base, links[0].get("href"))
    title = _first(row, ".//*[contains(@class,'title')]") or row.get("title") or ""
    return ListingEntry(
        source_id=row.get("data-pid") or _id_from_url(url),
        url=url,
        title=title,
        locality=_first(row, ".//*[contains(@class,'location')]") or None,
        price=_first(row, ".//*[contains(@class,'price')]") or None,
    )


def _browser_result(row: lxml.html.HtmlElement, base: str) -> ListingEntry | None:
    links = row.xpath(".//a[contains(@class,'posting-title')][@href]") or row.xpath(".//a[@href]")
    if not links:
        return None
    url = urljoin(base, links[0].get("href"))
    title = _first(links[0], ".//*[contains(@class,'label')]") or row.get("title") or ""
    meta = row.xpath(".//*[contains(@class,'meta')]")
    locality = None
    if meta:
        parts = [clean_text(t) for t in meta[0].xpath("./text()") if clean_text(t)]
        locality = parts[-1] if len(parts) > 1 else None
    return ListingEntry(
        source_id=row.get("data-pid") or _id_from_url(url),
        url=url,
        title=title,
        locality=locality,
        price=_first(row, ".//*[contains(@class,'priceinfo')]") or None,
    )


MARKUPS = (
    ("result-row", _result_row),
    ("cl-static-search-result", _static_result),
    ("cl-search-result", _browser_result),
)


def _first(node: lxml.html.HtmlElement, xpath: str) -> str:
    found = node.xpath(xpath)
    return clean_text(found[0].text_content()) if found else ""


def _id_from_url(url: str) -> str | None:
    match = POST_ID_URL.search(url)
    return match.group(1) if match else None


def _local_datetime(value: str) -> datetime | None:
    try:
        return datetime.fromisoformat(value.strip())
    except ValueError:
        return None


def _total(doc: lxml.html.HtmlElement) -> int | None:
    for text in doc.xpath("//*[contains(@class,'totalcount')]/text()"):
        if text.strip().isdigit():
            return int(text.strip())
    return None


def _next_url(doc: lxml.html.HtmlElement, base: str) -> str | None:
    for href in doc.xpath("//a[contains(@class,'next')][@href]/@href"):
        if href.strip():
            return urljoin(base, href.strip())
    return None
