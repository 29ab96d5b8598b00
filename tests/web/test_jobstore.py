"""The fetch-jobs table: made by the Alembic migrations, as the web app models it."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from jobatlas.storage import downgrade, make_engine, upgrade
from jobatlas.web import jobstore


def _only_jobs(obj, name, type_, reflected, compare_to) -> bool:
    table = obj if type_ == "table" else getattr(obj, "table", None)
    return table is None or table.name == "web_fetch_jobs"


def test_migrations_create_the_jobs_table_as_modelled(database_url):
    upgrade(database_url)
    engine = make_engine(database_url)
    try:
        with engine.connect() as connection:
            opts = {"compare_type": True, "include_object": _only_jobs}
            context = MigrationContext.configure(connection, opts=opts)
            assert compare_metadata(context, jobstore.metadata) == []
        job = jobstore.create_job(engine, "Chicago, IL", "chicago")
        jobstore.update_job(engine, job["id"], status=jobstore.RUNNING, found=3)
        stored = jobstore.get_job(engine, job["id"])
        assert (stored["status"], stored["found"], stored["stored"]) == ("running", 3, 0)
        assert stored["created_at"].tzinfo is not None
        assert jobstore.active_job_for_area(engine, "chicago")["id"] == job["id"]
    finally:
        engine.dispose()


def test_a_jobs_table_made_by_an_older_app_is_kept(database_url):
    upgrade(database_url, "0004")
    engine = make_engine(database_url)
    try:
        # What the app did before the table had a migration.
        jobstore.metadata.create_all(engine)
        job = jobstore.create_job(engine, "Boston, MA", "boston")
        upgrade(database_url)
        assert jobstore.get_job(engine, job["id"])["location"] == "Boston, MA"
        downgrade(database_url, "0004")
        assert "web_fetch_jobs" not in inspect(engine).get_table_names()
    finally:
        engine.dispose()
