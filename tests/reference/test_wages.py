"""OEWS wage lookups, fallbacks to aggregates, missing and top-coded values."""

from __future__ import annotations

import pandas as pd
import pytest

from jobatlas.reference.checks import ReferenceDataError
from jobatlas.reference.wages import ANNUAL_TOP_CODE, HOURLY_TOP_CODE, WageTable, parse_oews


def test_national_wage(ref):
    wage = ref.wages.national("53-3032.00")
    assert (wage.soc, wage.match, wage.area) == ("53-3032", "exact", "0000000")
    assert wage.annual_median == 58_640
    assert wage.hourly_median == 28.19
    assert wage.employment == 2_062_040
    assert (wage.hourly_pct10, wage.hourly_pct90) == (19.3, 38.17)
    assert wage.top_coded == frozenset()


def test_state_wage_by_abbreviation_fips_or_name(ref):
    by_usps = ref.wages.state("53-3032", "CA")
    assert by_usps.area_title == "California"
    assert ref.wages.state("53-3032", "06") == by_usps
    assert ref.wages.state("53-3032", "california") == by_usps
    with pytest.raises(ValueError, match="unknown state"):
        ref.wages.state("53-3032", "XX")


def test_metro_wage_uses_cbsa(ref):
    wage = ref.wages.metro("53-3032", "41860")
    assert wage.area == "0041860"
    assert wage.area_title == "San Francisco-Oakland-Fremont, CA"
    assert wage.annual_median == 66_450
    with pytest.raises(ValueError, match="5 digits"):
        ref.wages.metro("53-3032", "4186")


def test_fallback_to_oews_aggregate_and_broad_group(ref):
    aggregate = ref.wages.state("51-2022", "CA")
    assert (aggregate.soc, aggregate.match, aggregate.requested) == ("51-2028", "aggregate",
                                                                     "51-2022")
    broad = ref.wages.national("31-1122")
    assert (broad.soc, broad.match) == ("31-1120", "broad")
    assert ref.wages.national("55-1011") is None


def test_top_coded_wages_hold_the_bound_and_are_flagged(ref):
    wage = ref.wages.state("29-1022", "AL")
    assert wage.annual_median == ANNUAL_TOP_CODE
    assert wage.hourly_median == HOURLY_TOP_CODE
    assert {"annual_median", "hourly_median"} <= wage.top_coded
    assert wage.employment == 130


def _raw(**overrides) -> pd.DataFrame:
    row = {
        "AREA": "0000000", "AREA_TITLE": "National", "OCC_CODE": "53-3032",
        "OCC_TITLE": "Truck drivers", "O_GROUP": "detailed", "FOOTNOTES": "",
        "TOT_EMP": "1,000", "H_MEAN": "20.00", "A_MEAN": "41600", "H_PCT10": "*",
        "H_PCT25": "**", "H_MEDIAN": "#", "H_PCT75": "-", "H_PCT90": "~", "A_PCT10": "30000",
        "A_PCT25": "35000", "A_MEDIAN": "-", "A_PCT75": "45000", "A_PCT90": "50000",
        "LOC_QUOTIENT": "",
    }
    row.update(overrides)
    return pd.DataFrame([row])


def test_markers_become_missing_and_hash_is_top_coded():
    wages = parse_oews(_raw(FOOTNOTES="A_MEDIAN:5;A_MEAN:4"), "test")
    row = wages.iloc[0]
    assert row["employment"] == 1000
    assert pd.isna(row["hourly_pct10"]) and pd.isna(row["hourly_pct25"])
    assert pd.isna(row["hourly_pct75"]) and pd.isna(row["hourly_pct90"])
    assert row["hourly_median"] == HOURLY_TOP_CODE
    assert row["annual_median"] == ANNUAL_TOP_CODE
    assert row["annual_mean"] == 41_600  # footnote 4 is informational only
    assert set(row["top_coded"].split(";")) == {"hourly_median", "annual_median"}
    table = WageTable(wages, wages.iloc[:0], lambda: wages.iloc[:0])
    wage = table.national("53-3032")
    assert wage.hourly_pct10 is None
    assert wage.top_coded == {"hourly_median", "annual_median"}


def test_bad_number_names_the_column():
    with pytest.raises(ReferenceDataError, match=r"oews\.csv: column 'A_PCT90', row 1: 'lots'"):
        parse_oews(_raw(A_PCT90="lots"), "oews.csv")


def test_bad_code_names_the_column_and_file_row():
    frame = pd.concat([_raw(OCC_CODE="00-0000"), _raw(OCC_CODE="53-30")], ignore_index=True)
    with pytest.raises(ReferenceDataError, match=r"column 'OCC_CODE', row 2: .*not a SOC code"):
        parse_oews(frame, "oews.csv")


def test_only_wages_are_top_coded():
    row = parse_oews(_raw(FOOTNOTES="TOT_EMP:5", H_MEDIAN="20"), "test").iloc[0]
    assert row["employment"] == 1000
    assert row["top_coded"] == ""


def test_missing_column_is_named():
    with pytest.raises(ReferenceDataError, match=r"missing column\(s\) 'A_MEDIAN'"):
        parse_oews(_raw().drop(columns=["A_MEDIAN"]), "oews.csv")
