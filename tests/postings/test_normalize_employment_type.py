from __future__ import annotations

import pytest

from jobatlas.postings.clean.normalize_employment_type import (
    normalize_employment_type,
    parse_employment_type,
)
from jobatlas.postings.records import Posting


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("FULL_TIME", "FULL_TIME"),
        ("Full Time", "FULL_TIME"),
        ("full-time", "FULL_TIME"),
        ("employment type: full-time", "FULL_TIME"),
        ("FT", "FULL_TIME"),
        ("employee's choice", "FULL_TIME"),
        ("part-time", "PART_TIME"),
        ("Part Time", "PART_TIME"),
        ("PT", "PART_TIME"),
        ("contract", "CONTRACTOR"),
        ("1099 contractor", "CONTRACTOR"),
        ("Independent contractor", "CONTRACTOR"),
        ("temp to hire", "TEMPORARY"),
        ("Seasonal", "TEMPORARY"),
        ("temporary", "TEMPORARY"),
        ("Internship", "INTERN"),
        ("per diem", "PER_DIEM"),
        ("PRN", "PER_DIEM"),
        ("volunteer", "VOLUNTEER"),
        ("other", "OTHER"),
    ],
)
def test_parse_employment_type_maps_to_schema_org(text, expected):
    assert parse_employment_type(text) == expected


@pytest.mark.parametrize("text", [None, "", "  ", "banana", "great team", "software"])
def test_parse_employment_type_unknown_is_none(text):
    assert parse_employment_type(text) is None


def test_normalize_employment_type_replaces_field():
    posting = Posting("jsonld", "a", "https://example.org/a", "Cook", employment_type="Part Time")
    assert normalize_employment_type(posting).employment_type == "PART_TIME"
    assert posting.employment_type == "Part Time"  # the input is not changed
