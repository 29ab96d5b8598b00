"""Parse a Craigslist job posting page: its ``JobPosting`` JSON-LD first, the HTML second."""

from __future__ import annotations

import json
import re
from functools import cached_property
from urllib.parse import urlsplit

import lxml.etree
import lxml.html

from jobatlas.postings.records import Compensation, Posting
from jobatlas.sources.jsonld import load_jsonld, missing_fields, posting_from_jobposting
from jobatlas.sources.parsed import (
    TRACKED_FIELDS,
    ParsedPosting,
    ParseError,
    clean_text,
    element_text,
    employment_type,
    parse_datetime,
    parse_float,
)

SOURCE = "craigslist"
BOILERPLATE = re.compile(r"^\s*QR Code Link to This Post\s*", re.IGNORECASE)
POST_ID_TEXT = re.compile(r"post id:\s*(\d+)", re.IGNORECASE)
POST_ID_URL = re.compile(r"/(\d{6,})\.html")
CATEGORY_URL = re.compile(r"craigslist\.org/(?:[a-z]{2,4}/)?([a-z]{3})/d/")
AREA_URL = re.compile(r"/area/([a-z0-9]+)")
ALL_PATHS = frozenset({"jjj", "sss", "ggg", "hhh", "bbb", "ccc"})
# Fields read from the visible page when the JSON-LD lacks them (compensation is handled apart).
HTML_FIELDS = ("source_id", "title", "body", "employment_type", "posted_at", "locality", "region",
               "latitude", "longitude")
LD_POSTING = lxml.etree.XPath("//script[@id='ld_posting_data']")
TITLE = lxml.etree.XPath("//*[@id='titletextonly']")


def parse_posting(
    html: str | bytes, url: str, *, area: str | None = None, category: str | None = None
) -> ParsedPosting:
    """Parse one posting page; ``area``/``category`` fill in what the page itself does not say.

    Never raises on bad markup: an unreadable page gives ``ParsedPosting(None, missing=[...])``.
    """
    try:
        doc = _document(html)
    except ParseError:
        return ParsedPosting(None, list(TRACKED_FIELDS))
    page = _HtmlPage(doc, url)
    posting = _posting_from_jsonld(doc, url, fallback_id=page.source_id)
    if posting is None:
        posting = Posting(source=SOURCE, source_id=page.source_id, url=url, title="")
    _fill_from_html(posting, page)
    posting.area = posting.area or page.area or area
    posting.category = posting.category or page.category or category
    missing = missing_fields(posting)
    if not posting.title or not posting.source_id:
        return ParsedPosting(None, missing)
    return ParsedPosting(posting, missing)


def _document(html: str | bytes) -> lxml.html.HtmlElement:
    text = html.decode("utf-8", "replace") if isinstance(html, bytes) else html
    if not text.strip():
        raise ParseError("empty page")
    try:
        return lxml.html.document_fromstring(text)
    except (lxml.etree.ParserError, ValueError) as exc:
        raise ParseError(f"not HTML: {exc}") from exc


def _posting_from_jsonld(doc: lxml.html.HtmlElement, url: str, fallback_id: str) -> Posting | None:
    """Return the posting described by ``script#ld_posting_data`` if it is a JobPosting."""
    for script in LD_POSTING(doc):
        try:
            data = load_jsonld(script.text or "")
        except ParseError:
            return None
        if isinstance(data, dict) and data.get("@type") == "JobPosting":
            parsed = posting_from_jobposting(data, url, source=SOURCE, fallback_id=fallback_id)
            return parsed.posting
    return None


def _fill_from_html(posting: Posting, page: _HtmlPage) -> None:
    """Fill each field the JSON-LD left empty from the visible page (read only when needed)."""
    if not (posting.compensation.raw or posting.compensation.min_amount is not None):
        raw = page.attributes.get("compensation")
        posting.compensation = Compensation(raw=raw) if raw else Compensation()
    for name in HTML_FIELDS:
        if getattr(posting, name) in (None, ""):
            setattr(posting, name, getattr(page, name))


class _HtmlPage:
    """The visible page's values, each read on first use."""

    def __init__(self, doc: lxml.html.HtmlElement, url: str):
        self.doc = doc
        self.url = url

    @cached_property
    def source_id(self) -> str:
        return _post_id(self.doc, self.url)

    @cached_property
    def title(self) -> str:
        found = TITLE(self.doc)
        return clean_text(found[0].text_content()) if found else ""

    @cached_property
    def body(self) -> str:
        return _body(self.doc)

    @cached_property
    def attributes(self) -> dict[str, str]:
        return _attributes(self.doc)

    @cached_property
    def employment_type(self) -> str | None:
        return employment_type(self.attributes.get("employment type"))

    @cached_property
    def posted_at(self):
        return _posted_at(self.doc)

    @cached_property
    def locality(self) -> str | None:
        return _hood(self.doc)

    @cached_property
    def region(self) -> str | None:
        return _geo_region(self.doc)

    @cached_property
    def coordinates(self) -> tuple[float | None, float | None]:
        return _coordinates(self.doc)

    @property
    def latitude(self) -> float | None:
        return self.coordinates[0]

    @property
    def longitude(self) -> float | None:
        return self.coordinates[1]

    @cached_property
    def breadcrumbs(self) -> list[str]:
        return _breadcrumb_urls(self.doc)

    @cached_property
    def area(self) -> str | None:
        return _area(self.breadcrumbs, self.url)

    @cached_property
    def category(self) -> str | None:
        return _category(self.breadcrumbs, self.url)


