from __future__ import annotations

import csv
import dataclasses
import json
from datetime import UTC, datetime, timedelta

import pyarrow as pa
import pytest
from click.testing import CliRunner
from sqlalchemy import text

from jobatlas.cli import main
from jobatlas.postings.clean.fingerprint import content_fingerprint, text_words
from jobatlas.postings.records import OccupationCode
from jobatlas.storage import downgrade, upgrade
from jobatlas.storage.bulk import BulkFormatError, export_postings, import_postings, iter_stored
from jobatlas.storage.bulk_prepare import ascii_fingerprints

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


COOK = "Line cook wanted for busy diner, nights and weekends, tips shared, apply in person."
CODES = json.dumps([{"code": "35-2014.00", "score": 0.9, "rank": 1}])


def _mixed_csv(path) -> None:
    """Write a CSV export holding good records, bad ones, a repost and a repeated posting."""
    columns = ["source", "source_id", "url", "title", "body", "occupations", "latitude",
               "longitude", "first_seen", "last_seen"]  # fmt: skip
    url = "https://example.org/{}"
    rows = [
        ["csv", "a1", url.format(1), "Line Cook", COOK, CODES, "45.5", "-122.6",
         T1.isoformat(), T1.isoformat()],
        ["csv", "a2", "ftp://example.org/2", "Cook", COOK, "", "", "", "", ""],
        ["csv", "a3", url.format(3), "Cook", COOK,
         json.dumps([{"code": "not-a-code", "score": 0.5, "rank": 1}]), "", "", "", ""],
        ["csv", "a4", url.format(4), "Line  cook!", COOK.upper() + " 555-0199", "", "", "",
         (T1 + timedelta(days=1)).isoformat(), ""],  # a repost: same words
        ["csv", "a1", url.format(1), "Line Cook", COOK, CODES, "45.5", "-122.6",
         (T1 + timedelta(days=1)).isoformat(), T2.isoformat()],  # seen again in the same file
        ["csv", "a5", url.format(5), "Cuisinier", "Café crème à Montréal — Überstunden "
         "möglich, ﬁve ﬁne words here, Ｆｕｌｌ time.", "", "", "", T1.isoformat(), ""],
        ["csv", "a6", url.format(6), "Cook", COOK, "", "45.5", "", "", ""],
    ]  # fmt: skip
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows(rows)


def _stored_rows(engine) -> dict[str, tuple]:
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT p.source_id, p.title, p.body, p.fingerprint, d.source_id"
                " FROM postings AS p"
                " LEFT JOIN postings AS d ON d.id = p.duplicate_of"
            )
        )
        return {row[0]: tuple(row[1:]) for row in rows}


def _row_versions(engine) -> list:
    """Return each row's PostgreSQL version: it changes whenever the row is rewritten."""
    with engine.connect() as connection:
        return [
            connection.execute(text(f"SELECT xmin::text, ctid::text FROM {table} ORDER BY 2")).all()
            for table in ("postings", "posting_occupations")
        ]


def test_import_rejects_bad_records_stores_the_rest_and_is_idempotent(engine, tmp_path):
    path = tmp_path / "mixed.csv"
    _mixed_csv(path)
    result = import_postings(engine, path)
    assert [r.index for r in result.rejected] == [1, 2, 6]
    reasons = [r.reason for r in result.rejected]
    assert "url must start with http" in reasons[0]
    assert "occupation code" in reasons[1]
    assert "latitude and longitude must be given together" in reasons[2]
    assert (result.new, result.duplicate) == (2, 1)
    stored = _stored_rows(engine)
    assert sorted(stored) == ["a1", "a4", "a5"]
    for title, body, fingerprint, *_ in stored.values():
        assert fingerprint == content_fingerprint(title, body)  # as a crawl computes it
    # The repost and its original are linked (which one is first depends on where the
    # repeated a1 counts as seen: the crawl's upsert takes its last copy).
    links = {key: row[3] for key, row in stored.items() if row[3] is not None}
    assert links in ({"a4": "a1"}, {"a1": "a4"})
    snapshot = _snapshot(engine)
    first = snapshot[0]
    assert first[0].occupations == [OccupationCode("35-2014.00", 0.9, 1)]
    assert first[1:3] == (T1, T2)  # seen from the first to the last copy in the file
    versions = _row_versions(engine) if engine.dialect.name == "postgresql" else None

    again = import_postings(engine, path)
    assert (again.new, again.duplicate, len(again.rejected)) == (0, 0, 3)
    assert _snapshot(engine) == snapshot
    if versions is not None:  # the set-based import rewrites no row it would not change
        assert _row_versions(engine) == versions


@pytest.mark.parametrize(
    "title, body",
    [
        ("Line Cook", "Nights, $18/hr; call 503-555-0199 (ask for Ana)."),
        ("  ", "snake_case and CamelCase\tand\nnew lines"),
        ("Cook", ""),
        ("12 34", "!!! ???"),
    ],
)
def test_column_fingerprints_equal_the_crawl_fingerprint(title, body):
    digests, words = ascii_fingerprints(pa.array([title]), pa.array([body]))
    assert digests[0] == content_fingerprint(title, body)
    assert words[0] == len(text_words(body))
