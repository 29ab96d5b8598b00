"""The polite defaults, asserted value by value (tests elsewhere shrink them for speed)."""

from __future__ import annotations

from jobatlas import __version__
from jobatlas.crawl.settings import MIN_POLITE_DELAY, crawl_settings, polite_settings, user_agent


def test_polite_defaults():
    values = crawl_settings()
    assert values["ROBOTSTXT_OBEY"] is True
    assert values["AUTOTHROTTLE_ENABLED"] is True
    assert values["AUTOTHROTTLE_TARGET_CONCURRENCY"] <= 1.0
    assert values["CONCURRENT_REQUESTS_PER_DOMAIN"] == 1
    assert values["DOWNLOAD_DELAY"] >= MIN_POLITE_DELAY >= 2.0
    assert values["AUTOTHROTTLE_START_DELAY"] >= values["DOWNLOAD_DELAY"]
    assert values["RETRY_ENABLED"] is True
    assert {429, 500, 502, 503, 504, 408} <= set(values["RETRY_HTTP_CODES"])
    assert values["JOBATLAS_RETRY_BACKOFF_BASE"] >= 5
    assert values["COOKIES_ENABLED"] is False
    assert "jobatlas.crawl.middlewares.BlockedHostMiddleware" in values["DOWNLOADER_MIDDLEWARES"]


def test_user_agent_is_honest_and_names_a_contact(monkeypatch):
    monkeypatch.delenv("JOBATLAS_CRAWL_CONTACT", raising=False)
    assert user_agent().startswith(f"jobatlas/{__version__} (+https://")
    assert "https://example.org/ops" in user_agent("https://example.org/ops")
    monkeypatch.setenv("JOBATLAS_CRAWL_CONTACT", "mailto:ops@example.org")
    assert "mailto:ops@example.org" in polite_settings()["USER_AGENT"]


def test_unthrottled_only_when_asked_and_overrides_win():
    fast = crawl_settings(throttle=False, overrides={"DOWNLOAD_TIMEOUT": 3})
    assert fast["DOWNLOAD_DELAY"] == 0 and fast["AUTOTHROTTLE_ENABLED"] is False
    assert fast["ROBOTSTXT_OBEY"] is True  # robots.txt is obeyed even unthrottled
    assert fast["DOWNLOAD_TIMEOUT"] == 3