def _body(doc: lxml.html.HtmlElement) -> str:
    found = doc.xpath("//section[@id='postingbody']")
    if not found:
        return ""
    body = found[0]
    for node in body.xpath(".//*[contains(@class,'print-information')]"):
        node.drop_tree()
    return BOILERPLATE.sub("", element_text(body))


def _attributes(doc: lxml.html.HtmlElement) -> dict[str, str]:
    """Return the attribute groups as ``{label: value}`` for both 2023+ and older markup."""
    out: dict[str, str] = {}
    for attr in doc.xpath("//*[contains(@class,'attrgroup')]/div[contains(@class,'attr')]"):
        label = "".join(attr.xpath(".//span[@class='labl']//text()"))
        value = "".join(attr.xpath(".//span[@class='valu']//text()"))
        if label:
            out[clean_text(label).rstrip(":").lower()] = clean_text(value)
    for span in doc.xpath("//p[contains(@class,'attrgroup')]/span"):
        label, sep, value = clean_text(span.text_content()).partition(":")
        if sep and label.lower() not in out:
            out[label.strip().lower()] = value.strip()
    return out


def _post_id(doc: lxml.html.HtmlElement, url: str) -> str:
    for text in doc.xpath("//p[contains(@class,'postinginfo')]/text()"):
        match = POST_ID_TEXT.search(text)
        if match:
            return match.group(1)
    match = POST_ID_URL.search(url)
    return match.group(1) if match else ""


def _posted_at(doc: lxml.html.HtmlElement):
    for xpath in (
        "//p[contains(@class,'postinginfo')]//time[@datetime]/@datetime",
        "//time[contains(@class,'timeago')]/@datetime",
    ):
        for value in doc.xpath(xpath):
            parsed = parse_datetime(value)
            if parsed:
                return parsed
    return None


def _coordinates(doc: lxml.html.HtmlElement) -> tuple[float | None, float | None]:
    for node in doc.xpath("//*[@id='map'][@data-latitude]"):
        lat, lon = parse_float(node.get("data-latitude")), parse_float(node.get("data-longitude"))
        if lat is not None and lon is not None:
            return lat, lon
    return None, None


def _hood(doc: lxml.html.HtmlElement) -> str | None:
    """Return the "(Staten Island)" neighbourhood shown after the title."""
    for text in doc.xpath("//*[contains(@class,'postingtitletext')]/*[not(@id)]/text()"):
        match = re.fullmatch(r"\s*\((.+)\)\s*", text)
        if match:
            return clean_text(match.group(1))
    return None


def _geo_region(doc: lxml.html.HtmlElement) -> str | None:
    for value in doc.xpath("//meta[@name='geo.region']/@content"):
        region = value.rsplit("-", 1)[-1].strip().upper()
        if len(region) == 2:
            return region
    return None


def _breadcrumb_urls(doc: lxml.html.HtmlElement) -> list[str]:
    for script in doc.xpath("//script[@id='ld_breadcrumb_data']"):
        try:
            data = json.loads(script.text or "", strict=False)
        except json.JSONDecodeError:
            return []
        items = data.get("itemListElement", []) if isinstance(data, dict) else []
        items = sorted(
            (i for i in items if isinstance(i, dict)), key=lambda i: i.get("position", 0)
        )
        return [i["item"] for i in items if isinstance(i.get("item"), str)]
    return []


def _area(breadcrumbs: list[str], url: str) -> str | None:
    """Return the area hostname ("sfbay") from the posting URL or the breadcrumbs."""
    for candidate in [url, *breadcrumbs]:
        host = urlsplit(candidate).hostname or ""
        if host.endswith(".craigslist.org") and host.count(".") == 2:
            name = host.split(".")[0]
            if name not in ("www", "post", "accounts", "sapi", "rapi", "reference"):
                return name
        match = AREA_URL.search(candidate)
        if match:
            return match.group(1)
    return None


def _category(breadcrumbs: list[str], url: str) -> str | None:
    """Return the category code ("trd") from the posting URL or the breadcrumbs."""
    match = CATEGORY_URL.search(url)
    if match:
        return match.group(1)
    found = None
    for item in breadcrumbs:
        parts = urlsplit(item)
        cat = re.search(r"(?:^|&)cat=([a-z]{3})\b", parts.query)
        if cat is None and "/search/" in parts.path and "cat=" not in parts.query:
            cat = re.search(r"/([a-z]{3})/?$", parts.path)
        if cat and cat.group(1) not in ALL_PATHS:
            found = cat.group(1)
    return found
