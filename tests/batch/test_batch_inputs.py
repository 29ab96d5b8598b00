"""Finding and reading batch input partitions."""

from __future__ import annotations

import gzip
import json

import pandas as pd
import pytest

from jobatlas.batch.inputs import (
    InputError,
    RowError,
    detect_format,
    find_partitions,
    partition_name,
    read_partition,
)


@pytest.mark.parametrize(
    ("path", "fmt"),
    [
        ("a/b.parquet", "parquet"),
        ("s3://bucket/x.PQ", "parquet"),
        ("x.csv", "csv"),
        ("x.csv.gz", "csv"),
        ("x.jsonl", "jsonl"),
        ("x.ndjson.zst", "jsonl"),
    ],
)
def test_detect_format_from_suffix(path, fmt):
    assert detect_format(path) == fmt


def test_detect_format_rejects_unknown_suffix():
    with pytest.raises(InputError, match="cannot tell the format of 'x.xlsx'"):
        detect_format("x.xlsx")


def test_partition_name_is_stable_and_tells_folders_apart():
    a = partition_name("file:///data/a/postings.parquet")
    assert a == partition_name("file:///data/a/postings.parquet")
    assert a.startswith("postings-")
    assert a != partition_name("file:///data/b/postings.parquet")


def test_find_partitions_sorts_and_fingerprints(tmp_path):
    for name in ("b.csv", "a.csv"):
        (tmp_path / name).write_text("id,title\n1,Cook\n", encoding="utf-8")
    parts = find_partitions(str(tmp_path / "*.csv"))
    assert [p.url for p in parts] == [f"file://{tmp_path}/a.csv", f"file://{tmp_path}/b.csv"]
    before = parts[0].fingerprint
    (tmp_path / "a.csv").write_text("id,title\n1,Cook\n2,Driver\n", encoding="utf-8")
    assert find_partitions(str(tmp_path / "*.csv"))[0].fingerprint != before


def test_find_partitions_without_match_is_an_error(tmp_path):
    with pytest.raises(InputError, match="no input files match"):
        find_partitions(str(tmp_path / "*.parquet"))


def test_read_csv_keeps_text_and_blank_cells(tmp_path):
    path = tmp_path / "p.csv.gz"
    with gzip.open(path, "wt", encoding="utf-8") as f:
        f.write('id,title,text,salary\n007,Line Cook,"Prep, grill",15\n8,,,\n')
    [part] = find_partitions(str(path))
    assert read_partition(part) == [
        {"id": "007", "title": "Line Cook", "text": "Prep, grill"},
        {"id": "8", "title": "", "text": ""},
    ]


def test_read_parquet_loads_only_record_columns(tmp_path):
    path = tmp_path / "p.parquet"
    pd.DataFrame({"id": [1, 2], "title": ["Cook", None], "salary": [15, 16]}).to_parquet(path)
    [part] = find_partitions(str(path))
    assert read_partition(part) == [{"id": 1, "title": "Cook"}, {"id": 2, "title": None}]


def test_read_jsonl_turns_bad_lines_into_row_errors(tmp_path):
    path = tmp_path / "p.jsonl"
    lines = [json.dumps({"id": "a", "title": "Cook"}), "{not json", "", "[1, 2]"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    [part] = find_partitions(str(path))
    assert read_partition(part) == [
        {"id": "a", "title": "Cook"},
        RowError("line is not JSON: Expecting property name enclosed in double quotes"),
        [1, 2],
    ]
