"""Scrapy settings: polite by default (robots.txt, one request per host, >= 2 s apart, backoff)."""

from __future__ import annotations

import os

from jobatlas import __version__

DEFAULT_CONTACT_URL = "https://github.com/jobatlas/jobatlas"
CONTACT_ENV = "JOBATLAS_CRAWL_CONTACT"
MIN_POLITE_DELAY = 2.0


def user_agent(contact_url: str | None = None) -> str:
    """Return the honest User-Agent: the project, its version and where to reach its operator."""
    contact = contact_url or os.environ.get(CONTACT_ENV) or DEFAULT_CONTACT_URL
    return f"jobatlas/{__version__} (+{contact}; job-posting research crawler)"


def polite_settings(contact_url: str | None = None) -> dict:
    """Return the default settings for crawling a real site."""
    return {
        "BOT_NAME": "jobatlas",
        "USER_AGENT": user_agent(contact_url),
        "ROBOTSTXT_OBEY": True,
        "COOKIES_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "CONCURRENT_REQUESTS": 8,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 1,
        # Scrapy starts this many asyncio tasks for every response's output; the item pipeline
        # is synchronous, so more only costs CPU (a quarter of an unthrottled crawl at 100).
        "CONCURRENT_ITEMS": 2,
        "DOWNLOAD_DELAY": 3.0,
        "DOWNLOAD_DELAY_JITTER": 0.5,  # each delay varies by +-50%
        "AUTOTHROTTLE_ENABLED": True,
        "AUTOTHROTTLE_START_DELAY": 5.0,
        "AUTOTHROTTLE_MAX_DELAY": 120.0,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": 1.0,
        "DOWNLOAD_TIMEOUT": 30,
        "RETRY_ENABLED": True,
        "RETRY_TIMES": 3,
        "RETRY_HTTP_CODES": [429, 500, 502, 503, 504, 522, 524, 408],
        # Exponential backoff before each retry: base * 2**(attempt - 1), capped; see middlewares.
        "JOBATLAS_RETRY_BACKOFF_BASE": 10.0,
        "JOBATLAS_RETRY_BACKOFF_MAX": 600.0,
        "DOWNLOADER_MIDDLEWARES": {
            "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
            "jobatlas.crawl.middlewares.BackoffRetryMiddleware": 550,
            "jobatlas.crawl.middlewares.BlockedHostMiddleware": 560,
        },
        "DOWNLOAD_HANDLERS": {
            "http": "jobatlas.crawl.middlewares.BlockAwareDownloadHandler",
            "https": "jobatlas.crawl.middlewares.BlockAwareDownloadHandler",
        },
        "ITEM_PIPELINES": {"jobatlas.crawl.pipelines.StorePostingsPipeline": 300},
        "LOG_LEVEL": "INFO",
        "LOG_INSTALL_ROOT_HANDLER": True,
    }


def fast_settings() -> dict:
    """Return overrides that turn throttling off, for a local test site only."""
    return {
        "DOWNLOAD_DELAY": 0,
        "DOWNLOAD_DELAY_JITTER": 0,
        "AUTOTHROTTLE_ENABLED": False,
        "CONCURRENT_REQUESTS": 32,
        "CONCURRENT_REQUESTS_PER_DOMAIN": 16,
        "JOBATLAS_RETRY_BACKOFF_BASE": 0.05,
        "JOBATLAS_RETRY_BACKOFF_MAX": 0.5,
    }


def crawl_settings(
    throttle: bool = True, contact_url: str | None = None, overrides: dict | None = None
) -> dict:
    """Return the settings for one crawl: polite defaults, unthrottled if asked, then overrides."""
    values = polite_settings(contact_url)
    if not throttle:
        values.update(fast_settings())
    values.update(overrides or {})
    return values
