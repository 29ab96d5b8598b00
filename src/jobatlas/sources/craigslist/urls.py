"""Build Craigslist URLs for the live site or for a stand-in site under one base URL (tests).

Live: ``https://<area>.craigslist.org/search/<cat>``, ``https://sapi.craigslist.org/web/v8/...``,
``https://<area>.craigslist.org/sitemap/index-by-date-cat.xml``. With a base URL every area
lives below ``<base>/<area>/`` and the search JSON below ``<base>/web/v8/...``.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from jobatlas.sources.craigslist.search_api import PAGE_SIZE, SearchItem

SEARCH_PATH = "/web/v8/postings/search/full"
LIVE_SEARCH_HOST = "https://sapi.craigslist.org"
LIVE_WWW = "https://www.craigslist.org"


@dataclass(frozen=True)
class CraigslistUrls:
    """URL scheme for one crawl; ``base_url`` None means the live site."""

    base_url: str | None = None

    def area_root(self, hostname: str) -> str:
        """Return the root of an area's site."""
        if self.base_url:
            return f"{self.base_url.rstrip('/')}/{hostname}"
        return f"https://{hostname}.craigslist.org"

    def listing(self, hostname: str, category: str, offset: int = 0) -> str:
        """Return a search-results page (the no-JavaScript list) for one category."""
        url = f"{self.area_root(hostname)}/search/{category}"
        return f"{url}?s={offset}" if offset else url

    def sitemap_index(self, hostname: str) -> str:
        """Return an area's by-date-and-category sitemap index."""
        return f"{self.area_root(hostname)}/sitemap/index-by-date-cat.xml"

    def search_api(self, area_id: int, category: str, offset: int = 0) -> str:
        """Return the search-JSON URL for one area and category, ``PAGE_SIZE`` items from offset."""
        host = self.base_url.rstrip("/") if self.base_url else LIVE_SEARCH_HOST
        query = {
            "batch": f"{area_id}-{offset}-{PAGE_SIZE}-0-0",
            "cc": "US",
            "lang": "en",
            "searchPath": category,
        }
        return f"{host}{SEARCH_PATH}?{urlencode(query)}"

    def posting(self, item: SearchItem, fallback_host: str, category: str) -> str:
        """Return a posting's page URL from a decoded search item."""
        slug = item.slug or "posting"
        if item.token and not self.base_url:
            return f"{LIVE_WWW}/view/d/{slug}/{item.token}"
        cat = item.category or category
        sub = f"/{item.subarea}" if item.subarea else ""
        root = self.area_root(item.hostname or fallback_host)
        return f"{root}{sub}/{cat}/d/{slug}/{item.source_id}.html"
