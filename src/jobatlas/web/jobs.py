"""Background jobs that fetch today's postings for a place, and their progress page.

A job runs in this process's thread pool; its state is in the database, so whichever worker
gets the next request can report it.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, current_app, redirect, render_template, request, url_for

from jobatlas.web import jobstore
from jobatlas.web.errors import UserError
from jobatlas.web.places import nearest_area, resolve_place
from jobatlas.web.resources import Resources, resources

log = logging.getLogger(__name__)

bp = Blueprint("jobs", __name__, url_prefix="/fetch")

UNREACHABLE = (
    "The job site could not be reached just now, so no postings were fetched. "
    "Please try again later."
)
FAILED = "Something went wrong while fetching postings. Please try again later."


@bp.post("")
def start():
    job = start_job(request.form.get("location", ""))
    return redirect(url_for("jobs.show", job_id=job["id"]), code=303)


@bp.get("/<job_id>")
def show(job_id: str):
    return render_template("fetch_job.html", job=job_data(job_id))


def job_data(job_id: str) -> dict[str, Any]:
    """Return a job's state; a 404 ``UserError`` if there is no such job."""
    job = jobstore.get_job(resources().database(), job_id[:64])
    if job is None:
        raise UserError(404, "There is no such fetch job (it may have expired).")
    return jobstore.job_json(job)


def start_job(location: str) -> dict[str, Any]:
    """Queue a fetch of today's postings near ``location``, unless one is already running."""
    from jobatlas.sources.craigslist.areas import load_areas, us_areas

    place = resolve_place(location)
    if place is None:
        raise UserError(422, "Enter a ZIP code or city to fetch postings for.")
    res = resources()
    area = nearest_area(place, us_areas(load_areas(res.settings.data_dir, res.settings.cache_dir)))
    if area is None:
        raise UserError(422, f"No job site area covers {place.label}.")
    database = res.database()
    running = jobstore.active_job_for_area(database, area.hostname)
    if running is not None:
        return jobstore.job_json(running)
    job = jobstore.create_job(database, place.label, area.hostname)
    options = {
        "max_postings": current_app.config["FETCH_MAX_POSTINGS"],
        "base_url": current_app.config.get("CRAIGSLIST_BASE_URL"),
    }
    res.executor().submit(run_job, res, job["id"], area, options)
    return jobstore.job_json(job)


def run_job(res: Resources, job_id: str, area, options: dict[str, Any]) -> None:
    """Fetch and store today's postings for ``area``, recording progress on the job."""
    database = res.database()
    jobstore.update_job(
        database, job_id, status=jobstore.RUNNING, message=f"Looking at {area.description}."
    )
    try:
        summary = _crawl(res, job_id, area, options)
    except Exception:
        # Also catches CrawlError (the crawl process died); the page shows a plain message.
        log.exception("fetch job %s for %s failed", job_id, area.hostname)
        jobstore.update_job(database, job_id, status=jobstore.FAILED, message=FAILED)
        return
    if summary.pages_fetched == 0 or (summary.postings_fetched == 0 and summary.errors):
        jobstore.update_job(database, job_id, status=jobstore.FAILED, message=UNREACHABLE)
        return
    message = f"Found {summary.postings_fetched} postings; {summary.new} were new."
    jobstore.update_job(
        database, job_id, status=jobstore.DONE, message=message,
        found=summary.postings_fetched, stored=summary.stored,
    )


def _crawl(res: Resources, job_id: str, area, options: dict[str, Any]):
    from jobatlas.crawl.runner import run_craigslist_crawl
    from jobatlas.sources.craigslist.areas import ALL_JOBS

    database = res.database()

    def progress(report: dict) -> None:
        found = int(report.get("postings_fetched", 0))
        jobstore.update_job(
            database, job_id, found=found, stored=int(report.get("stored", 0)),
            message=f"Looking at {area.description}: {found} postings so far.",
        )

    base_url = options.get("base_url")
    return run_craigslist_crawl(
        res.settings, [area], [ALL_JOBS], max_postings=options["max_postings"],
        base_url=base_url, throttle=base_url is None, progress=progress,
    )
