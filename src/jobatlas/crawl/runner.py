"""Run a crawl from library code: each crawl runs Scrapy in its own spawned process.

Twisted's reactor can start only once per process, so a crawl never runs in the caller's process;
tests, the CLI and the web app's background job can therefore start as many crawls as they like.
Progress and the final summary come back over a queue. Classification runs in a second
process (:mod:`jobatlas.crawl.classification`), so crawling and classifying use two cores.
"""

from __future__ import annotations

import logging
import multiprocessing
import queue
import shutil
import time
import traceback
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from jobatlas.config import Settings
from jobatlas.crawl.classification import ClassifierFactory
from jobatlas.sources.craigslist.areas import Area

logger = logging.getLogger(__name__)

Progress = Callable[[dict], None]
PROGRESS_INTERVAL = 0.25


class CrawlError(RuntimeError):
    """Raised when the crawl process fails or dies."""


@dataclass
class CrawlSummary:
    """What one crawl did."""

    pages_fetched: int = 0
    postings_fetched: int = 0
    new: int = 0
    updated: int = 0
    duplicate: int = 0
    skipped_known: int = 0
    classified: int = 0
    parse_failures: int = 0
    missing_fields: dict[str, int] = field(default_factory=dict)
    errors: dict[str, int] = field(default_factory=dict)
    retries: int = 0
    blocked_hosts: list[str] = field(default_factory=list)
    store_errors: int = 0
    finish_reason: str = ""
    elapsed_seconds: float = 0.0
    cpu_seconds: float = 0.0  # CPU time of the crawl process (fetch, parse, store)
    classify_cpu_seconds: float = 0.0  # CPU time of the classifying process
    classify_wait_seconds: float = 0.0  # from the last page to the last posting classified

    @property
    def stored(self) -> int:
        """Return how many postings were written."""
        return self.new + self.updated + self.duplicate


@dataclass
class CrawlSpec:
    """Everything the crawl process needs (picklable)."""

    kind: str  # "craigslist" or "jsonld"
    settings: Settings
    spider_kwargs: dict
    scrapy_settings: dict
    classifier: ClassifierFactory | str | None = "engine"
    batch_size: int = 200
    jobdir: str | None = None


def engine_classifier(settings: Settings) -> tuple[Callable, str | None]:
    """Load the trained occupation engine and return its batch classifier and version."""
    from jobatlas.engine import load_engine

    engine = load_engine(settings)
    # The crawl stores codes and scores only, so the evidence words are not worked out.
    def classify(texts):
        return engine.classify_many(texts, top_k=3, with_evidence=False)

    return classify, engine.model_version


def run_craigslist_crawl(
    settings: Settings,
    areas: list[Area],
    categories: list[str],
    max_postings: int | None = None,
    base_url: str | None = None,
    throttle: bool = True,
    progress: Progress | None = None,
    **options,
) -> CrawlSummary:
    """Crawl Craigslist job postings into the database and return a summary.

    ``base_url`` points the crawler at a stand-in site (tests, benchmarks); ``throttle=False``
    turns the polite delays off and is meant only for such a site. Other options:
    ``discovery`` (method order), ``scrapy_settings`` (overrides), ``classifier``
    (``"engine"``, None, or a picklable factory), ``contact_url``, ``jobdir``, ``batch_size``.
    """
    job = start_craigslist_crawl(
        settings, areas, categories, max_postings, base_url, throttle, **options
    )
    return job.wait(progress)


def start_craigslist_crawl(
    settings: Settings,
    areas: list[Area],
    categories: list[str],
    max_postings: int | None = None,
    base_url: str | None = None,
    throttle: bool = True,
    *,
    discovery: tuple[str, ...] | None = None,
    **options,
) -> CrawlJob:
    """Start a Craigslist crawl in a child process and return its handle."""
    from jobatlas.crawl.spiders import DISCOVERY_METHODS

    spider_kwargs = {
        "areas": list(areas),
        "categories": list(categories),
        "base_url": base_url,
        "discovery": tuple(discovery or DISCOVERY_METHODS),
        "max_postings": max_postings,
    }
    return _start("craigslist", settings, spider_kwargs, throttle, **options)


