from __future__ import annotations

from sqlalchemy import text

from jobatlas.storage import make_engine


def test_sqlite_engine_sets_pragmas_and_creates_folder(tmp_path):
    path = tmp_path / "deep" / "folder" / "jobatlas.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    try:
        with engine.connect() as connection:
            pragmas = {
                name: connection.execute(text(f"PRAGMA {name}")).scalar()
                for name in ("journal_mode", "foreign_keys", "busy_timeout")
            }
    finally:
        engine.dispose()
    assert pragmas == {"journal_mode": "wal", "foreign_keys": 1, "busy_timeout": 30000}
    assert path.exists()


def test_heroku_postgres_url_uses_psycopg_3():
    engine = make_engine("postgres://user:secret@db.example.org:5432/jobs")
    assert (engine.dialect.name, engine.dialect.driver) == ("postgresql", "psycopg")
    assert engine.url.database == "jobs"


def test_in_memory_sqlite_works():
    engine = make_engine("sqlite://")
    try:
        with engine.connect() as connection:
            assert connection.execute(text("PRAGMA foreign_keys")).scalar() == 1
    finally:
        engine.dispose()
