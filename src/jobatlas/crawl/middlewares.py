"""Downloader middlewares: retries with exponential backoff, and a stop for hosts that block us."""

from __future__ import annotations

import asyncio
import logging
from urllib.parse import urlsplit

from scrapy.core.downloader.handlers.http11 import HTTP11DownloadHandler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.http import Request, Response

logger = logging.getLogger(__name__)

BLOCKED_STATUS = 403


class HostBlocked(IgnoreRequest):
    """Raised for every request to a host that answered 403 ("your request has been blocked")."""

    def __init__(self, host: str):
        super().__init__(f"host {host} blocked this crawler (HTTP 403); no more requests to it")
        self.host = host


def blocked_hosts(crawler) -> set[str]:
    """Return the crawl's set of blocked hosts, shared by the middleware and the handler."""
    return crawler.__dict__.setdefault("_jobatlas_blocked_hosts", set())


class BlockAwareDownloadHandler(HTTP11DownloadHandler):
    """Scrapy's HTTP handler, refusing to send anything more to a blocked host.

    Requests wait in a per-host queue after the downloader middlewares have seen them; checking
    here, at the moment of sending, stops the queued ones too.
    """

    def __init__(self, crawler):
        super().__init__(crawler)
        self.blocked = blocked_hosts(crawler)

    async def download_request(self, request: Request) -> Response:
        """Download, unless the request's host has blocked us; note a 403 at once.

        Marking the host here, before the next queued request is sent, is what keeps a burst of
        already-queued requests from reaching a host that has just blocked us.
        """
        host = urlsplit(request.url).netloc
        if host in self.blocked:
            raise HostBlocked(host)
        response = await super().download_request(request)
        if response.status == BLOCKED_STATUS:
            self.blocked.add(host)
        return response


class BackoffRetryMiddleware(RetryMiddleware):
    """Retry 429/5xx answers and timeouts like Scrapy does, but wait longer before each retry.

    The wait is ``base * 2**(attempt - 1)`` seconds capped at a maximum, or the server's
    ``Retry-After`` when that is longer (still capped).
    """

    def __init__(self, settings):
        super().__init__(settings)
        self.backoff_base = settings.getfloat("JOBATLAS_RETRY_BACKOFF_BASE", 10.0)
        self.backoff_max = settings.getfloat("JOBATLAS_RETRY_BACKOFF_MAX", 600.0)

    async def process_response(self, request: Request, response: Response) -> Request | Response:
        """Return a delayed retry request for a retryable answer, else the response."""
        result = super().process_response(request, response)
        if isinstance(result, Request):
            await self._wait(result, response)
        return result

    async def process_exception(self, request: Request, exception: Exception):
        """Return a delayed retry request for a retryable download error (timeouts...)."""
        result = super().process_exception(request, exception)
        if isinstance(result, Request):
            await self._wait(result, None)
        return result

    def backoff(self, attempt: int, retry_after: str | None = None) -> float:
        """Return the seconds to wait before retry number ``attempt`` (1-based)."""
        delay = self.backoff_base * 2 ** max(attempt - 1, 0)
        if retry_after and retry_after.strip().isdigit():
            delay = max(delay, float(retry_after.strip()))
        return min(delay, self.backoff_max)

    async def _wait(self, retry: Request, response: Response | None) -> None:
        header = response.headers.get("Retry-After") if response is not None else None
        delay = self.backoff(retry.meta.get("retry_times", 1), header.decode() if header else None)
        self.crawler.stats.inc_value("jobatlas/retry_backoff_seconds", delay)
        await asyncio.sleep(delay)


class BlockedHostMiddleware:
    """Stop crawling a host once it answers 403, and report it in the crawl stats."""

    def __init__(self, crawler):
        self.crawler = crawler
        self.blocked = blocked_hosts(crawler)
        self.reported: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler):
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        """Drop requests to hosts that have blocked us."""
        host = urlsplit(request.url).netloc
        if host in self.blocked:
            self.crawler.stats.inc_value("jobatlas/blocked_requests_dropped")
            raise HostBlocked(host)

    def process_response(self, request: Request, response: Response) -> Response:
        """Mark a host blocked on its first 403 and drop the response."""
        if response.status != BLOCKED_STATUS:
            return response
        host = urlsplit(request.url).netloc
        self.blocked.add(host)
        if host not in self.reported:
            self.reported.add(host)
            logger.error("%s answered 403 (blocked): stopping all requests to it", host)
            self.crawler.stats.set_value(f"jobatlas/blocked/{host}", 1)
        raise HostBlocked(host)
