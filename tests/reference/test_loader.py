"""The typed reference tables loaded from the shipped files."""

from __future__ import annotations

import pandas as pd
import pytest

from jobatlas.reference import build_reference
from jobatlas.soc import parse_onet_soc


def test_occupations(ref):
    occupations = ref.occupations
    assert len(occupations) == 1016
    assert occupations.index.name == "code"
    assert int(occupations["data_level"].sum()) == 923
    truck = occupations.loc["53-3032.00"]
    assert truck["title"] == "Heavy and Tractor-Trailer Truck Drivers"
    assert truck["soc"] == "53-3032"
    assert truck["job_zone"] == 2
    assert str(occupations["job_zone"].dtype) == "Int64"
    assert occupations["job_zone"].isna().sum() == 1016 - 923


def test_every_table_uses_normalized_codes(ref):
    for name in ("alternate_titles", "reported_titles", "tasks", "task_dwas",
                 "technology_skills", "tools", "skills", "knowledge", "related", "education"):
        codes = getattr(ref, name)["code"]
        assert set(codes) <= set(ref.occupations.index), name
        assert all(parse_onet_soc(code) == code for code in codes.unique()[:50]), name


@pytest.mark.parametrize(
    ("name", "rows", "columns"),
    [
        ("alternate_titles", 56560, ["code", "title", "short_title"]),
        ("reported_titles", 7796, ["code", "title", "shown_in_my_next_move"]),
        ("tasks", 18796, ["code", "task_id", "task", "task_type"]),
        ("task_dwas", 23233, ["code", "task_id", "dwa_id", "dwa_title"]),
        ("technology_skills", 32681,
         ["code", "example", "commodity_code", "commodity_title", "hot", "in_demand"]),
        ("tools", 41662, ["code", "example", "commodity_code", "commodity_title"]),
        ("related", 18460, ["code", "related_code", "tier", "index"]),
        ("crosswalk", 1016, ["code", "soc", "onet_title", "soc_title"]),
        ("direct_match_titles", 6520, ["soc", "soc_title", "title", "illustrative"]),
    ],
)
def test_table_shapes(ref, name, rows, columns):
    table = getattr(ref, name)
    assert len(table) == rows
    assert list(table.columns) == columns


def test_skills_and_knowledge_pivot_importance_and_level(ref):
    skills = ref.skills
    assert list(skills.columns) == ["code", "element_id", "name", "importance", "level"]
    assert len(skills) == 61530 // 2
    reading = skills[(skills["code"] == "11-1011.00") & (skills["element_id"] == "2.A.1.a")]
    assert reading[["importance", "level"]].to_numpy().tolist() == [[4.12, 4.62]]
    assert skills["importance"].between(1, 5).all()
    assert ref.knowledge["level"].between(0, 7).all()


def test_job_zone_reference_and_education(ref):
    assert list(ref.job_zone_reference.index) == [1, 2, 3, 4, 5]
    assert ref.job_zone_reference.loc[1, "name"].startswith("Job Zone One")
    education = ref.education.set_index("code")
    assert education.loc["11-1011.00", "education"] == "Master's Degree"
    assert education.loc["11-1011.00", "category"] == 8
    assert education["category"].between(1, 12).all()
    assert education["education"].ne("").all()


def test_tasks_flags_and_related(ref):
    assert set(ref.tasks["task_type"]) <= {"Core", "Supplemental", ""}
    assert ref.technology_skills["hot"].dtype == bool
    first = ref.related[ref.related["code"] == "11-1011.00"].iloc[0]
    assert (first["related_code"], first["tier"], first["index"]) == (
        "11-1021.00", "Primary-Short", 1)


def test_soc_structure_crosswalk_and_direct_match(ref):
    structure = ref.soc_structure
    assert structure["level"].value_counts().to_dict() == {
        "detailed": 867, "broad": 459, "minor": 98, "major": 23}
    assert structure.loc["53-3032", "broad_group"] == "53-3030"
    assert structure.loc["53-3032", "definition"].startswith("Drive a tractor-trailer")
    assert set(ref.crosswalk["soc"]) == set(structure.index[structure["level"] == "detailed"])
    titles = ref.direct_match_titles
    assert titles.loc[titles["title"] == "CEO", "soc"].tolist() == ["11-1011"]


def test_projections(ref):
    row, found = ref.projection("53-3032.00")
    assert found.match == "exact"
    assert row["employment_2024"] == 2_235_100
    assert row["openings"] == 237_600
    assert row["median_wage"] == 57_440
    assert row["education"] == "Postsecondary nondegree award"
    assert row["separations_rate"] == 10.0


def test_projection_falls_back_to_the_matrix_aggregate(ref):
    row, found = ref.projection("31-1122")
    assert (found.code, found.match) == ("31-1120", "broad")
    assert row["title"] == "Home health and personal care aides"
    _, found = ref.projection("51-2023")
    assert (found.code, found.match) == ("51-2028", "aggregate")
    assert ref.projection("55-1011") is None  # military occupations are not projected


def test_projection_top_coded_wage(ref):
    top = ref.projections[ref.projections["median_wage_top_coded"]]
    assert len(top) == 19
    assert (top["median_wage"] == 239_200).all()


def test_the_cache_returns_identical_tables(ref, reference_cache):
    files = list(reference_cache.rglob("*.parquet"))
    assert {f.name.split("-")[0] for f in files} >= {"occupations", "skills", "oews_state"}
    again = build_reference(onet_folder=ref.onet_dir, cache_root=reference_cache)
    pd.testing.assert_frame_equal(again.occupations, ref.occupations)
    pd.testing.assert_frame_equal(again.skills, ref.skills)
    pd.testing.assert_frame_equal(again.projections, ref.projections)
