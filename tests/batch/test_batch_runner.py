"""Batch classification in-process: outputs, bad rows, re-runs and failures."""

from __future__ import annotations

import json

import fsspec
import pyarrow.parquet as pq
import pytest
from batch_model import FailingLoader, load_test_engine, postings_frame, write_postings

from jobatlas.batch import run_batch
from jobatlas.batch.inputs import find_partitions
from jobatlas.batch.outputs import RESULT_SCHEMA
from jobatlas.batch.runner import pending_partitions


def read_outputs(folder) -> dict[str, list[dict]]:
    """Return every output file's rows by file name."""
    return {p.name: pq.read_table(p).to_pylist() for p in sorted(folder.glob("*.parquet"))}


def run_local(inputs, out, settings, **kwargs):
    return run_batch(str(inputs), str(out), settings=settings, loader=load_test_engine, **kwargs)


def test_local_run_writes_contract_rows_per_partition(tmp_path, batch_settings):
    write_postings(tmp_path / "in", files=3, rows=40)
    report = run_local(tmp_path / "in/*.parquet", tmp_path / "out", batch_settings, top_k=3)
    assert report.ok and len(report.written) == 3 and report.rows == 120
    assert report.summary()["model_versions"] == ["batch-test-1"]
    outputs = read_outputs(tmp_path / "out")
    assert len(outputs) == 3 and all(name.startswith("postings-") for name in outputs)
    name = next(n for n in outputs if n.startswith("postings-01-"))
    table = pq.read_table(tmp_path / "out" / name)
    assert table.schema.equals(RESULT_SCHEMA)
    assert table.schema.metadata[b"jobatlas.model_version"] == b"batch-test-1"
    # Each row is what the engine itself says for the posting's title and body.
    frame = postings_frame(40, seed=1)
    expected = load_test_engine(batch_settings).classify_many(
        (frame["title"] + "\n" + frame["text"]).tolist(), top_k=3
    )
    assert table.to_pylist() == [
        {"id": pid, "occupations": [m.to_dict() for m in ms], "error": None, "line": None}
        for pid, ms in zip(frame["id"], expected, strict=True)
    ]


def test_bad_rows_become_error_rows_as_in_the_jsonl_output(tmp_path, batch_settings):
    rows = [
        {"id": "ok", "title": "Forklift Operator"},
        {"title": "Line Cook"},
        {"id": 7, "title": "  ", "text": None},
        {"id": 8, "text": "Drive a delivery truck"},
        {"id": 9, "title": 42},
        ["not", "an", "object"],
    ]
    lines = [json.dumps(r) for r in rows] + ["{broken"]
    (tmp_path / "p.jsonl").write_text("\n".join(lines), encoding="utf-8")
    report = run_local(tmp_path / "p.jsonl", tmp_path / "out", batch_settings)
    assert report.rows == 7 and report.error_rows == 5
    [out] = read_outputs(tmp_path / "out").values()
    assert [(r["id"], r["line"], r["error"]) for r in out] == [
        ("ok", None, None),
        (None, 2, "record has no id"),
        ("7", None, "no classifiable title or text: text is empty"),
        ("8", None, None),
        ("9", None, "title and text must be strings"),
        (None, 6, "record is not a JSON object"),
        (None, 7, "line is not JSON: Expecting property name enclosed in double quotes"),
    ]
    assert [r["occupations"] is None for r in out] == [False, True, True, False, True, True, True]
    assert len(out[0]["occupations"]) == 10


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_csv_and_jsonl_give_the_parquet_results(tmp_path, batch_settings, fmt):
    write_postings(tmp_path / "pq", files=1, rows=30)
    write_postings(tmp_path / fmt, files=1, rows=30, fmt=fmt)
    run_local(tmp_path / "pq/*", tmp_path / "out-pq", batch_settings)
    run_local(tmp_path / fmt / "*", tmp_path / f"out-{fmt}", batch_settings)
    [parquet_rows] = read_outputs(tmp_path / "out-pq").values()
    [other_rows] = read_outputs(tmp_path / f"out-{fmt}").values()
    assert other_rows == parquet_rows


