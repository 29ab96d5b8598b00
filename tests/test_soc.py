"""SOC and O*NET-SOC code parsing."""

from __future__ import annotations

import pytest

from jobatlas.reference.files import read_csv
from jobatlas.soc import InvalidSocCode, is_soc, parse_onet_soc, parse_soc, soc_level, soc_levels


@pytest.mark.parametrize(
    ("text", "soc", "onet"),
    [
        ("53-3032", "53-3032", "53-3032.00"),
        ("533032", "53-3032", "53-3032.00"),
        ("53-3032.00", "53-3032", "53-3032.00"),
        ("53303200", "53-3032", "53-3032.00"),
        (" 53-3032 ", "53-3032", "53-3032.00"),
        ("\t15-1299.08\n", "15-1299", "15-1299.08"),
        ("15129908", "15-1299", "15-1299.08"),
        ("11-1011.03", "11-1011", "11-1011.03"),
    ],
)
def test_valid_forms(text, soc, onet):
    assert parse_soc(text) == soc
    assert parse_onet_soc(text) == onet
    assert is_soc(text)


@pytest.mark.parametrize(
    "text",
    [
        "", "   ", "53", "53-303", "53-30321", "5330321", "53-3032.0", "53-3032.000",
        "53-303200", "533032.00", "53_3032", "53 3032", "ab-cdef", "99-9999", "00-0000",
        "53-3032.0a", "53–3032",
    ],
)
def test_invalid_forms_raise_a_clear_error(text):
    with pytest.raises(InvalidSocCode, match="not a SOC code"):
        parse_soc(text)
    with pytest.raises(InvalidSocCode):
        parse_onet_soc(text)
    assert not is_soc(text)


def test_non_text_is_rejected():
    with pytest.raises(InvalidSocCode, match="must be text"):
        parse_soc(533032)  # type: ignore[arg-type]


def test_invalid_soc_code_is_a_value_error():
    assert issubclass(InvalidSocCode, ValueError)


def test_soc_levels_of_a_detailed_code():
    assert soc_levels("53-3032.00") == {
        "major": "53-0000",
        "minor": "53-3000",
        "broad": "53-3030",
        "detailed": "53-3032",
    }


@pytest.mark.parametrize(
    ("code", "minor", "broad"),
    [("15-1252", "15-1200", "15-1250"), ("51-5112", "51-5100", "51-5110")],
)
def test_soc_levels_of_renumbered_minor_groups(code, minor, broad):
    levels = soc_levels(code)
    assert (levels["minor"], levels["broad"]) == (minor, broad)


def test_soc_levels_of_group_codes():
    assert soc_levels("53-0000")["minor"] == "53-0000"
    assert soc_levels("53-3030")["broad"] == "53-3030"
    assert soc_level("53-0000") == "major"
    assert soc_level("53-3000") == "minor"
    assert soc_level("15-1200") == "minor"
    assert soc_level("53-3030") == "broad"
    assert soc_level("53-3032") == "detailed"


def test_soc_levels_agree_with_the_published_soc_2018_structure():
    structure = read_csv("soc/soc_2018_structure.csv")
    structure = structure[structure["level"] == "detailed"]
    assert len(structure) == 867
    for row in structure.itertuples():
        levels = soc_levels(row.soc_code)
        assert soc_level(row.soc_code) == "detailed"
        assert (levels["major"], levels["minor"], levels["broad"]) == (
            row.major_group,
            row.minor_group,
            row.broad_group,
        ), row.soc_code
