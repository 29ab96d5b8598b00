"""Parse a Craigslist job posting page: its ``JobPosting`` JSON-LD first, the HTML second."""

from __future__ import annotations

import json
import re
from dataclasses import fields
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
    from_html = _posting_from_html(doc, url)
    from_ld = _posting_from_jsonld(doc, url, fallback_id=from_html.source_id)
    posting = _merge(from_ld, from_html) if from_ld else from_html
    posting.area = posting.area or _area(doc, url) or area
    posting.category = posting.category or _category(doc, url) or category
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
    for script in doc.xpath("//script[@id='ld_posting_data']"):
        try:
            data = load_jsonld(script.text or "")
        except ParseError:
            return None
        if isinstance(data, dict) and data.get("@type") == "JobPosting":
            parsed = posting_from_jobposting(data, url, source=SOURCE, fallback_id=fallback_id)
            return parsed.posting
    return None


def _posting_from_html(doc: lxml.html.HtmlElement, url: str) -> Posting:
    """Read every field the visible page carries."""
    attrs = _attributes(doc)
    lat, lon = _coordinates(doc)
    compensation = attrs.get("compensation")
    return Posting(
        source=SOURCE,
        source_id=_post_id(doc, url),
        url=url,
        title=_first_text(doc, "//*[@id='titletextonly']"),
        body=_body(doc),
        compensation=Compensation(raw=compensation) if compensation else Compensation(),
        employment_type=employment_type(attrs.get("employment type")),
        posted_at=_posted_at(doc),
        locality=_hood(doc),
        region=_geo_region(doc),
        latitude=lat,
        longitude=lon,
    )


def _merge(primary: Posting, fallback: Posting) -> Posting:
    """Take each field from ``primary`` (JSON-LD) unless it is empty there."""
    merged = {}
    for f in fields(Posting):
        value = getattr(primary, f.name)
        if f.name == "compensation":
            value = value if (value.raw or value.min_amount is not None) else fallback.compensation
        elif value in (None, "", []):
            value = getattr(fallback, f.name)
        merged[f.name] = value
    return Posting(**merged)


def _first_text(doc: lxml.html.HtmlElement, xpath: str) -> str:
    found = doc.xpath(xpath)
    return clean_text(found[0].text_content()) if found else ""


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
        items = sorted((i for i in items if isinstance(i, dict)), key=lambda i: i.get("position", 0))
        return [i["item"] for i in items if isinstance(i.get("item"), str)]
    return []


def _area(doc: lxml.html.HtmlElement, url: str) -> str | None:
    """Return the area hostname ("sfbay") from the posting URL or the breadcrumbs."""
    for candidate in [url, *_breadcrumb_urls(doc)]:
        host = urlsplit(candidate).hostname or ""
        if host.endswith(".craigslist.org") and host.count(".") == 2:
            name = host.split(".")[0]
            if name not in ("www", "post", "accounts", "sapi", "rapi", "reference"):
                return name
        match = AREA_URL.search(candidate)
        if match:
            return match.group(1)
    return None


def _category(doc: lxml.html.HtmlElement, url: str) -> str | None:
    """Return the category code ("trd") from the posting URL or the breadcrumbs."""
    match = CATEGORY_URL.search(url)
    if match:
        return match.group(1)
    found = None
    for item in _breadcrumb_urls(doc):
        parts = urlsplit(item)
        cat = re.search(r"(?:^|&)cat=([a-z]{3})\b", parts.query)
        if cat is None and "/search/" in parts.path and "cat=" not in parts.query:
            cat = re.search(r"/([a-z]{3})/?$", parts.path)
        if cat and cat.group(1) not in ALL_PATHS:
            found = cat.group(1)
    return found
