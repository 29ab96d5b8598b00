from __future__ import annotations

import math

import pytest

from jobatlas.postings.clean.normalize_location import (
    normalize_coordinates,
    normalize_locality,
    normalize_location,
    normalize_postal_code,
    normalize_region,
)
from jobatlas.postings.records import Posting


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("CA", "CA"),
        ("ca", "CA"),
        ("California", "CA"),
        (" new york ", "NY"),
        ("D.C.", "DC"),
        ("District of Columbia", "DC"),
        ("Puerto Rico", "PR"),
        ("Texass", None),
        ("", None),
        (None, None),
    ],
)
def test_normalize_region(text, expected):
    assert normalize_region(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("94110", "94110"), ("94110-1234", "94110"), (" 02139 ", "02139"), ("9411", None),
     ("abcde", None), (None, None)],
)  # fmt: skip
def test_normalize_postal_code(text, expected):
    assert normalize_postal_code(text) == expected


@pytest.mark.parametrize(
    ("lat", "lon", "expected"),
    [
        (37.77, -122.42, (37.77, -122.42)),
        ("37.77", "-122.42", (37.77, -122.42)),
        (0, 0, (None, None)),
        (91, 10, (None, None)),
        (10, 181, (None, None)),
        (math.nan, 10, (None, None)),
        (None, None, (None, None)),
        ("north", 1, (None, None)),
    ],
)
def test_normalize_coordinates(lat, lon, expected):
    assert normalize_coordinates(lat, lon) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("(Mission District)", "Mission District"), ("  san   jose ", "san jose"), ("()", None)],
)
def test_normalize_locality(text, expected):
    assert normalize_locality(text) == expected


def _posting(**fields) -> Posting:
    return Posting("craigslist", "1", "https://example.org/1", "Cook", **fields)


def test_normalize_location_takes_city_state_zip_apart():
    posting = normalize_location(_posting(locality="Oakland, CA 94607"))
    assert (posting.locality, posting.region, posting.postal_code) == ("Oakland", "CA", "94607")


def test_normalize_location_keeps_a_conflicting_region():
    posting = normalize_location(_posting(locality="Portland, OR", region="WA"))
    assert (posting.locality, posting.region) == ("Portland, OR", "WA")


def test_normalize_location_normalizes_every_field():
    posting = normalize_location(
        _posting(locality=" (Reno) ", region="nevada", postal_code="89501-1234",
                 latitude=39.5, longitude=-119.8)
    )  # fmt: skip
    assert (posting.locality, posting.region, posting.postal_code) == ("Reno", "NV", "89501")
    assert (posting.latitude, posting.longitude) == (39.5, -119.8)
