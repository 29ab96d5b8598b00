"""Loaders reject malformed files with an error naming the file, column and row."""

from __future__ import annotations

import gzip
import shutil

import pytest

from jobatlas.config import PACKAGE_DATA_DIR
from jobatlas.reference import ReferenceDataError, onet, soc2018
from jobatlas.reference.files import onet_dir


@pytest.fixture
def onet_folder(tmp_path):
    folder = tmp_path / "onet" / "29.3"
    shutil.copytree(onet_dir(), folder)
    return folder


def _write(path, text: str) -> None:
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(text)


def test_missing_column_names_file_and_column(onet_folder):
    _write(onet_folder / "Job Zones.txt.gz", "O*NET-SOC Code\tTitle\tZone\n53-3032.00\tT\t2\n")
    with pytest.raises(ReferenceDataError, match=r"Job Zones.*missing column\(s\) 'Job Zone'"):
        onet.load_job_zones(onet_folder)


def test_bad_code_names_the_row(onet_folder):
    _write(
        onet_folder / "Job Zones.txt.gz",
        "O*NET-SOC Code\tTitle\tJob Zone\n53-3032.00\tT\t2\n53-30X2.00\tT\t2\n",
    )
    with pytest.raises(ReferenceDataError, match=r"column 'O\*NET-SOC Code', row 2"):
        onet.load_job_zones(onet_folder)


def test_out_of_range_job_zone(onet_folder):
    _write(onet_folder / "Job Zones.txt.gz", "O*NET-SOC Code\tTitle\tJob Zone\n53-3032.00\tT\t9\n")
    with pytest.raises(ReferenceDataError, match="outside 1-5"):
        onet.load_job_zones(onet_folder)


def test_non_numeric_rating(onet_folder):
    header = "O*NET-SOC Code\tTitle\tElement ID\tElement Name\tScale ID\tScale Name\tData Value\n"
    _write(onet_folder / "Skills.txt.gz", header + "53-3032.00\tT\t2.A.1.a\tR\tIM\tI\thigh\n")
    with pytest.raises(ReferenceDataError, match=r"Skills.*column 'Data Value', row 1: 'high'"):
        onet.load_ratings(onet_folder, "Skills")


def test_empty_table_is_rejected(onet_folder):
    _write(onet_folder / "Tools Used.txt.gz",
           "O*NET-SOC Code\tTitle\tExample\tCommodity Code\tCommodity Title\n")
    with pytest.raises(ReferenceDataError, match="0 rows"):
        onet.load_tools(onet_folder)


def test_duplicate_occupation_code(onet_folder):
    _write(onet_folder / "Occupation Data.txt.gz",
           "O*NET-SOC Code\tTitle\tDescription\n53-3032.00\tA\tx\n533032\tB\ty\n")
    with pytest.raises(ReferenceDataError, match="53-3032.00 appears twice"):
        onet.load_occupations(onet_folder)


def test_missing_table(onet_folder):
    (onet_folder / "Tasks to DWAs.txt.gz").unlink()
    with pytest.raises(FileNotFoundError, match="Tasks to DWAs"):
        onet.load_task_dwas(onet_folder)


def test_soc_structure_with_unknown_level(tmp_path):
    (tmp_path / "soc").mkdir()
    shutil.copy(PACKAGE_DATA_DIR / "soc/soc_2018_definitions.csv.gz", tmp_path / "soc")
    (tmp_path / "soc/soc_2018_structure.csv").write_text(
        "soc_code,soc_title,level,major_group,minor_group,broad_group\n"
        "53-0000,Transportation,group,53-0000,,\n"
    )
    with pytest.raises(ReferenceDataError, match=r"soc_2018_structure.*column 'level'.*'group'"):
        soc2018.load_soc_structure(tmp_path)
