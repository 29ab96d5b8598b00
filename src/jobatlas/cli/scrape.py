"""``jobatlas scrape``: crawl Craigslist job postings or schema.org JobPosting pages into storage.

Crawling is polite by default (robots.txt, one request at a time per host, >= 2 s apart,
backoff on 429/5xx, a stop on 403). Complying with each site's terms of use is the operator's
responsibility.
"""

from __future__ import annotations

import contextlib
import os

import click

BASE_URL_ENV = "JOBATLAS_CRAWL_BASE_URL"
DISCOVERY_CHOICES = ("sitemap", "search_api", "listing")


@click.group()
def scrape() -> None:
    """Crawl job postings into the database (polite by default; mind each site's terms)."""


@scrape.command()
@click.option("--areas", default="sfbay", show_default=True,
              help="Comma-separated area hostnames or abbreviations (sfbay,boston), or 'all' US.")
@click.option("--categories", default="all", show_default=True,
              help="Comma-separated job category codes (trd,lab), or 'all' (= jjj).")
@click.option("--max-postings", type=click.IntRange(min=1), default=None,
              help="Fetch at most this many posting pages in this run.")
@click.option("--base-url", envvar=BASE_URL_ENV, default=None,
              help=f"Crawl a stand-in site at this URL instead of Craigslist (env {BASE_URL_ENV}).")
@click.option("--discovery", default=",".join(DISCOVERY_CHOICES), show_default=True,
              help="Discovery methods to try, in order.")
@click.option("--no-throttle", is_flag=True,
              help="Turn delays off; only allowed with --base-url (a local test site).")
@click.option("--contact", default=None,
              help="Contact URL or mailto: put in the User-Agent (env JOBATLAS_CRAWL_CONTACT).")
@click.option("--no-classify", is_flag=True, help="Store postings without occupation codes.")
@click.option("--jobdir", type=click.Path(file_okay=False), default=None,
              help="Keep Scrapy's queue here so an interrupted crawl resumes exactly.")
def craigslist(areas, categories, max_postings, base_url, discovery, no_throttle, contact,
               no_classify, jobdir) -> None:
    """Crawl Craigslist job postings for areas and categories, then print a summary."""
    from jobatlas.config import Settings
    from jobatlas.crawl.runner import run_craigslist_crawl
    from jobatlas.sources.craigslist.areas import load_areas, resolve_areas, resolve_categories

    if no_throttle and not base_url:
        raise click.ClickException("--no-throttle is only allowed with --base-url (a test site)")
    methods = tuple(m.strip() for m in discovery.split(",") if m.strip())
    bad = [m for m in methods if m not in DISCOVERY_CHOICES]
    if bad or not methods:
        raise click.ClickException(f"unknown discovery method(s) {bad or discovery!r}; "
                                   f"choose from {', '.join(DISCOVERY_CHOICES)}")
    settings = Settings.from_env()
    try:
        chosen = resolve_areas(areas, load_areas(settings.data_dir, settings.cache_dir))
        codes = resolve_categories(categories, settings.data_dir)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    with _progress(max_postings) as report, _crawl_errors():
        summary = run_craigslist_crawl(
            settings, chosen, codes, max_postings, base_url=base_url, throttle=not no_throttle,
            progress=report, discovery=methods, contact_url=contact,
            classifier=None if no_classify else "engine", jobdir=jobdir,
        )
    _print_summary(summary)


@scrape.command()
@click.argument("urls", nargs=-1)
@click.option("--sitemap", "sitemaps", multiple=True,
              help="Also crawl the pages this sitemap (or sitemap index) lists; repeatable.")
@click.option("--max-postings", type=click.IntRange(min=1), default=None,
              help="Fetch at most this many pages.")
