from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, select

from jobatlas.storage import (
    PostingRepository,
    current_revision,
    downgrade,
    head_revision,
    make_engine,
    upgrade,
)
from jobatlas.storage.duplicates import stored_band_keys
from jobatlas.storage.models import Base, PostingBandRow

# The tables this part owns; other features add theirs in later revisions.
TABLES = {
    "postings",
    "posting_occupations",
    "posting_bands",
    "crawl_runs",
    "crawl_marks",
    "crawl_state",
}


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_creates_schema_matching_models(database_url):
    assert current_revision(database_url) is None
    assert upgrade(database_url) == head_revision()
    assert _tables(database_url) >= TABLES
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            opts = {"compare_type": True, "include_object": _for(connection.dialect.name)}
            context = MigrationContext.configure(connection, opts=opts)
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def _for(dialect: str):
    def include(obj, name, type_, reflected, compare_to) -> bool:
        # Tables of features whose models are not imported here are checked by their own tests.
        table = obj if type_ == "table" else getattr(obj, "table", None)
        if table is not None and table.name not in Base.metadata.tables:
            return False
        # Alembic ignores ddl_if: an index modelled for one backend only is absent elsewhere.
        only = getattr(obj, "_ddl_if", None)
        return only is None or only.dialect in (None, dialect)

    return include


def test_upgrade_twice_is_harmless_and_downgrade_drops_everything(database_url):
    upgrade(database_url)
    assert upgrade(database_url) == head_revision()
    assert downgrade(database_url, "base") is None
    assert _tables(database_url) == set()
    upgrade(database_url, "0001")
    assert _tables(database_url) == TABLES
    assert current_revision(database_url) == "0001"


def test_indexes_for_search_and_trends_exist(database_url):
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        inspector = inspect(engine)
        indexed = {tuple(ix["column_names"]) for ix in inspector.get_indexes("postings")}
        unique = inspector.get_unique_constraints("postings")
        occupation_indexes = {
            tuple(ix["column_names"]) for ix in inspector.get_indexes("posting_occupations")
        }
    finally:
        engine.dispose()
    assert {("fingerprint",), ("posted_at",), ("first_seen",), ("area",), ("region",),
            ("latitude_strip", "longitude"), ("listed_at", "id")} <= indexed  # fmt: skip
    assert [u["column_names"] for u in unique] == [["source", "source_id"]]
    by_rank = {("code", "rank", "posting_id"), ("soc", "rank", "posting_id")}
    assert {("soc",), *by_rank} <= occupation_indexes


def test_current_revision_does_not_create_a_sqlite_file(tmp_path):
    path = tmp_path / "absent" / "jobatlas.sqlite3"
    assert current_revision(f"sqlite:///{path}") is None
    assert not path.exists()


def test_band_keys_survive_downgrade_and_upgrade_with_data(database_url, make_posting):
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        repository = PostingRepository(engine)
        stored = repository.upsert([make_posting(n, kind=n) for n in range(3)])
        with engine.connect() as connection:
            before = stored_band_keys(connection)
        assert sorted(before) == sorted(stored.ids)
        downgrade(engine, "0003")
        with engine.connect() as connection:
            columns = {c["name"] for c in inspect(connection).get_columns("postings")}
            assert "band_keys" not in columns
            rows = connection.execute(select(PostingBandRow.posting_id, PostingBandRow.key))
            assert sorted(rows) == sorted((i, k) for i, keys in before.items() for k in keys)
        upgrade(engine)
        with engine.connect() as connection:
            assert stored_band_keys(connection) == before
        # The backfilled keys still find reposts.
        repost = make_posting(10, kind=1, body=make_posting(1, kind=1).body + " Apply today!")
        assert repository.upsert([repost]).duplicate == 1
    finally:
        engine.dispose()
