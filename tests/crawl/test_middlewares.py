"""Backoff and the blocked-host stop, on a real Scrapy crawler object."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor

import pytest
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from jobatlas.crawl.middlewares import BackoffRetryMiddleware, BlockedHostMiddleware, HostBlocked
from jobatlas.crawl.settings import crawl_settings


@pytest.fixture
def crawler():
    return get_crawler(settings_dict=crawl_settings())


def test_backoff_doubles_and_is_capped(crawler):
    middleware = BackoffRetryMiddleware.from_crawler(crawler)
    assert [middleware.backoff(n) for n in (1, 2, 3)] == [10.0, 20.0, 40.0]
    assert middleware.backoff(20) == 600.0


def test_backoff_honours_a_longer_retry_after(crawler):
    middleware = BackoffRetryMiddleware.from_crawler(crawler)
    assert middleware.backoff(1, "120") == 120.0
    assert middleware.backoff(3, "1") == 40.0
    assert middleware.backoff(1, "Wed, 21 Oct 2026 07:28:00 GMT") == 10.0


def test_a_403_blocks_the_host_and_later_requests(crawler):
    crawler.stats.open_spider()
    middleware = BlockedHostMiddleware.from_crawler(crawler)
    request = Request("https://boston.craigslist.org/search/jjj")
    ok = HtmlResponse(request.url, status=200, request=request)
    assert middleware.process_response(request, ok) is ok

    with pytest.raises(HostBlocked):
        middleware.process_response(request, HtmlResponse(request.url, status=403))
    with pytest.raises(HostBlocked):
        middleware.process_request(Request("https://boston.craigslist.org/trd/d/x/1.html"))
    assert middleware.process_request(Request("https://sfbay.craigslist.org/")) is None
    assert crawler.stats.get_value("jobatlas/blocked/boston.craigslist.org") == 1


def test_retry_waits_before_retrying(crawler):
    crawler.settings.frozen = False
    crawler.settings.set("JOBATLAS_RETRY_BACKOFF_BASE", 0.05)
    crawler.stats.open_spider()
    middleware = BackoffRetryMiddleware.from_crawler(crawler)
    crawler.spider = crawler._create_spider("test")  # the retry helper reads spider settings
    request = Request("https://boston.craigslist.org/search/jjj")
    response = HtmlResponse(request.url, status=503, request=request)
    # A fresh thread has no running loop, even when another test (e.g. Playwright's sync API)
    # keeps one running in the main thread.
    with ThreadPoolExecutor(max_workers=1) as pool:
        retry = pool.submit(asyncio.run, middleware.process_response(request, response)).result()
    assert isinstance(retry, Request) and retry.meta["retry_times"] == 1
    assert crawler.stats.get_value("jobatlas/retry_backoff_seconds") == pytest.approx(0.05)
