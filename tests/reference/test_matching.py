"""Finding the OEWS / projections row for a detailed SOC code."""

from __future__ import annotations

from jobatlas.reference.matching import CodeMatch, CodeResolver
from jobatlas.reference.states import find_state

SOC_DETAILED = {"51-2021", "51-2022", "51-2023", "31-1121", "31-1122", "53-3032"}
TABLE = {"51-2021", "51-2028", "51-2020", "31-1120", "53-3032", "53-3030"}


def test_exact_match_comes_first():
    resolver = CodeResolver(TABLE, SOC_DETAILED)
    assert resolver.resolve("53-3032.00") == CodeMatch("53-3032", "53-3032", "exact")
    assert resolver.resolve("51-2021") == CodeMatch("51-2021", "51-2021", "exact")


def test_aggregate_before_broad_group():
    resolver = CodeResolver(TABLE, SOC_DETAILED)
    assert [c.code for c in resolver.candidates("51-2022")] == ["51-2028", "51-2020"]
    assert resolver.resolve("51-2022").match == "aggregate"
    assert resolver.resolve("31-1122") == CodeMatch("31-1122", "31-1120", "broad")


def test_availability_filter_and_no_match():
    resolver = CodeResolver(TABLE, SOC_DETAILED)
    assert resolver.resolve("51-2022", has=lambda code: code == "51-2020").code == "51-2020"
    assert resolver.resolve("55-1011") is None
    assert resolver.resolve("53-3032", has=lambda code: False) is None


def test_without_soc_list_no_code_counts_as_aggregate():
    resolver = CodeResolver(TABLE, ())
    assert resolver.aggregates == {}


def test_find_state():
    assert find_state("ca").name == "California"
    assert find_state("6").usps == "CA"
    assert find_state(" District of Columbia ").fips == "11"
    assert find_state("Cal") is None
