"""The ``jobatlas classify`` command contract (JSON Lines in and out, bad lines, exit codes)."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from jobatlas.cli import main

pytestmark = pytest.mark.slow


@pytest.fixture
def run(occupation_settings, occupation_engine, monkeypatch):
    """Run the CLI against the session's trained model."""
    monkeypatch.setenv("JOBATLAS_CACHE_DIR", str(occupation_settings.cache_dir))

    def invoke(*args, stdin=None):
        return CliRunner().invoke(main, list(args), input=stdin)

    return invoke


def test_classify_text_prints_a_table(run):
    result = run("classify", "Forklift Operator")
    assert result.exit_code == 0, result.output
    assert "53-7051.00" in result.output
    assert "Industrial Truck" in result.output


def test_classify_empty_text_fails_with_one_line(run):
    result = run("classify", "   ")
    assert result.exit_code == 1
    assert "text is empty" in result.output


def test_classify_needs_text_or_input(run):
    assert run("classify").exit_code == 2


def test_jsonl_stdin_to_stdout_in_order(run):
    lines = [
        {"id": 1, "title": "Truck Driver"},
        {"id": "b", "title": "Line Cook", "text": "Cook breakfast on the grill."},
        {"id": 3, "text": "Clean offices, empty trash and mop floors."},
    ]
    stdin = "".join(json.dumps(line) + "\n" for line in lines)
    result = run("classify", "--input", "-", "--output", "-", "--top-k", "3", stdin=stdin)
    assert result.exit_code == 0, result.output
    out = [json.loads(line) for line in result.output.splitlines()]
    assert [o["id"] for o in out] == [1, "b", 3]
    first = out[0]["occupations"]
    assert len(first) == 3
    assert set(first[0]) == {"code", "soc", "title", "score", "evidence"}
    assert first[0]["soc"] == "53-3032"
    assert 0 <= first[0]["score"] <= 1


def test_bad_lines_report_errors_and_exit_1(run, tmp_path):
    source = tmp_path / "in.jsonl"
    source.write_text(
        '{"id": 1, "title": "Cashier"}\n'
        "not json\n"
        '{"title": "no id"}\n'
        '{"id": 4}\n'
        '{"id": 5, "title": "   "}\n'
        '{"id": 6, "title": "Welder"}\n',
        encoding="utf-8",
    )
    target = tmp_path / "out.jsonl"
    result = run("classify", "--input", str(source), "--output", str(target))
    assert result.exit_code == 1
    out = [json.loads(line) for line in target.read_text(encoding="utf-8").splitlines()]
    assert len(out) == 6
    assert out[0]["id"] == 1 and out[0]["occupations"]
    assert out[1]["line"] == 2 and "not JSON" in out[1]["error"]
    assert out[2] == {"line": 3, "error": "record has no id"}
    assert out[3]["id"] == 4 and "error" in out[3]
    assert out[4]["id"] == 5 and "error" in out[4]
    assert out[5]["id"] == 6 and out[5]["occupations"][0]["soc"] == "51-4121"
