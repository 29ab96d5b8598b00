from __future__ import annotations

from jobatlas.postings.clean.fingerprint import content_fingerprint, fingerprint
from jobatlas.postings.clean.normalize_compensation import normalize_compensation
from jobatlas.postings.clean.normalize_employment_type import normalize_employment_type
from jobatlas.postings.clean.normalize_location import normalize_location
from jobatlas.postings.clean.pipeline import clean_posting
from jobatlas.postings.records import Compensation, Posting


def test_clean_posting_runs_every_step():
    raw = Posting(
        source="craigslist",
        source_id="7712345678",
        url="https://sfbay.craigslist.org/eby/trd/d/oakland-forklift/7712345678.html",
        title="Forklift Driver",
        body="Day shift forklift driver for a busy warehouse.",
        compensation=Compensation(raw="$21-$24 per hour"),
        employment_type="full-time",
        locality="(Oakland, CA 94607)",
    )
    cleaned = clean_posting(raw)
    assert cleaned.compensation == Compensation("$21-$24 per hour", 21, 24, "hour")
    assert cleaned.employment_type == "FULL_TIME"
    assert (cleaned.locality, cleaned.region, cleaned.postal_code) == ("Oakland", "CA", "94607")
    assert cleaned.fingerprint == content_fingerprint(raw.title, raw.body)
    assert clean_posting(cleaned) == cleaned


def test_clean_posting_equals_the_steps_applied_one_after_another():
    # clean_posting gathers every step's changes from its input; that is only right while no
    # step reads a field another step writes.
    raw = Posting(
        source="craigslist",
        source_id="1",
        url="https://boston.craigslist.org/d/1.html",
        title="Line Cook",
        body="Grill and saute cook, weekends.",
        compensation=Compensation(raw="starting at $19/hr DOE"),
        employment_type="Part Time",
        locality="Cambridge, Massachusetts 02139",
        latitude=0.0,
        longitude=0.0,
    )
    stepwise = raw
    for step in (
        normalize_compensation,
        normalize_employment_type,
        normalize_location,
        fingerprint,
    ):
        stepwise = step(stepwise)
    assert stepwise != raw
    assert clean_posting(raw) == stepwise