def run_jsonld_crawl(
    settings: Settings,
    urls: list[str] = (),
    sitemaps: list[str] = (),
    max_postings: int | None = None,
    throttle: bool = True,
    progress: Progress | None = None,
    **options,
) -> CrawlSummary:
    """Fetch pages (and the pages sitemaps list), store the JobPostings they carry."""
    spider_kwargs = {"urls": list(urls), "sitemaps": list(sitemaps), "max_postings": max_postings}
    return _start("jsonld", settings, spider_kwargs, throttle, **options).wait(progress)


def _start(
    kind: str,
    settings: Settings,
    spider_kwargs: dict,
    throttle: bool,
    *,
    scrapy_settings: dict | None = None,
    classifier: ClassifierFactory | str | None = "engine",
    contact_url: str | None = None,
    jobdir: str | Path | None = None,
    batch_size: int = 200,
) -> CrawlJob:
    from jobatlas.crawl.settings import crawl_settings
    from jobatlas.storage import upgrade

    upgrade(settings.database_url)  # fail here, clearly, rather than inside the child
    spec = CrawlSpec(
        kind=kind,
        settings=settings,
        spider_kwargs=spider_kwargs,
        scrapy_settings=crawl_settings(throttle, contact_url, scrapy_settings),
        classifier=classifier,
        batch_size=batch_size,
        jobdir=str(jobdir) if jobdir else None,
    )
    context = multiprocessing.get_context("spawn")
    events = context.Queue()
    process = context.Process(target=crawl_process_main, args=(spec, events), daemon=False)
    process.start()
    return CrawlJob(process, events)


class CrawlJob:
    """A crawl running in a child process."""

    def __init__(self, process, events):
        self.process = process
        self.events = events
        self.last_progress: dict = {}
        self.summary: CrawlSummary | None = None

    @property
    def running(self) -> bool:
        """Return True while the crawl process is alive."""
        return self.process.is_alive()

    def poll(self, progress: Progress | None = None, timeout: float = 0.0) -> CrawlSummary | None:
        """Handle waiting events; return the summary once the crawl is done."""
        deadline = time.monotonic() + timeout
        while self.summary is None:
            try:
                kind, payload = self.events.get(timeout=max(deadline - time.monotonic(), 0.01))
            except queue.Empty:
                if not self.process.is_alive() and self.events.empty():
                    self.process.join()
                    code = self.process.exitcode
                    raise CrawlError(f"crawl process exited with code {code}") from None
                if time.monotonic() >= deadline:
                    return None
                continue
            if kind == "progress":
                self.last_progress = payload
                if progress:
                    progress(payload)
            elif kind == "error":
                self.process.join()
                raise CrawlError(payload)
            else:
                self.summary = CrawlSummary(**payload)
        self.process.join()
        return self.summary

    def wait(self, progress: Progress | None = None) -> CrawlSummary:
        """Block until the crawl ends; call ``progress`` with each progress report."""
        while True:
            summary = self.poll(progress, timeout=1.0)
            if summary is not None:
                return summary

    def terminate(self) -> None:
        """Ask the crawl to stop (SIGTERM: Scrapy closes down, storing what it has)."""
        self.process.terminate()

    def kill(self) -> None:
        """Kill the crawl at once (as a crash or power cut would)."""
        self.process.kill()
        self.process.join()


def crawl_process_main(spec: CrawlSpec, events) -> None:
    """Run one crawl in this (child) process and report over ``events``."""
    try:
        summary = _crawl(spec, events)
    except BaseException:  # the parent must hear about any failure, whatever it is
        events.put(("error", traceback.format_exc()))
        raise
    events.put(("done", asdict(summary)))


