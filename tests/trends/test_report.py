"""Posting intensity: the per-place employment table agrees with the wage lookups code by code."""

import pytest

from jobatlas.reference import load_reference
from jobatlas.trends.report import Place, intensity


def _lookup(wages, place: Place, code: str):
    """Return employment the way a single wage lookup finds it (exact SOC matches only)."""
    try:
        if place.geo_level == "nation":
            wage = wages.national(code)
        elif place.cbsa:
            wage = wages.metro(code, place.cbsa)
        else:
            wage = wages.state(code, place.state)
    except ValueError:
        return None
    if wage is None or not wage.employment or wage.match != "exact":
        return None
    return wage.employment


@pytest.mark.parametrize(
    "place",
    [
        Place("nation", "US", "United States"),
        Place("area", "chicago", "Chicago", cbsa="16980", state="IL"),
        Place("cbsa", "41860", "San Francisco", cbsa="41860", state="CA"),
        Place("state", "WY", "WY", state="WY"),
        Place("state", "ZZ", "ZZ", state="ZZ"),
    ],
)
def test_intensity_matches_the_wage_lookup_for_every_code(place):
    reference = load_reference()
    codes = sorted(set(reference.wages.national_frame["code"]) | {"all", "53-3032", "99-9999"})
    found = 0
    for code in codes:
        employment = _lookup(reference.wages, place, "00-0000" if code == "all" else code)
        expected = None if employment is None else round(120 / employment * 1000, 3)
        assert intensity(120, code, place, reference) == expected, code
        found += expected is not None
    assert found == 0 if place.geo == "ZZ" else found > 100  # ZZ: no such state
