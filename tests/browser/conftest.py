"""A live app on 127.0.0.1 with a seeded database, and headless Debian Chromium."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from jobatlas.config import Settings
from jobatlas.web import create_app
from web.conftest import seed_postings  # tests/ is on sys.path (rootdir import mode)

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(items):
    if CHROMIUM.exists():
        return
    reason = f"{CHROMIUM} is absent: install Debian's chromium (make browser)"
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        if "browser" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(scope="session")
def live_server(tmp_path_factory, model_cache_dir):
    """Serve the app (CSRF on, as in production) from a thread; yield its base URL."""
    database_url = f"sqlite:///{tmp_path_factory.mktemp('live') / 'live.sqlite3'}"
    seed_postings(database_url)
    app = create_app({
        "SETTINGS": Settings(database_url=database_url, cache_dir=model_cache_dir),
        "SECRET_KEY": "browser-tests",
        "RATELIMIT_ENABLED": False,
        "CRAIGSLIST_BASE_URL": "http://127.0.0.1:9",
    })
    # The model loads on the first results page (trained into the session cache if absent).
    app.extensions["jobatlas"].database()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()
    app.extensions["jobatlas"].database().dispose()


@pytest.fixture(scope="session")
def chromium():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def new_page(chromium):
    """Return a factory of pages, each in its own browser context (options as keywords)."""
    contexts = []

    def make(**options):
        context = chromium.new_context(**options)
        # The first results page may wait for the model to be trained into the test cache.
        context.set_default_timeout(600_000)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def page(new_page):
    return new_page()