def _crawl(spec: CrawlSpec, events) -> CrawlSummary:
    from scrapy import signals
    from scrapy.crawler import CrawlerProcess

    from jobatlas.crawl.sink import PostingSink
    from jobatlas.storage import PostingRepository, make_engine

    started = time.monotonic()
    engine = make_engine(spec.settings.database_url)
    repository = PostingRepository(engine)
    background = _background_classifier(spec, repository)
    reporter = _ProgressReporter(events)
    sink = PostingSink(
        repository, batch_size=spec.batch_size, on_flush=reporter.flushed, background=background
    )
    scrapy_settings = dict(spec.scrapy_settings)
    if spec.jobdir:
        scrapy_settings["JOBDIR"] = spec.jobdir
    process = CrawlerProcess(scrapy_settings)
    spider_class, kwargs = _spider(spec, repository)
    crawler = process.create_crawler(spider_class)
    reporter.attach(crawler, sink, signals)
    process.crawl(crawler, sink=sink, **kwargs)
    process.start()
    fetched = time.monotonic()
    sink.finish()
    engine.dispose()
    stats = crawler.stats.get_stats()
    if spec.jobdir and stats.get("finish_reason") == "finished":
        shutil.rmtree(spec.jobdir, ignore_errors=True)  # done: a later run starts afresh
    summary = summarize(stats, sink, time.monotonic() - started)
    summary.cpu_seconds = round(time.process_time(), 3)
    summary.classify_cpu_seconds = background.cpu_seconds if background else 0.0
    summary.classify_wait_seconds = round(time.monotonic() - fetched, 3)
    return summary


def _spider(spec: CrawlSpec, repository) -> tuple[type, dict]:
    from jobatlas.crawl.spiders import CraigslistSpider, JsonLdSpider
    from jobatlas.sources.craigslist.areas import category_codes
    from jobatlas.sources.craigslist.urls import CraigslistUrls

    kwargs = dict(spec.spider_kwargs)
    if spec.kind == "craigslist":
        kwargs["urls"] = CraigslistUrls(kwargs.pop("base_url"))
        kwargs["category_codes"] = category_codes(spec.settings.data_dir)
        kwargs["known"] = lambda ids: repository.known_ids("craigslist", ids)
        return CraigslistSpider, kwargs
    kwargs["known"] = lambda ids: repository.known_ids("jsonld", ids)
    return JsonLdSpider, kwargs


def _background_classifier(spec: CrawlSpec, repository):
    from jobatlas.crawl.classification import BackgroundClassifier

    if spec.classifier is None:
        return None
    factory = engine_classifier if spec.classifier == "engine" else spec.classifier
    # Postings stored before now and still unclassified (an interrupted crawl) are swept up.
    return BackgroundClassifier(spec.settings, factory, pending_up_to=repository.last_id()).start()


def summarize(stats: dict, sink, elapsed: float) -> CrawlSummary:
    """Build the summary from Scrapy's stats and the sink's counters."""
    counts = sink.counts
    errors = {
        key.split("/", 2)[2]: value
        for key, value in stats.items()
        if key.startswith("jobatlas/errors/")
    }
    return CrawlSummary(
        pages_fetched=stats.get("downloader/response_count", 0),
        postings_fetched=stats.get("jobatlas/pages/posting", 0),
        new=counts.new,
        updated=counts.updated,
        duplicate=counts.duplicate,
        skipped_known=stats.get("jobatlas/postings_skipped_known", 0),
        classified=counts.classified,
        parse_failures=counts.parse_failures,
        missing_fields=dict(counts.missing_fields),
        errors=errors,
        retries=stats.get("retry/count", 0),
        blocked_hosts=sorted(
            key.split("/", 2)[2] for key in stats if key.startswith("jobatlas/blocked/")
        ),
        store_errors=counts.store_errors,
        finish_reason=str(stats.get("finish_reason", "")),
        elapsed_seconds=round(elapsed, 3),
    )


class _ProgressReporter:
    """Send progress (pages, postings stored...) to the parent at most every 0.25 s."""

    def __init__(self, events):
        self.events = events
        self.crawler = None
        self.sink = None
        self.last = 0.0

    def attach(self, crawler, sink, signals) -> None:
        self.crawler, self.sink = crawler, sink
        crawler.signals.connect(self.tick, signal=signals.response_received)

    def tick(self, *args, **kwargs) -> None:
        now = time.monotonic()
        if now - self.last >= PROGRESS_INTERVAL:
            self.last = now
            self.send()

    def flushed(self, _counts) -> None:
        self.send()

    def send(self) -> None:
        if self.crawler is None:
            return
        stats = self.crawler.stats
        counts = self.sink.counts
        self.events.put(
            (
                "progress",
                {
                    "pages": stats.get_value("downloader/response_count", 0),
                    "postings_fetched": stats.get_value("jobatlas/pages/posting", 0),
                    "stored": counts.new + counts.updated + counts.duplicate,
                    "new": counts.new,
                    "parse_failures": counts.parse_failures,
                },
            )
        )
