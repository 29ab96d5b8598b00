"""Geography: ZIPs, cities, CBSAs and Craigslist areas with known answers."""

from __future__ import annotations

import math

import numpy as np
import pytest

from jobatlas.geo import (
    UnknownLocation,
    craigslist_area,
    get_cbsa,
    haversine_km,
    load_geo,
    normalize_city,
    resolve_location,
)


@pytest.fixture(scope="module")
def geo():
    return load_geo()


def test_zip_resolves_to_point_cbsa_and_state(geo):
    location = resolve_location("94103", geo)
    assert (location.zip, location.cbsa, location.state) == ("94103", "41860", "CA")
    assert location.cbsa_name == "San Francisco-Oakland-Fremont, CA Metro Area"
    assert location.label == "94103 (San Francisco, CA)"
    assert haversine_km(location.lat, location.lon, 37.773, -122.411) < 1


def test_zip_plus_four_and_whitespace(geo):
    assert resolve_location(" 02139-4307 ", geo).cbsa == "14460"


def test_zip_outside_any_cbsa_has_a_state_but_no_cbsa(geo):
    rural = next(z for z, (cbsa, _, _) in geo.zips.items() if cbsa is None and z in geo.points)
    location = resolve_location(rural, geo)
    assert location.cbsa is None and location.cbsa_name is None
    assert location.state


def test_po_box_zip_without_zcta_uses_its_city_point(geo):
    po_box = next(z for z, (_, city, _) in geo.zips.items() if z not in geo.points and city)
    location = resolve_location(po_box, geo)
    assert not math.isnan(location.lat)


def test_city_state(geo):
    boston = resolve_location("Boston, MA", geo)
    assert (boston.label, boston.cbsa, boston.state, boston.zip) == (
        "Boston, MA", "14460", "MA", None)
    assert haversine_km(boston.lat, boston.lon, 42.36, -71.06) < 10


@pytest.mark.parametrize(
    ("text", "cbsa"),
    [
        ("st. louis, mo", "41180"),
        ("Saint Louis, Missouri", "41180"),
        ("new york , ny", "35620"),
        ("Boston MA", "14460"),
    ],
)
def test_city_spellings(geo, text, cbsa):
    assert resolve_location(text, geo).cbsa == cbsa


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("", "empty location"),
        ("9410", "ZIP codes have 5 digits"),
        ("00000", "not a known US ZIP code"),
        ("Boston", "give a 5-digit ZIP code or 'City, ST'"),
        ("New York City", "give a 5-digit ZIP code or 'City, ST'"),
        ("Boston, ZZ", "'ZZ' is not a US state"),
        ("Atlantis, MA", "no US city named 'Atlantis' in MA"),
    ],
)
def test_unknown_locations_raise_a_clear_error(geo, text, reason):
    with pytest.raises(UnknownLocation, match=reason):
        resolve_location(text, geo)


def test_unknown_location_is_a_value_error():
    assert issubclass(UnknownLocation, ValueError)


def test_cbsa_lookup(geo):
    sf = geo.cbsa("41860")
    assert sf.metropolitan and sf.name.startswith("San Francisco")
    assert len(geo.cbsas) == 935
    with pytest.raises(UnknownLocation):
        geo.cbsa("00000")
    assert get_cbsa("14460", geo).name == "Boston-Cambridge-Newton, MA-NH Metro Area"


@pytest.mark.parametrize(
    ("name", "cbsa", "state"),
    [
        ("sfbay", "41860", "CA"),
        ("sfo", "41860", "CA"),
        ("seattle", "42660", "WA"),
        ("boston", "14460", "MA"),
        ("newyork", "35620", "NY"),
        ("washingtondc", "47900", "DC"),
        ("chicago", "16980", "IL"),
    ],
)
def test_craigslist_areas(geo, name, cbsa, state):
    area = craigslist_area(name, geo)
    assert (area.cbsa, area.state) == (cbsa, state)


def test_every_us_craigslist_area_is_mapped(geo):
    assert len(geo.areas) == 413
    unmapped = [a.hostname for a in geo.areas.values() if a.cbsa is None]
    assert "bigbend" in unmapped
    assert len(unmapped) < 20
    with pytest.raises(UnknownLocation, match="not a US Craigslist area"):
        craigslist_area("toronto", geo)


def test_haversine_km():
    assert haversine_km(0, 0, 0, 0) == 0
    # One degree of latitude is about 111.2 km.
    assert haversine_km(0, 0, 1, 0) == pytest.approx(111.2, abs=0.1)
    # San Francisco to Los Angeles is about 559 km.
    assert haversine_km(37.7749, -122.4194, 34.0522, -118.2437) == pytest.approx(559, abs=2)
    many = haversine_km(0, 0, np.array([0.0, 1.0]), np.array([0.0, 0.0]))
    assert many.shape == (2,)


def test_normalize_city():
    assert normalize_city("  St. Louis ") == "SAINT LOUIS"
    assert normalize_city("Ft Worth") == "FORT WORTH"
    assert normalize_city("Winston-Salem") == "WINSTON SALEM"
