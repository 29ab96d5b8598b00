from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from jobatlas.storage import current_revision, downgrade, head_revision, make_engine, upgrade
from jobatlas.storage.models import Base

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
            opts = {"compare_type": True, "include_object": _modelled}
            context = MigrationContext.configure(connection, opts=opts)
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()


def _modelled(obj, name, type_, reflected, compare_to) -> bool:
    # Tables of features whose models are not imported here are checked by their own tests.
    table = obj if type_ == "table" else getattr(obj, "table", None)
    return table is None or table.name in Base.metadata.tables


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
            ("latitude", "longitude")} <= indexed  # fmt: skip
    assert [u["column_names"] for u in unique] == [["source", "source_id"]]
    assert {("code",), ("soc",)} <= occupation_indexes


def test_current_revision_does_not_create_a_sqlite_file(tmp_path):
    path = tmp_path / "absent" / "jobatlas.sqlite3"
    assert current_revision(f"sqlite:///{path}") is None
    assert not path.exists()
