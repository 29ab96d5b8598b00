from __future__ import annotations

from click.testing import CliRunner

from jobatlas.cli import main
from jobatlas.storage import PostingRepository, head_revision, make_engine


def test_db_upgrade_current_and_info(database_url, make_posting):
    runner = CliRunner()
    before = runner.invoke(main, ["db", "current", "--url", database_url])
    assert before.exit_code == 0
    assert "revision none" in before.output
    upgraded = runner.invoke(main, ["db", "upgrade", "--url", database_url])
    assert upgraded.exit_code == 0, upgraded.output
    assert f"schema at revision {head_revision()}" in upgraded.output
    engine = make_engine(database_url)
    try:
        PostingRepository(engine).upsert([make_posting(1), make_posting(2)])
    finally:
        engine.dispose()
    info = runner.invoke(main, ["db", "info", "--url", database_url])
    assert info.exit_code == 0
    assert "postings: 2 (1 originals, 1 reposts)" in info.output
    current = runner.invoke(main, ["db", "current", "--url", database_url])
    assert "up to date" in current.output


def test_db_upgrade_uses_database_url_from_environment(tmp_path):
    path = tmp_path / "data" / "env.sqlite3"
    result = CliRunner().invoke(main, ["db", "upgrade"], env={"DATABASE_URL": f"sqlite:///{path}"})
    assert result.exit_code == 0, result.output
    assert path.exists()


def test_db_errors_are_one_line(tmp_path):
    runner = CliRunner()
    bad_scheme = runner.invoke(main, ["db", "upgrade", "--url", "nosuchdb://x"])
    assert bad_scheme.exit_code == 1
    assert bad_scheme.output.startswith("Error: ") and bad_scheme.output.count("\n") == 1
    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    bad_revision = runner.invoke(main, ["db", "upgrade", "--url", url, "--revision", "9999"])
    assert bad_revision.exit_code == 1
    assert "9999" in bad_revision.output


def test_db_commands_have_help():
    for command in ("upgrade", "current", "info"):
        result = CliRunner().invoke(main, ["db", command, "--help"])
        assert result.exit_code == 0 and "--url" in result.output
