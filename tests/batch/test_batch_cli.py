"""``jobatlas classify`` in batch mode, with the real occupation engine."""

from __future__ import annotations

import json

import pyarrow.parquet as pq
import pytest
from batch_model import postings_frame
from click.testing import CliRunner

from jobatlas.cli import main


@pytest.fixture
def runner(model_cache_dir, monkeypatch):
    monkeypatch.setenv("JOBATLAS_CACHE_DIR", str(model_cache_dir))
    return CliRunner()


def write_jsonl(path, records) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in records), encoding="utf-8")


def test_batch_parquet_rows_equal_the_jsonl_output(tmp_path, runner):
    records = postings_frame(20, seed=5).drop(columns="salary").to_dict(orient="records")
    records[3] = {"title": "Dishwasher"}
    records[7] = {"id": "blank", "title": " "}
    (tmp_path / "in").mkdir()
    write_jsonl(tmp_path / "in" / "a.jsonl", records)
    jsonl = runner.invoke(
        main,
        [
            "classify",
            "--input",
            str(tmp_path / "in" / "a.jsonl"),
            "--output",
            str(tmp_path / "a.out.jsonl"),
            "--top-k",
            "3",
        ],
    )
    assert jsonl.exit_code == 1, jsonl.output  # error rows make the JSONL mode exit 1
    lines = (tmp_path / "a.out.jsonl").read_text(encoding="utf-8").splitlines()
    expected = [json.loads(line) for line in lines]

    batch = runner.invoke(
        main,
        [
            "classify",
            "--input",
            str(tmp_path / "in" / "*.jsonl"),
            "--output",
            f"{tmp_path / 'coded'}/",
            "--top-k",
            "3",
        ],
    )
    assert batch.exit_code == 0, batch.output
    summary = json.loads(batch.output)
    assert (summary["written"], summary["rows"], summary["error_rows"]) == (1, 20, 2)
    [path] = (tmp_path / "coded").glob("a-*.parquet")
    rows = [{k: v for k, v in r.items() if v is not None} for r in pq.read_table(path).to_pylist()]
    assert rows == expected
    assert rows[3] == {"line": 4, "error": "record has no id"}
    assert set(rows[0]["occupations"][0]) == {"code", "soc", "title", "score", "evidence"}

    again = runner.invoke(
        main,
        [
            "classify",
            "--input",
            str(tmp_path / "in" / "*.jsonl"),
            "--output",
            str(tmp_path / "coded"),
        ],
    )
    assert json.loads(again.output)["skipped"] == 1


def test_batch_without_inputs_fails_with_one_line(tmp_path, runner):
    result = runner.invoke(
        main,
        ["classify", "--input", str(tmp_path / "none" / "*.csv"), "--output", f"{tmp_path}/out/"],
    )
    assert result.exit_code == 1
    assert result.output == f"Error: no input files match '{tmp_path}/none/*.csv'\n"


def test_scheduler_needs_the_dask_engine(tmp_path, runner):
    (tmp_path / "a.csv").write_text("id,title\n1,Cook\n", encoding="utf-8")
    result = runner.invoke(
        main,
        [
            "classify",
            "--input",
            str(tmp_path / "a.csv"),
            "--output",
            f"{tmp_path}/out/",
            "--engine",
            "local",
            "--scheduler",
            "tcp://127.0.0.1:1",
        ],
    )
    assert result.exit_code == 1
    assert result.output == "Error: a scheduler address needs engine='dask'\n"