@click.option("--no-throttle", is_flag=True, help="Turn delays off (local test sites only).")
@click.option("--no-classify", is_flag=True, help="Store postings without occupation codes.")
def url(urls, sitemaps, max_postings, no_throttle, no_classify) -> None:
    """Store the schema.org JobPosting data (JSON-LD or microdata) found on careers pages."""
    from jobatlas.config import Settings
    from jobatlas.crawl.runner import run_jsonld_crawl

    if not urls and not sitemaps:
        raise click.ClickException("give at least one URL or --sitemap URL")
    bad = [u for u in (*urls, *sitemaps) if not u.startswith(("http://", "https://"))]
    if bad:
        raise click.ClickException(f"not an http(s) URL: {bad[0]}")
    with _progress(max_postings) as report, _crawl_errors():
        summary = run_jsonld_crawl(
            Settings.from_env(), list(urls), list(sitemaps), max_postings,
            throttle=not no_throttle, progress=report,
            classifier=None if no_classify else "engine",
        )
    _print_summary(summary)


@scrape.command()
@click.option("--refresh", is_flag=True,
              help="Fetch https://reference.craigslist.org/Areas and cache it.")
@click.option("--url", "source_url", default=None, help="Fetch the reference from this URL.")
def areas(refresh: bool, source_url: str | None) -> None:
    """List the US Craigslist areas (from the refreshed cache if any, else as shipped)."""
    import requests

    from jobatlas.config import Settings
    from jobatlas.sources.craigslist.areas import AREAS_URL, load_areas, refresh_areas, us_areas

    settings = Settings.from_env()
    if refresh:
        try:
            path = refresh_areas(settings.cache_dir, source_url or AREAS_URL)
        except (requests.RequestException, ValueError) as exc:
            raise click.ClickException(f"could not refresh the area reference: {exc}") from exc
        click.echo(f"cached the area reference in {path}")
    found = us_areas(load_areas(settings.data_dir, settings.cache_dir))
    for area in found:
        click.echo(f"{area.hostname:<18} {area.abbreviation:<6} {area.region or '':<3} "
                   f"{area.description}")
    click.echo(f"{len(found)} US areas")


@contextlib.contextmanager
def _crawl_errors():
    from jobatlas.crawl.runner import CrawlError

    try:
        yield
    except CrawlError as exc:
        last = str(exc).strip().splitlines()[-1] if str(exc).strip() else "crawl failed"
        raise click.ClickException(f"crawl failed: {last}") from exc


@contextlib.contextmanager
def _progress(total: int | None):
    """Yield a progress callback drawing a bar on stderr (plain when not a terminal)."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    console = Console(stderr=True)
    columns = [TextColumn("postings"), BarColumn(), MofNCompleteColumn(),
               TextColumn("{task.fields[detail]}")]
    with Progress(*columns, console=console, disable=not console.is_terminal
                  or bool(os.environ.get("JOBATLAS_NO_PROGRESS"))) as bar:
        task = bar.add_task("crawl", total=total, detail="")

        def report(event: dict) -> None:
            bar.update(task, completed=event.get("postings_fetched", 0),
                       detail=f"{event.get('pages', 0)} pages, {event.get('stored', 0)} stored")

        yield report


def _print_summary(summary) -> None:
    click.echo(f"pages fetched:     {summary.pages_fetched}")
    click.echo(f"postings fetched:  {summary.postings_fetched}")
    click.echo(f"postings new:      {summary.new}")
    click.echo(f"postings updated:  {summary.updated}")
    click.echo(f"postings duplicate:{summary.duplicate:>4}")
    click.echo(f"skipped (stored):  {summary.skipped_known}")
    click.echo(f"parse failures:    {summary.parse_failures}")
    if summary.missing_fields:
        fields = ", ".join(f"{k} {v}" for k, v in sorted(summary.missing_fields.items()))
        click.echo(f"fields not found:  {fields}")
    if summary.errors:
        errors = ", ".join(f"{k} {v}" for k, v in sorted(summary.errors.items()))
        click.echo(f"errors:            {errors}")
    if summary.blocked_hosts:
        click.echo(f"BLOCKED (403), stopped: {', '.join(summary.blocked_hosts)}")
    click.echo(f"finished:          {summary.finish_reason} in {summary.elapsed_seconds:.1f} s")
