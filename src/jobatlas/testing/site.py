"""A local stand-in for Craigslist on 127.0.0.1, built from a real recorded posting page.

It serves robots.txt, per-area sitemaps, the search JSON, listing pages (static
``cl-static-search-result`` and older ``result-row`` markup) and posting pages, for several areas.
It can inject faults: a 429 and a 500 answer (then success), a timeout, a truncated page, a
page with no body, garbage bytes, a robots.txt-disallowed posting, and a 403 "blocked" mode.
Tests, the notebook and the crawl benchmark use it; nothing here touches the network.
"""

from __future__ import annotations

import html
import json
import logging
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from urllib.parse import parse_qs, urlsplit

from jobatlas.sources.craigslist.areas import Area, load_job_categories, resolve_areas

logger = logging.getLogger(__name__)

PAGE_SIZE = 120
SEARCH_PAGE_SIZE = 360
FIRST_POST_ID = 7_900_000_000
BASE_DATE = datetime(2026, 9, 14, 16, 0, tzinfo=UTC)
DISALLOWED_SUBAREA = "nby"
RETRY_ONCE = frozenset({"429", "500", "timeout"})
FAULTS = ("429", "500", "timeout", "truncated", "no_body", "garbage", "disallowed")
# Faults whose posting is never stored: the crawl must report them instead.
UNSTORABLE = frozenset({"truncated", "garbage", "disallowed"})

TITLES = {
    "trd": ["Roofer", "Electrician Helper", "Plumber Apprentice", "HVAC Technician", "Welder",
            "Carpenter", "House Painter"],
    "lab": ["Warehouse Associate", "Mover", "Landscaping Laborer", "Construction Laborer",
            "Janitor", "Recycling Sorter"],
    "fbh": ["Line Cook", "Dishwasher", "Server", "Barista", "Prep Cook", "Bartender"],
    "trp": ["Delivery Driver", "CDL Truck Driver", "Forklift Operator", "Bus Driver"],
    "ret": ["Cashier", "Stock Associate", "Retail Sales Associate"],
    "hea": ["Home Health Aide", "Certified Nursing Assistant", "Medical Assistant"],
    "sec": ["Security Guard", "Loss Prevention Officer"],
    "csr": ["Customer Service Representative", "Call Center Agent"],
}
DUTIES = {
    "trd": "install and repair {t} work on homes and small buildings, read plans, use hand and "
           "power tools safely",
    "lab": "lift and move heavy boxes, load and unload trucks, keep the site clean and safe",
    "fbh": "prepare food, keep the kitchen clean, follow food safety rules and serve guests",
    "trp": "drive a company vehicle on local routes, load packages and keep delivery records",
    "ret": "help customers, run the register, restock shelves and keep the store tidy",
    "hea": "assist patients with daily care, record vital signs and keep rooms clean",
    "sec": "patrol the property, watch cameras, check visitors and write incident reports",
    "csr": "answer customer calls and emails, resolve problems and record orders",
}
STREETS = ["Main St", "Industrial Loop", "Harbor Rd", "Oak Ave", "Market St", "Depot Way"]
EXTRAS = [
    "Weekly pay by direct deposit.",
    "No experience needed, we train on the job.",
    "Must pass a background check and drug screen.",
    "Bilingual English and Spanish is a plus.",
    "Paid time off after ninety days.",
    "Uniform and safety boots provided.",
    "Health and dental insurance for full-time staff.",
    "Reliable transportation required.",
    "Overtime available most weeks.",
    "Family owned business, friendly crew.",
    "Start this week if you qualify.",
    "Able to stand for long periods and lift fifty pounds.",
    "Valid driver license preferred.",
    "Day and night shifts open.",
]


@dataclass(frozen=True)
class SitePosting:
    """One posting the site serves."""

    source_id: str
    area: Area
    subarea: str | None
    category: str
    category_id: int
    slug: str
    title: str
    body: str
    posted_at: datetime
    latitude: float
    longitude: float
    pay: int
    full_time: bool
    fault: str | None = None

    @property
    def path(self) -> str:
        """Return the posting page's path on the site."""
        sub = f"/{self.subarea}" if self.subarea else ""
        return f"/{self.area.hostname}{sub}/{self.category}/d/{self.slug}/{self.source_id}.html"