def test_rerun_skips_written_partitions_and_redoes_changed_ones(tmp_path, batch_settings):
    paths = write_postings(tmp_path / "in", files=3, rows=10)
    first = run_local(tmp_path / "in/*", tmp_path / "out", batch_settings)
    assert len(first.written) == 3
    again = run_local(tmp_path / "in/*", tmp_path / "out", batch_settings)
    assert again.written == [] and sorted(again.skipped) == sorted(p.name for p in first.written)
    postings_frame(12, seed=9).to_parquet(paths[1], index=False)
    changed = run_local(tmp_path / "in/*", tmp_path / "out", batch_settings)
    assert [p.input for p in changed.written] == [paths[1].as_uri()]
    assert len(changed.skipped) == 2
    assert (
        len(run_local(tmp_path / "in/*", tmp_path / "out", batch_settings, overwrite=True).written)
        == 3
    )
    leftovers = [p.name for p in (tmp_path / "out").rglob(".*")]
    assert leftovers == []


@pytest.mark.parametrize("damage", ["delete marker", "corrupt marker", "delete data"])
def test_partition_without_valid_marker_is_redone(tmp_path, batch_settings, damage):
    write_postings(tmp_path / "in", files=2, rows=5)
    first = run_local(tmp_path / "in/*", tmp_path / "out", batch_settings)
    marker = tmp_path / "out" / "_markers" / f"{first.written[0].name}.json"
    if damage == "delete marker":
        marker.unlink()
    elif damage == "corrupt marker":
        marker.write_text('{"input": ', encoding="utf-8")
    else:
        (tmp_path / "out" / first.written[0].output).unlink()
    again = run_local(tmp_path / "in/*", tmp_path / "out", batch_settings)
    assert [p.name for p in again.written] == [first.written[0].name]


def test_failing_partition_is_reported_and_others_written(tmp_path, batch_settings):
    write_postings(tmp_path / "in", files=2, rows=5)
    (tmp_path / "in" / "poison.jsonl").write_text(
        json.dumps({"id": "x", "title": "Cook", "text": "POISON"}) + "\n", encoding="utf-8"
    )
    report = run_batch(
        str(tmp_path / "in/*"),
        str(tmp_path / "out"),
        settings=batch_settings,
        loader=FailingLoader("POISON"),
        retries=1,
    )
    assert not report.ok and len(report.written) == 2
    [failure] = report.failed
    assert failure.input.endswith("poison.jsonl")
    assert failure.error == "RuntimeError: cannot classify 'POISON'"
    assert not list((tmp_path / "out").glob("poison-*"))


def test_unknown_engine_and_stray_scheduler_are_errors(tmp_path, batch_settings):
    with pytest.raises(ValueError, match="unknown batch engine 'spark'"):
        run_local(tmp_path / "*", tmp_path / "out", batch_settings, engine="spark")
    with pytest.raises(ValueError, match="needs engine='dask'"):
        run_local(tmp_path / "*", tmp_path / "out", batch_settings, scheduler="tcp://h:8786")


def test_fsspec_urls_for_input_and_output(batch_settings):
    fs = fsspec.filesystem("memory")
    frame = postings_frame(8, seed=3)
    with fs.open("memory://batch-test/in/a.parquet", "wb") as f:
        frame.to_parquet(f, index=False)
    try:
        report = run_local(
            "memory://batch-test/in/*.parquet", "memory://batch-test/out", batch_settings
        )
        [written] = report.written
        with fs.open(f"memory://batch-test/out/{written.output}", "rb") as f:
            rows = pq.read_table(f).to_pylist()
        assert [r["id"] for r in rows] == frame["id"].tolist()
        again = run_local(
            "memory://batch-test/in/*.parquet", "memory://batch-test/out", batch_settings
        )
        assert again.skipped == [written.name]
    finally:
        fs.rm("memory://batch-test", recursive=True)


def test_partitions_of_another_model_version_are_pending(tmp_path, batch_settings):
    write_postings(tmp_path / "in", files=2, rows=3)
    run_local(tmp_path / "in/*", tmp_path / "out", batch_settings)
    parts = find_partitions(str(tmp_path / "in/*"))
    out = str(tmp_path / "out")
    assert pending_partitions(parts, out, model_version="batch-test-1") == (
        [],
        [p.name for p in parts],
    )
    assert pending_partitions(parts, out, model_version="batch-test-2") == (parts, [])
