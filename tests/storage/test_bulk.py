from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta

import pytest
from click.testing import CliRunner

from jobatlas.cli import main
from jobatlas.postings.records import OccupationCode
from jobatlas.storage import downgrade, upgrade
from jobatlas.storage.bulk import BulkFormatError, export_postings, import_postings, iter_stored

T1 = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
T2 = T1 + timedelta(days=4)


@pytest.fixture
def stored(repository, make_posting):
    postings = [
        make_posting(1, employer="Acme Logistics", employment_type="full time",
                     occupations=[OccupationCode("53-7062.00", 0.8, 1),
                                  OccupationCode("53-7065.00", 0.1, 2)],
                     model_version="clf-1"),
        make_posting(2, kind=1, latitude=None, longitude=None, posted_at=None, region="OR",
                     body="Grill cook, nights. Call Ana at 503-555-0199 — “tips” shared."),
        make_posting(3),  # a repost of the first
        make_posting(4, kind=3, body="Electrician, commas, \"quotes\"\nand\nnew lines, ok."),
    ]  # fmt: skip
    repository.upsert(postings, seen_at=T1)
    repository.upsert(postings[:1], seen_at=T2)
    return _snapshot(repository.engine)


def _snapshot(engine) -> list[tuple]:
    rows = []
    for item in iter_stored(engine, batch_size=2):
        posting = dataclasses.replace(item.posting)
        rows.append((posting, item.first_seen, item.last_seen, item.duplicate_of is not None))
    return sorted(rows, key=lambda r: r[0].source_id)


@pytest.mark.parametrize("fmt", ["csv", "parquet", "jsonld"])
def test_export_then_import_round_trips(database_url, engine, stored, tmp_path, fmt):
    path = tmp_path / f"postings.{fmt}"
    assert export_postings(engine, path) == 4
    downgrade(database_url, "base")
    upgrade(database_url)
    result = import_postings(engine, path)
    assert (result.new, result.duplicate, result.rejected) == (3, 1, [])
    assert _snapshot(engine) == stored
    again = import_postings(engine, path)
    assert (again.new, again.updated) == (0, 4)
    assert _snapshot(engine) == stored


def test_export_of_originals_only(engine, stored, tmp_path):
    path = tmp_path / "originals.csv"
    assert export_postings(engine, path, include_duplicates=False) == 3


def test_jsonld_is_schema_org_jobposting(engine, stored, tmp_path):
    path = tmp_path / "postings.jsonld"
    export_postings(engine, path)
    first = json.loads(path.read_text().splitlines()[0])
    assert (first["@context"], first["@type"]) == ("https://schema.org", "JobPosting")
    assert first["occupationalCategory"][0]["codeValue"] == "53-7062.00"
    assert first["baseSalary"]["value"]["unitText"] == "HOUR"
    assert first["hiringOrganization"]["name"] == "Acme Logistics"


def test_bad_records_in_a_file_are_rejected_not_fatal(engine, tmp_path):
    path = tmp_path / "bad.jsonld"
    good = {"identifier": {"name": "jsonld", "value": "a1"}, "url": "https://example.org/a1",
            "title": "Cook", "description": "Cook wanted."}  # fmt: skip
    lines = [json.dumps(good), json.dumps({"title": "no id"}),
             json.dumps({**good, "identifier": {"name": "jsonld", "value": "a2"},
                         "url": "ftp://x"}), ""]  # fmt: skip
    path.write_text("\n".join(lines))
    result = import_postings(engine, path)
    assert result.new == 1
    assert [r.index for r in result.rejected] == [1, 2]
    assert "unreadable record" in result.rejected[0].reason
    assert "url must start with http" in result.rejected[1].reason


def test_unknown_format_and_broken_files_raise_clear_errors(engine, tmp_path):
    with pytest.raises(BulkFormatError, match="cannot tell the format"):
        export_postings(engine, tmp_path / "postings.xlsx")
    broken = tmp_path / "broken.jsonld"
    broken.write_text("{not json\n")
    with pytest.raises(BulkFormatError, match="line 1 is not JSON"):
        import_postings(engine, broken)
    not_parquet = tmp_path / "x.parquet"
    not_parquet.write_text("hello")
    with pytest.raises(BulkFormatError, match="not a Parquet file"):
        import_postings(engine, not_parquet)
    headless = tmp_path / "x.csv"
    headless.write_text("a,b\n1,2\n")
    with pytest.raises(BulkFormatError, match="lacks the columns"):
        import_postings(engine, headless)


def test_cli_export_and_import(database_url, engine, stored, tmp_path):
    runner = CliRunner()
    path = tmp_path / "out.parquet"
    exported = runner.invoke(main, ["export", "postings", "--url", database_url, str(path)])
    assert exported.exit_code == 0, exported.output
    assert "exported 4 postings" in exported.output
    target = f"sqlite:///{tmp_path / 'copy.sqlite3'}"
    imported = runner.invoke(main, ["import", "postings", "--url", target, str(path)])
    assert imported.exit_code == 0, imported.output
    assert "3 new, 1 duplicates, 0 updated, 0 rejected" in imported.output
    bad = tmp_path / "bad.csv"
    bad.write_text("source,source_id,url,title\nx,1,nope,Cook\n")
    failed = runner.invoke(main, ["import", "postings", "--url", target, str(bad)])
    assert failed.exit_code == 1
    assert "no record could be stored" in failed.output