class LocalCraigslist:
    """The stand-in site; use as a context manager, read ``base_url`` once started.

    ``discovery`` says what each area serves: "sitemap" (everything), "search_api" (no sitemap)
    or "listing" (neither sitemap nor search JSON). ``faults`` injects one of each fault per
    site; ``blocked`` (settable while running) answers 403 to every request after
    ``block_after`` requests.
    """

    def __init__(
        self,
        areas: tuple[str, ...] = ("sfbay", "boston"),
        categories: tuple[str, ...] = ("trd", "lab", "fbh"),
        per_category: int = 6,
        discovery: dict[str, str] | None = None,
        faults: bool = True,
        blocked: bool = False,
        block_after: int = 0,
        timeout_seconds: float = 3.0,
        seed: int = 0,
    ):
        self.areas = resolve_areas(list(areas))
        self.categories = tuple(categories)
        methods = ("sitemap", "search_api", "listing")
        self.discovery = discovery or {
            a.hostname: methods[i % 3] for i, a in enumerate(self.areas)
        }
        self.blocked = blocked
        self.block_after = block_after
        self.timeout_seconds = timeout_seconds
        self.requests: Counter[str] = Counter()
        self.in_flight = 0
        self.max_in_flight = 0  # most requests served at the same moment (politeness check)
        self._lock = threading.Lock()
        self._template = resources.files("jobatlas.testing").joinpath(
            "pages/posting_2026.html"
        ).read_text(encoding="utf-8")
        self._category_ids = {c.code: c.category_id for c in load_job_categories()}
        self._descriptions = {c.code: c.description for c in load_job_categories()}
        self.postings = self._make_postings(per_category, faults, random.Random(seed))
        self._by_path = {p.path: p for p in self.postings}
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._attempts: Counter[str] = Counter()
        self._garbage = bytes(random.Random(seed + 1).randrange(256) for _ in range(4096))

    # -- lifecycle ------------------------------------------------------------------------------
    def __enter__(self) -> LocalCraigslist:
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def start(self) -> str:
        """Start serving on a free port of 127.0.0.1 and return the base URL."""
        handler = type("Handler", (_Handler,), {"site": self})
        self._server = _QuietServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self.base_url

    def stop(self) -> None:
        """Stop serving."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def base_url(self) -> str:
        """Return ``http://127.0.0.1:<port>``."""
        if self._server is None:
            raise RuntimeError("the site is not running; call start() first")
        return f"http://127.0.0.1:{self._server.server_port}"

    # -- what tests compare against -------------------------------------------------------------
    def storable(self) -> list[SitePosting]:
        """Return the postings a correct crawl stores (every fault it can recover from)."""
        return [p for p in self.postings if p.fault not in UNSTORABLE]

    def fault(self, name: str) -> SitePosting:
        """Return the posting carrying a given fault."""
        return next(p for p in self.postings if p.fault == name)

    # -- content --------------------------------------------------------------------------------
    def _make_postings(self, per_category: int, faults: bool, rnd: random.Random):
        postings = []
        number = 0
        for area_index, area in enumerate(self.areas):
            for category in self.categories:
                for i in range(per_category):
                    postings.append(self._posting(area, area_index, category, i, number, rnd))
                    number += 1
        if faults:
            postings = self._assign_faults(postings)
        return postings

    def _posting(self, area, area_index, category, i, number, rnd) -> SitePosting:
        titles = TITLES.get(category, ["General Helper", "Assistant", "Technician"])
        title = f"{titles[i % len(titles)]} needed - {rnd.choice(STREETS).split()[0]} #{number}"
        duty = DUTIES.get(category, DUTIES["lab"]).format(t=titles[i % len(titles)].lower())
        extras = " ".join(rnd.sample(EXTRAS, 4))
        body = (
            f"We are hiring a {titles[i % len(titles)].lower()} (job {number}). You will {duty}. "
            f"{extras} Shift starts at {6 + number % 10}am, {20 + number % 25} hours a week. "
            f"Reference code {rnd.getrandbits(40):x}. Apply in person or reply with experience."
        )
        subareas = [s for s in area.subareas if s != DISALLOWED_SUBAREA] or [None]
        slug = f"{area.hostname}-{title.split(' needed')[0].lower().replace(' ', '-')}"
        return SitePosting(
            source_id=str(FIRST_POST_ID + number),
            area=area,
            subarea=subareas[i % len(subareas)],
            category=category,
            category_id=self._category_ids.get(category, 0),
            slug=slug,
            title=title,
            body=body,
            posted_at=BASE_DATE - timedelta(days=number % 5, minutes=7 * number),
            latitude=round((area.latitude or 40.0) + rnd.uniform(-0.2, 0.2), 6),
            longitude=round((area.longitude or -74.0) + rnd.uniform(-0.2, 0.2), 6),
            pay=15 + number % 20,
            full_time=number % 3 != 0,
        )

    def _assign_faults(self, postings: list[SitePosting]) -> list[SitePosting]:
        """Give the first postings one fault each; the disallowed one moves to a banned path."""
        out = list(postings)
        for index, fault in enumerate(FAULTS[: len(out)]):
            subarea = DISALLOWED_SUBAREA if fault == "disallowed" else out[index].subarea
            out[index] = _replace(out[index], fault=fault, subarea=subarea)
        return out

    def robots_txt(self) -> str:
        """Return robots.txt: Craigslist's own disallowed paths plus one area subpath."""
        lines = ["User-agent: *", "Disallow: /reply", "Disallow: /fb/", "Disallow: /suggest",
                 "Disallow: /flag", "Disallow: /mf", "Disallow: /mailflag", "Disallow: /eaf"]
        lines += [f"Disallow: /{a.hostname}/{DISALLOWED_SUBAREA}/" for a in self.areas]
        return "\n".join(lines) + "\n"

    def posting_page(self, posting: SitePosting) -> bytes:
        """Return a posting page: the recorded 2026 page with this posting's values."""
        url = f"{self.base_url}{posting.path}"
        body = "" if posting.fault == "no_body" else posting.body
        text = self._template
        for old, new in self._substitutions(posting, url, body):
            text = text.replace(old, new)
        data = text.encode("utf-8")
        if posting.fault == "truncated":
            return data[: text.index('"title":')]  # cut inside the JSON-LD, like a dropped transfer
        return data

    def _substitutions(self, p: SitePosting, url: str, body: str) -> list[tuple[str, str]]:
        local = p.posted_at.astimezone(UTC)
        job = json.dumps(p.title)[1:-1]
        return [
            ("https://www.craigslist.org/view/d/staten-island-roofer-sider-and-board-ups/"
             "rfSB7va5Vn4SdEBpSiTT9g", url),
            ('"title":"Roofer"', f'"title":"{job}"'),
            ("Roofer, Sider and board ups", html.escape(p.title)),
            ('<span class="valu">Roofer</span>',
             f'<span class="valu">{html.escape(p.title)}</span>'),
            ("Looking for person who knows Roofing, siding and board ups. Other home improvement "
             "knowledge a plus.", html.escape(body)),
            ("7966147143", p.source_id),
            ("/area/newyork", f"/area/{p.area.hostname}"),
            ("Staten Island", html.escape(p.area.description)),
            ("area/newyork?", f"area/{p.area.hostname}?"),
            ("cat=trd", f"cat={p.category}"),
            ("skilled trades", self._descriptions.get(p.category, p.category)),
            ("2026-09-14T12:51:25+0000", local.strftime("%Y-%m-%dT%H:%M:%S+0000")),
            ("2026-09-14T08:51:25-0400", local.strftime("%Y-%m-%dT%H:%M:%S+0000")),
            ("2026-09-14 08:51", local.strftime("%Y-%m-%d %H:%M")),
            ("40.545969", f"{p.latitude:.6f}"),
            ("-74.229783", f"{p.longitude:.6f}"),
            ('"addressRegion":"NY"', f'"addressRegion":"{p.area.region or "NY"}"'),
            ("Compensation based on knowledge and experience", f"${p.pay} per hour"),
            ("FULL_TIME", "FULL_TIME" if p.full_time else "PART_TIME"),
            (">full-time<", ">full-time<" if p.full_time else ">part-time<"),
        ]

    def sitemap_index(self, area: Area) -> bytes:
        """Return an area's by-date-and-category sitemap index."""
        keys = sorted({(p.posted_at.date().isoformat(), p.category) for p in self._in(area)})
        items = "".join(
            f"<sitemap><loc>{self.base_url}/{area.hostname}/sitemap/date/{day}/cat/{cat}/"
            f"sitemap.xml</loc><lastmod>{day}</lastmod></sitemap>\n"
            for day, cat in keys
        )
        return _xml("sitemapindex", items)

    def sitemap_day(self, area: Area, day: str, category: str) -> bytes:
        """Return the url set of one area, day and category."""
        items = "".join(
            f"<url><loc>{self.base_url}{p.path}</loc><lastmod>{p.posted_at.isoformat()}</lastmod>"
            "</url>\n"
            for p in self._in(area)
            if p.category == category and p.posted_at.date().isoformat() == day
        )
        return _xml("urlset", items)

    def search_json(self, area_id: int, offset: int, category: str) -> bytes:
        """Return a search-JSON answer in the site's positional format."""
        area = next((a for a in self.areas if a.area_id == area_id), None)
        if area is None:
            return json.dumps({"data": {"decode": 0, "items": [], "totalResultCount": 0}}).encode()
        matches = [p for p in self._in(area) if category in ("jjj", p.category)]
        page = matches[offset : offset + SEARCH_PAGE_SIZE]
        subareas = [None, *area.subareas]
        if DISALLOWED_SUBAREA not in subareas:
            subareas.append(DISALLOWED_SUBAREA)
        locations = [0] + [[area.area_id, area.hostname, s] for s in subareas[1:]]
        locations.insert(1, [area.area_id, area.hostname])
        min_id = FIRST_POST_ID
        min_date = int(BASE_DATE.timestamp()) - 30 * 86400
        items = [
            [
                int(p.source_id) - min_id,
                int(p.posted_at.timestamp()) - min_date,
                p.category_id,
                -1,
                f"{_location_index(p, subareas)}:1~{p.latitude}~{p.longitude}",
                [6, p.slug],
                p.title,
            ]
            for p in page
        ]
        decode = {"minPostingId": min_id, "minPostedDate": min_date, "locations": locations,
                  "locationDescriptions": [0, area.description], "neighborhoods": [0]}
        data = {"decode": decode, "items": items, "totalResultCount": len(matches)}
        return json.dumps({"data": data, "errors": []}).encode()

    def listing_page(self, area: Area, category: str, offset: int) -> bytes:
        """Return a search-results page; areas alternate between the two static markups."""
        matches = [p for p in self._in(area) if category in ("jjj", p.category)]
        page = matches[offset : offset + PAGE_SIZE]
        older = self.areas.index(area) % 2 == 1
        rows = "\n".join(self._row(p, older) for p in page)
        more = offset + PAGE_SIZE < len(matches)
        if older:
            nxt = (f'<a href="/{area.hostname}/search/{category}?s={offset + PAGE_SIZE}" '
                   'class="button next">next &gt;</a>') if more else ""
            content = (f'<ul class="rows">\n{rows}\n</ul>\n<span class="totalcount">'
                       f"{len(matches)}</span>{nxt}")
        else:
            content = f'<ol class="cl-static-search-results">\n{rows}\n</ol>'
        return (f"<!DOCTYPE html><html><head><title>{area.hostname} jobs</title></head>"
                f"<body>\n{content}\n</body></html>\n").encode()

    def _row(self, p: SitePosting, older: bool) -> str:
        url = f"{self.base_url}{p.path}"
        title = html.escape(p.title)
        if older:
            return (f'<li class="result-row" data-pid="{p.source_id}"><p class="result-info">'
                    f'<time class="result-date" datetime="{p.posted_at:%Y-%m-%d %H:%M}">x</time>'
                    f'<a href="{url}" data-id="{p.source_id}" class="result-title hdrlnk">{title}'
                    "</a></p></li>")
        return (f'<li class="cl-static-search-result" title="{title}"><a href="{url}">'
                f'<div class="title">{title}</div><div class="details">'
                f'<div class="location">{html.escape(p.area.description)}</div></div></a></li>')

    def _in(self, area: Area) -> list[SitePosting]:
        return sorted(
            (p for p in self.postings if p.area == area), key=lambda p: p.posted_at, reverse=True
        )

    # -- request handling -----------------------------------------------------------------------
    def respond(self, path: str, query: dict[str, list[str]]) -> tuple[int, str, bytes, dict]:
        """Return ``(status, content type, body, headers)`` for one GET."""
        with self._lock:
            self.requests[path] += 1
            total = sum(self.requests.values())
        if self.blocked and total > self.block_after:
            return 403, "text/html", b"<html><body>Your request has been blocked.</body></html>", {}
        if path == "/robots.txt":
            return 200, "text/plain", self.robots_txt().encode(), {}
        if path == "/web/v8/postings/search/full":
            return self._search(query)
        posting = self._by_path.get(path)
        if posting is not None:
            return self._posting_response(posting)
        parts = path.strip("/").split("/")
        area = next((a for a in self.areas if parts and a.hostname == parts[0]), None)
        if area is None:
            return 404, "text/plain", b"not found", {}
        return self._area_response(area, parts[1:], query)

    def _search(self, query) -> tuple[int, str, bytes, dict]:
        batch = query.get("batch", ["0-0"])[0].split("-")
        area_id, offset = int(batch[0]), int(batch[1]) if len(batch) > 1 else 0
        area = next((a for a in self.areas if a.area_id == area_id), None)
        if area is not None and self.discovery[area.hostname] == "listing":
            return 404, "text/plain", b"not found", {}
        key = f"search:{area_id}"
        if area is not None and self.areas.index(area) == 1 and self._first(key):
            return 500, "text/plain", b"internal error", {}
        category = query.get("searchPath", ["jjj"])[0]
        return 200, "application/json", self.search_json(area_id, offset, category), {}

    def _area_response(self, area: Area, parts: list[str], query) -> tuple[int, str, bytes, dict]:
        if parts[:1] == ["sitemap"]:
            if self.discovery[area.hostname] != "sitemap":
                return 404, "text/plain", b"not found", {}
            if parts[1:] == ["index-by-date-cat.xml"]:
                return 200, "application/xml", self.sitemap_index(area), {}
            if len(parts) == 6 and parts[1] == "date" and parts[3] == "cat":
                return 200, "application/xml", self.sitemap_day(area, parts[2], parts[4]), {}
        if parts[:1] == ["search"] and len(parts) == 2:
            offset = int(query.get("s", ["0"])[0] or 0)
            return 200, "text/html; charset=utf-8", self.listing_page(area, parts[1], offset), {}
        return 404, "text/plain", b"not found", {}

    def _posting_response(self, p: SitePosting) -> tuple[int, str, bytes, dict]:
        if p.fault in RETRY_ONCE and self._first(p.path):
            if p.fault == "429":
                return 429, "text/plain", b"slow down", {"Retry-After": "0"}
            if p.fault == "500":
                return 500, "text/plain", b"internal error", {}
            time.sleep(self.timeout_seconds)
        if p.fault == "garbage":
            return 200, "text/html", self._garbage, {}
        return 200, "text/html; charset=utf-8", self.posting_page(p), {}

    def enter(self) -> None:
        """Count a request as being served."""
        with self._lock:
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)

    def leave(self) -> None:
        """Count a request as answered."""
        with self._lock:
            self.in_flight -= 1

    def _first(self, key: str) -> bool:
        with self._lock:
            self._attempts[key] += 1
            return self._attempts[key] == 1


class _Handler(BaseHTTPRequestHandler):
    site: LocalCraigslist

    def do_GET(self):  # noqa: N802 - http.server's naming
        self.site.enter()
        try:
            self._answer()
        finally:
            self.site.leave()

    def _answer(self) -> None:
        parts = urlsplit(self.path)
        status, content_type, body, headers = self.site.respond(parts.path, parse_qs(parts.query))
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the crawler gave up (timeout test); nothing to tell it

    def log_message(self, format, *args):  # noqa: A002 - http.server's signature
        logger.debug("%s %s", self.address_string(), format % args)


class _QuietServer(ThreadingHTTPServer):
    """A threaded server that logs (not prints) clients hanging up mid-request."""

    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        logger.debug("client %s went away mid-request", client_address, exc_info=True)


def _xml(root: str, items: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} '
            f'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{items}</{root}>\n').encode()


def _location_index(p: SitePosting, subareas: list[str | None]) -> int:
    # locations = [0, [area], [area, sub1], [area, sub2], ...]; index 1 is the area itself
    return 1 if p.subarea is None else subareas.index(p.subarea) + 1


def _replace(posting: SitePosting, **changes) -> SitePosting:
    from dataclasses import replace

    return replace(posting, **changes)
