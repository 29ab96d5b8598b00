from __future__ import annotations

from jobatlas.postings.clean.fingerprint import content_fingerprint, fingerprint, normalize_text
from jobatlas.postings.records import Posting


def test_normalize_text_folds_case_numbers_punctuation_and_space():
    assert normalize_text("  Call 510-555-1234!\nPay: $18/HR  ") == "call pay hr"


def test_fingerprint_ignores_reposting_noise():
    first = content_fingerprint("Line Cook", "Pay $18/hr. Call 510-555-1234.\n\nApply today!")
    repost = content_fingerprint("LINE COOK", "pay $19/hr -- call 510 555 9999  apply today")
    assert first == repost
    assert len(first) == 32


def test_fingerprint_differs_for_different_text():
    assert content_fingerprint("Line Cook", "Grill and saute") != content_fingerprint(
        "Line Cook", "Prep and dish"
    )
    assert content_fingerprint("Cook", "") != content_fingerprint("", "Cook")


def test_fingerprint_step_sets_field():
    posting = Posting("craigslist", "1", "https://example.org/1", "Cook", "Grill work")
    assert fingerprint(posting).fingerprint == content_fingerprint("Cook", "Grill work")
    assert posting.fingerprint is None


def test_ascii_and_unicode_text_normalize_alike():
    ascii_text = "Fork_lift DRIVER, 2nd-shift: $18/hr (Oakland)"
    # A no-break space makes the text non-ASCII; NFKC turns it into a plain space.
    assert normalize_text(ascii_text) == "fork lift driver nd shift hr oakland"
    assert normalize_text(ascii_text.replace(" ", "\u00a0")) == normalize_text(ascii_text)
    assert normalize_text("ＳＴＲＡßＥ café") == "strasse café"
