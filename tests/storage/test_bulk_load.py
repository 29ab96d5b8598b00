"""The PostgreSQL bulk merge: a first load (empty tables, indexes rebuilt) and batch by batch."""

from __future__ import annotations

from datetime import timedelta

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from sqlalchemy import text
from tests.storage.conftest import _make_posting
from tests.storage.test_bulk import T1, T2

import jobatlas.storage.bulk as bulk
import jobatlas.storage.bulk_load as bulk_load
from jobatlas.postings.records import OccupationCode
from jobatlas.storage import PostingRepository, downgrade, make_engine, upgrade
from jobatlas.storage.bulk import export_postings, import_postings

TABLES = ("postings", "posting_occupations")


@pytest.fixture
def pg(pg_database_url):
    upgrade(pg_database_url)
    engine = make_engine(pg_database_url)
    yield pg_database_url, engine
    engine.dispose()


def _empty(url: str) -> None:
    downgrade(url, "base")
    upgrade(url)


@pytest.fixture
def export_file(pg, tmp_path):
    """A Parquet export of 14 postings with reposts and codes, plus a later copy of the first."""
    url, engine = pg
    repository = PostingRepository(engine)
    postings = [
        _make_posting(
            number,
            kind=number % 5,
            city="Oakland" if number % 2 else "Fresno",  # number and number + 10 are reposts
            occupations=[OccupationCode("35-2014.00", 0.7, 1), OccupationCode("35-2021.00", 0.2, 2)]
            if number % 3 == 0
            else [],
            model_version="clf-1" if number % 3 == 0 else None,
        )
        for number in range(14)
    ]
    repository.upsert(postings, seen_at=T1)
    path = tmp_path / "postings.parquet"
    assert export_postings(engine, path) == 14
    table = pq.read_table(path)
    # The first posting again at the end, seen later with a new title: it must merge into the
    # stored row, which a first load of batches of 4 stored three batches earlier.
    again = table.slice(0, 1)
    again = again.set_column(
        again.schema.get_field_index("title"), "title", pa.array(["Lead Line Cook"])
    )
    last_seen = again.schema.get_field_index("last_seen")
    later = pc.add(again["last_seen"], pa.scalar(T2 - T1 + timedelta(days=1)))
    again = again.set_column(last_seen, again.schema.field(last_seen), later)
    # And the fourth posting (coded) again, with no area, body or codes: it keeps all three.
    bare = table.slice(3, 1)
    for name in ("area", "body", "occupations"):
        index = bare.schema.get_field_index(name)
        field = bare.schema.field(index)
        bare = bare.set_column(index, field, pa.array([None if name != "body" else ""],
                                                     field.type))  # fmt: skip
    pq.write_table(pa.concat_tables([table, again, bare]), path)
    _empty(url)
    return path


def _stored(engine) -> dict[str, tuple]:
    """Each stored posting by source id, with its original's source id and its codes."""
    query = text(
        """SELECT p.source_id, p.title, p.body, p.fingerprint, p.first_seen, p.last_seen,
                  p.model_version, d.source_id,
                  (SELECT string_agg(o.code || ':' || o.rank || ':' || o.score, ',' ORDER BY o.rank)
                   FROM posting_occupations AS o WHERE o.posting_id = p.id),
                  p.area
           FROM postings AS p LEFT JOIN postings AS d ON d.id = p.duplicate_of
           WHERE p.source = 'craigslist'"""
    )
    with engine.connect() as connection:
        return {row[0]: tuple(row[1:]) for row in connection.execute(query)}


def _schema(engine) -> tuple[list, list]:
    with engine.connect() as connection:
        indexes = bulk_load.secondary_indexes(connection, TABLES)
        foreign_keys = bulk_load._constraints(connection, TABLES)
    return indexes, foreign_keys


@pytest.mark.parametrize("batch", [4, 100], ids=["repeats-across-batches", "one-batch"])
def test_a_first_load_stores_what_batch_by_batch_stores(pg, export_file, monkeypatch, batch):
    url, engine = pg
    monkeypatch.setattr(bulk, "IMPORT_BATCH", 4)
    schema = _schema(engine)
    assert len(schema[0]) > 10 and len(schema[1]) == 3  # two foreign keys, one unique key

    first = import_postings(engine, export_file)  # into empty tables: a first load
    first_stored = _stored(engine)
    assert _schema(engine) == schema  # every index and foreign key is back

    _empty(url)
    other = _make_posting(99, kind=4, city="Boise", source="other", source_id="x1")
    PostingRepository(engine).upsert([other], seen_at=T1)
    # A table holding a posting: batch by batch. In one batch, the repeated postings fold
    # inside the batch; in batches of 4, into the stored row.
    monkeypatch.setattr(bulk, "IMPORT_BATCH", batch)
    merged = import_postings(engine, export_file)

    assert (first.new, first.duplicate, first.updated) == (10, 4, 2)
    assert (merged.new, merged.duplicate, merged.updated) == (10, 4, 2)
    assert _stored(engine) == first_stored
    row = first_stored[str(7700000000)]
    assert row[0] == "Lead Line Cook" and row[4] == T2 + timedelta(days=1)
    assert row[6] is None  # the original
    assert first_stored[str(7700000010)][6] == str(7700000000)  # its repost
    coded = first_stored[str(7700000003)]
    assert coded[7] == "35-2014.00:1:0.7,35-2021.00:2:0.2"
    assert coded[1] != "" and coded[8] is not None


def test_a_failed_first_load_leaves_the_tables_as_they_were(pg, export_file, monkeypatch):
    _, engine = pg
    monkeypatch.setattr(bulk, "IMPORT_BATCH", 4)
    schema = _schema(engine)
    calls = []
    load_batch = bulk_load.load_batch

    def failing_on_the_third(*args, **kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise RuntimeError("disk full")
        return load_batch(*args, **kwargs)

    monkeypatch.setattr(bulk_load, "load_batch", failing_on_the_third)
    with pytest.raises(RuntimeError, match="disk full"):
        import_postings(engine, export_file)
    assert _stored(engine) == {}
    assert _schema(engine) == schema
    monkeypatch.setattr(bulk_load, "load_batch", load_batch)
    assert import_postings(engine, export_file).new == 10
