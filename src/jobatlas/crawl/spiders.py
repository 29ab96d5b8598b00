"""Spiders: discover posting URLs, fetch them, hand the bytes to the pure parsers.

Discovery for each area tries the configured methods in order ("sitemap", "search_api",
"listing") and falls back to the next one when a method fails (an HTTP error after retries, or an
answer the parser cannot read). Postings already stored are never fetched again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import scrapy
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import TCPTimedOutError, TimeoutError
from twisted.python.failure import Failure

from jobatlas.crawl.middlewares import HostBlocked
from jobatlas.sources.craigslist.areas import ALL_JOBS, Area
from jobatlas.sources.craigslist.listing import parse_listing
from jobatlas.sources.craigslist.posting import POST_ID_URL, parse_posting
from jobatlas.sources.craigslist.search_api import parse_search_response
from jobatlas.sources.craigslist.sitemap import parse_sitemap
from jobatlas.sources.craigslist.urls import CraigslistUrls
from jobatlas.sources.jsonld import extract_job_postings
from jobatlas.sources.parsed import ParseError

logger = logging.getLogger(__name__)

DISCOVERY_METHODS = ("sitemap", "search_api", "listing")
LISTING_PAGE_SIZE = 120
POSTING_PRIORITY = 10  # fetch postings as soon as they are found, before more discovery pages

Known = Callable[[list[str]], set[str]]


@dataclass(frozen=True)
class Candidate:
    """A posting URL found by discovery."""

    source_id: str | None
    url: str
    host: str
    category: str | None


def error_kind(failure: Failure) -> str:
    """Name a failed request's cause for the crawl report ("http_500", "timeout", "blocked"...)."""
    if failure.check(HostBlocked):
        return "blocked"
    if failure.check(HttpError):
        return f"http_{failure.value.response.status}"
    if failure.check(TimeoutError, TCPTimedOutError):
        return "timeout"
    if failure.check(scrapy.exceptions.IgnoreRequest):
        return "ignored"  # robots.txt disallowed, or another middleware's decision
    return failure.type.__name__ if failure.type else "error"


