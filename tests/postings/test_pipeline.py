from __future__ import annotations

from jobatlas.postings.clean.fingerprint import content_fingerprint
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