class PolitePostingSpider(scrapy.Spider):
    """Shared bookkeeping: known-id skipping, the posting cap, error counting."""

    source = ""

    def __init__(self, known: Known | None = None, max_postings: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.known = known or (lambda ids: set())
        self.max_postings = max_postings
        self.scheduled = 0
        self.seen: set[str] = set()

    def schedule(self, candidates: Iterable[Candidate], callback) -> Iterator[scrapy.Request]:
        """Yield requests for candidates not already stored, fetched or over the cap."""
        fresh = [c for c in candidates if (c.source_id or c.url) not in self.seen]
        ids = [c.source_id for c in fresh if c.source_id]
        known = self.known(ids) if ids else set()
        stats = self.crawler.stats
        for candidate in fresh:
            key = candidate.source_id or candidate.url
            self.seen.add(key)
            if candidate.source_id in known:
                stats.inc_value("jobatlas/postings_skipped_known")
                continue
            if self.max_postings is not None and self.scheduled >= self.max_postings:
                stats.set_value("jobatlas/max_postings_reached", 1)
                return
            self.scheduled += 1
            yield scrapy.Request(
                candidate.url,
                callback=callback,
                errback=self.request_failed,
                priority=POSTING_PRIORITY,
                cb_kwargs={"host": candidate.host, "category": candidate.category},
            )

    def request_failed(self, failure: Failure) -> None:
        """Count and log a request that failed for good (after retries)."""
        kind = error_kind(failure)
        self.crawler.stats.inc_value(f"jobatlas/errors/{kind}")
        logger.warning("giving up on %s: %s", failure.request.url, kind)

    def count_page(self, kind: str) -> None:
        self.crawler.stats.inc_value(f"jobatlas/pages/{kind}")


class CraigslistSpider(PolitePostingSpider):
    """Crawl job postings from Craigslist areas and categories."""

    name = "craigslist"
    source = "craigslist"

    def __init__(
        self,
        areas: list[Area],
        categories: list[str],
        category_codes: dict[int, str],
        urls: CraigslistUrls | None = None,
        discovery: tuple[str, ...] = DISCOVERY_METHODS,
        sink=None,
        **kwargs,
    ):
        super().__init__(**kwargs)
        unknown = set(discovery) - set(DISCOVERY_METHODS)
        if unknown or not discovery:
            raise ValueError(f"unknown discovery methods: {sorted(unknown) or discovery}")
        self.areas = {a.hostname: a for a in areas}
        self.categories = list(categories)
        self.category_codes = category_codes
        self.job_codes = set(category_codes.values())
        self.urls = urls or CraigslistUrls()
        self.discovery = tuple(discovery)
        self.sink = sink

    async def start(self):
        """Yield the first discovery request(s) of every area."""
        for host in self.areas:
            for request in self.discover(host, self.categories, 0):
                yield request

    def discover(self, host: str, categories: list[str], step: int) -> Iterator[scrapy.Request]:
        """Yield the requests of discovery method number ``step`` for an area's categories."""
        if step >= len(self.discovery):
            self.crawler.stats.inc_value("jobatlas/errors/discovery_exhausted", len(categories))
            logger.error("no discovery method worked for %s %s", host, ",".join(categories))
            return
        method = self.discovery[step]
        kwargs = {"host": host, "step": step}
        if method == "sitemap":
            yield self._discovery_request(
                self.urls.sitemap_index(host), self.parse_sitemap_index,
                {**kwargs, "categories": categories},
            )
            return
        for category in categories:
            if method == "search_api":
                url = self.urls.search_api(self.areas[host].area_id, category)
                callback = self.parse_search
            else:
                url, callback = self.urls.listing(host, category), self.parse_listing_page
            yield self._discovery_request(
                url, callback, {**kwargs, "categories": [category], "offset": 0}
            )

    def _discovery_request(self, url: str, callback, cb_kwargs: dict) -> scrapy.Request:
        return scrapy.Request(
            url, callback=callback, errback=self.discovery_failed, cb_kwargs=cb_kwargs
        )

    def discovery_failed(self, failure: Failure) -> Iterator[scrapy.Request]:
        """Count the failure and fall back to the next discovery method (not when blocked)."""
        self.request_failed(failure)
        if failure.check(HostBlocked):
            return
        kwargs = failure.request.cb_kwargs
        yield from self.fallback(kwargs["host"], kwargs["categories"], kwargs["step"])

    def fallback(self, host: str, categories: list[str], step: int) -> Iterator[scrapy.Request]:
        """Yield the next discovery method's requests."""
        self.crawler.stats.inc_value(f"jobatlas/discovery_fallbacks/{self.discovery[step]}")
        yield from self.discover(host, categories, step + 1)

    # -- sitemaps -------------------------------------------------------------------------------
    def parse_sitemap_index(self, response, host: str, categories: list[str], step: int):
        """Follow the date/category sitemaps of the wanted job categories, newest first."""
        self.count_page("sitemap")
        try:
            sitemap = parse_sitemap(response.body)
        except ParseError as exc:
            logger.warning("unreadable sitemap %s: %s", response.url, exc)
            yield from self.fallback(host, categories, step)
            return
        wanted = self.job_codes if ALL_JOBS in categories else set(categories)
        entries = [e for e in sitemap.entries if e.category in wanted]
        for entry in sorted(entries, key=lambda e: e.day or 0, reverse=True):
            yield scrapy.Request(
                entry.loc,
                callback=self.parse_sitemap_urls,
                errback=self.request_failed,
                cb_kwargs={"host": host, "category": entry.category},
            )

    def parse_sitemap_urls(self, response, host: str, category: str | None):
        """Schedule the postings one date/category sitemap lists."""
        self.count_page("sitemap")
        try:
            sitemap = parse_sitemap(response.body)
        except ParseError as exc:
            self.crawler.stats.inc_value("jobatlas/errors/unreadable_sitemap")
            logger.warning("unreadable sitemap %s: %s", response.url, exc)
            return
        candidates = [
            Candidate(_post_id(e.loc), e.loc, host, category) for e in sitemap.entries
        ]
        yield from self.schedule(candidates, self.parse_posting_page)

    # -- search JSON ----------------------------------------------------------------------------
    def parse_search(self, response, host: str, categories: list[str], step: int, offset: int):
        """Schedule the postings of one search-JSON page and ask for the next page."""
        self.count_page("search_api")
        category = categories[0]
        try:
            result = parse_search_response(response.body, self.category_codes)
        except ParseError as exc:
            logger.warning("unreadable search answer %s: %s", response.url, exc)
            if offset == 0:
                yield from self.fallback(host, categories, step)
            return
        candidates = [
            Candidate(
                item.source_id,
                self.urls.posting(item, host, category),
                host,
                item.category or (None if category == ALL_JOBS else category),
            )
            for item in result.items
        ]
        yield from self.schedule(candidates, self.parse_posting_page)
        following = offset + len(result.items)
        if result.items and following < result.total and not self._capped():
            yield scrapy.Request(
                self.urls.search_api(self.areas[host].area_id, category, following),
                callback=self.parse_search,
                errback=self.request_failed,
                cb_kwargs={"host": host, "categories": categories, "step": step,
                           "offset": following},
            )

    # -- listing pages --------------------------------------------------------------------------
    def parse_listing_page(self, response, host: str, categories: list[str], step: int,
                           offset: int):
        """Schedule the postings of one search-results page and follow to the next page."""
        self.count_page("listing")
        category = categories[0]
        try:
            page = parse_listing(response.body, response.url)
        except ParseError as exc:
            logger.warning("unreadable listing %s: %s", response.url, exc)
            if offset == 0:
                yield from self.fallback(host, categories, step)
            return
        candidates = [
            Candidate(e.source_id, e.url, host, None if category == ALL_JOBS else category)
            for e in page.entries
        ]
        yield from self.schedule(candidates, self.parse_posting_page)
        following = offset + len(page.entries)
        next_url = page.next_url
        if next_url is None and len(page.entries) >= LISTING_PAGE_SIZE:
            next_url = self.urls.listing(host, category, following)
        if next_url and not self._capped():
            yield scrapy.Request(
                next_url,
                callback=self.parse_listing_page,
                errback=self.request_failed,
                cb_kwargs={"host": host, "categories": categories, "step": step,
                           "offset": following},
            )

    # -- postings -------------------------------------------------------------------------------
    def parse_posting_page(self, response, host: str, category: str | None):
        """Parse one posting page into an item for the pipeline."""
        self.count_page("posting")
        parsed = parse_posting(response.body, response.url, area=host, category=category)
        yield {"parsed": parsed, "url": response.url}

    def _capped(self) -> bool:
        return self.max_postings is not None and self.scheduled >= self.max_postings


class JsonLdSpider(PolitePostingSpider):
    """Extract schema.org JobPosting data from given pages and from the pages sitemaps list."""

    name = "jsonld"
    source = "jsonld"

    def __init__(self, urls: list[str] = (), sitemaps: list[str] = (), sink=None, **kwargs):
        super().__init__(**kwargs)
        self.start_urls_ = list(urls)
        self.sitemaps = list(sitemaps)
        self.sink = sink

    async def start(self):
        """Yield the given pages (known ones skipped) and the sitemaps."""
        candidates = [Candidate(url, url, "", None) for url in self.start_urls_]
        for request in self.schedule(candidates, self.parse_page):
            yield request
        for url in self.sitemaps:
            yield scrapy.Request(url, callback=self.parse_sitemap, errback=self.request_failed)

    def parse_sitemap(self, response):
        """Follow nested sitemaps; schedule the pages a url set lists."""
        self.count_page("sitemap")
        try:
            sitemap = parse_sitemap(response.body)
        except ParseError as exc:
            self.crawler.stats.inc_value("jobatlas/errors/unreadable_sitemap")
            logger.warning("unreadable sitemap %s: %s", response.url, exc)
            return
        if sitemap.kind == "index":
            for entry in sitemap.entries:
                yield scrapy.Request(entry.loc, callback=self.parse_sitemap,
                                     errback=self.request_failed)
            return
        candidates = [Candidate(e.loc, e.loc, "", None) for e in sitemap.entries]
        yield from self.schedule(candidates, self.parse_page)

    def parse_page(self, response, host: str, category: str | None):
        """Yield one item per JobPosting on the page."""
        self.count_page("posting")
        try:
            found = extract_job_postings(response.body, response.url)
        except ParseError as exc:
            self.crawler.stats.inc_value("jobatlas/errors/unreadable_page")
            logger.warning("unreadable page %s: %s", response.url, exc)
            return
        if not found:
            self.crawler.stats.inc_value("jobatlas/pages_without_job_postings")
        for parsed in found:
            yield {"parsed": parsed, "url": response.url}


def _post_id(url: str) -> str | None:
    match = POST_ID_URL.search(url)
    return match.group(1) if match else None
