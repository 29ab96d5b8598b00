"""``jobatlas data update`` against a local HTTP server serving built O*NET archives."""

from __future__ import annotations

import functools
import gzip
import http.server
import io
import json
import threading
import zipfile

import pytest
from click.testing import CliRunner

from jobatlas.cli import main
from jobatlas.config import Settings
from jobatlas.data_update import (
    UpdateError,
    activate_release,
    installed_releases,
    parse_release,
    release_url,
    update_onet,
)
from jobatlas.reference import clear_reference_cache, load_reference, read_onet_table
from jobatlas.reference.files import active_onet_release, onet_dir
from jobatlas.reference.onet import REQUIRED_TABLES

NEW_TITLE = "Heavy and Tractor-Trailer Truck Drivers (release 30.1)"


def _tables(rename_truck: bool = True) -> dict[str, bytes]:
    tables = {}
    for name in REQUIRED_TABLES:
        data = gzip.decompress((onet_dir() / f"{name}.txt.gz").read_bytes())
        if name == "Occupation Data" and rename_truck:
            data = data.replace(b"53-3032.00\tHeavy and Tractor-Trailer Truck Drivers\t",
                                f"53-3032.00\t{NEW_TITLE}\t".encode())
        tables[name] = data
    return tables


def _zip(tables: dict[str, bytes], folder: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as bundle:
        for name, data in tables.items():
            bundle.writestr(f"{folder}/{name}.txt", data)
        bundle.writestr(f"{folder}/Read Me.txt", b"test release\n")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """Serve good, corrupt, incomplete and invalid archives on 127.0.0.1; yield the base URL."""
    root = tmp_path_factory.mktemp("onet-server")
    tables = _tables()
    (root / "db_30_1_text.zip").write_bytes(_zip(tables, "db_30_1_text"))
    (root / "db_30_2_text.zip").write_bytes(b"PK\x03\x04 this is not really a zip archive")
    incomplete = {k: v for k, v in tables.items() if k != "Tasks to DWAs"}
    (root / "db_30_3_text.zip").write_bytes(_zip(incomplete, "db_30_3_text"))
    bad_code = dict(tables)
    bad_code["Job Zones"] = tables["Job Zones"].replace(b"53-3032.00", b"53-30X2.00")
    (root / "db_30_4_text.zip").write_bytes(_zip(bad_code, "db_30_4_text"))
    handler = functools.partial(_QuietHandler, directory=str(root))
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/dl_files/database"
    httpd.shutdown()
    httpd.server_close()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def translate_path(self, path):
        return super().translate_path(path.replace("/dl_files/database", "", 1))

    def log_message(self, format, *args):
        pass


@pytest.fixture(scope="module")
def installed(server, tmp_path_factory):
    """Install release 30.1 once into a fresh cache; yield settings, result and hook calls."""
    settings = Settings(cache_dir=tmp_path_factory.mktemp("cache"))
    calls = []
    result = update_onet(
        "30.1", settings=settings, base_url=server,
        rebuild=lambda s, release: calls.append((s, release)) or "retrained",
    )
    yield settings, result, calls
    clear_reference_cache()


def _snapshot(settings: Settings):
    root = settings.cache_dir / "onet"
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")), (
        root / "active.json").read_text()


def test_release_numbers_and_urls():
    assert parse_release(" 30.1 ") == "30.1"
    assert release_url("30.1", "http://127.0.0.1:1/db/") == "http://127.0.0.1:1/db/db_30_1_text.zip"
    assert release_url("30.1").startswith("https://www.onetcenter.org/dl_files/database/")
    for bad in ("30", "thirty", "30.1.2", "../30.1"):
        with pytest.raises(UpdateError, match="not an O\\*NET release number"):
            parse_release(bad)


def test_good_archive_is_installed_and_activated(installed):
    settings, result, calls = installed
    assert result.release == "30.1" and result.previous == "29.3"
    assert result.folder == settings.cache_dir / "onet" / "30.1"
    assert (result.folder / "Occupation Data.txt").exists()
    assert result.rows["occupations"] == 1016
    assert active_onet_release(settings.cache_dir) == "30.1"
    assert installed_releases(settings.cache_dir) == ["30.1"]
    assert calls == [(settings, "30.1")] and result.rebuilt == "retrained"
    leftovers = [p.name for p in (settings.cache_dir / "onet").iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_readers_use_the_active_release(installed, monkeypatch):
    settings, _, _ = installed
    monkeypatch.setenv("JOBATLAS_CACHE_DIR", str(settings.cache_dir))
    table = read_onet_table("Occupation Data")
    assert NEW_TITLE in set(table["Title"])
    ref = load_reference(cache_dir=settings.cache_dir)
    assert ref.onet_release == "30.1"
    assert ref.occupations.loc["53-3032.00", "title"] == NEW_TITLE


@pytest.mark.parametrize(
    ("release", "message"),
    [
        ("30.2", "is not a readable zip archive"),
        ("30.3", "lacks required table\\(s\\): Tasks to DWAs"),
        ("30.4", "Job Zones.*column 'O\\*NET-SOC Code', row \\d+"),
        ("31.0", "HTTP 404"),
    ],
)
def test_bad_archives_leave_the_installed_release_untouched(installed, server, release, message):
    settings, _, _ = installed
    before = _snapshot(settings)
    calls = []
    with pytest.raises(UpdateError, match=message):
        update_onet(release, settings=settings, base_url=server,
                    rebuild=lambda s, r: calls.append(r))
    assert _snapshot(settings) == before
    assert calls == []
    assert active_onet_release(settings.cache_dir) == "30.1"


def test_unreachable_server(installed):
    settings, _, _ = installed
    with pytest.raises(UpdateError, match="db_30_1_text.zip failed: cannot connect to the server"):
        update_onet("30.1", settings=settings, base_url="http://127.0.0.1:9", rebuild=None)


def test_switch_back_to_the_shipped_release(tmp_path, installed):
    _, result, _ = installed
    (tmp_path / "onet").mkdir()
    (tmp_path / "onet" / "30.1").symlink_to(result.folder, target_is_directory=True)
    activate_release("30.1", tmp_path)
    assert active_onet_release(tmp_path) == "30.1"
    activate_release("29.3", tmp_path)
    assert active_onet_release(tmp_path) is None
    with pytest.raises(UpdateError, match="not installed"):
        activate_release("30.9", tmp_path)


def test_install_from_a_local_archive(server, tmp_path):
    archive = tmp_path / "release.zip"
    archive.write_bytes(_zip(_tables(rename_truck=False), "db_30_1_text"))
    settings = Settings(cache_dir=tmp_path / "cache")
    result = update_onet("30.1", settings=settings, archive=archive, rebuild=None)
    assert result.source == str(archive)
    record = json.loads((tmp_path / "cache" / "onet" / "active.json").read_text())
    assert record["release"] == "30.1" and record["source"] == str(archive)
    (result.folder / "stale marker.txt").write_text("from the first install")
    again = update_onet("30.1", settings=settings, archive=archive, rebuild=None)
    assert again.previous == "30.1"
    assert not (again.folder / "stale marker.txt").exists()
    assert sorted(p.name for p in (tmp_path / "cache" / "onet").iterdir()) == [
        "30.1", "active.json"]
    clear_reference_cache()


@pytest.mark.parametrize(
    ("table", "content", "message"),
    [
        ("Occupation Data", b"O*NET-SOC Code\tTitle\tDescription\n53-3032.00\tCaf\xe9\tx\n",
         "not UTF-8"),
        ("Occupation Data", b"O*NET-SOC Code\tTitle\tDescription\n53-3032.00\ta\tb\tc\td\n",
         "failed validation"),
        ("Occupation Data", b"O*NET-SOC Code\tTitle\tDescription\n53-3032.00\tTruckers\tx\n",
         "1 occupations in Occupation Data, expected 900"),
    ],
)
def test_malformed_tables_are_rejected(tmp_path, table, content, message):
    tables = _tables(rename_truck=False)
    tables[table] = content
    archive = tmp_path / "release.zip"
    archive.write_bytes(_zip(tables, "db_30_1_text"))
    settings = Settings(cache_dir=tmp_path / "cache")
    with pytest.raises(UpdateError, match=message):
        update_onet("30.1", settings=settings, archive=archive, rebuild=None)
    assert [p.name for p in (tmp_path / "cache" / "onet").iterdir()] == []


def test_cli_update_info_and_errors(server, tmp_path):
    runner = CliRunner()
    env = {"JOBATLAS_CACHE_DIR": str(tmp_path), "JOBATLAS_ONET_BASE_URL": server}
    missing = runner.invoke(main, ["data", "update", "--release", "31.0", "--no-rebuild"], env=env)
    assert missing.exit_code == 1
    assert missing.output.strip().splitlines() == [
        f"Error: download of {server}/db_31_0_text.zip failed: HTTP 404"]
    url = f"{server}/elsewhere/release.zip"
    moved = runner.invoke(main, ["data", "update", "--url", url, "--no-rebuild"], env=env)
    assert moved.exit_code == 1 and f"download of {url} failed: HTTP 404" in moved.output
    bad = runner.invoke(main, ["data", "update", "--release", "x"], env=env)
    assert bad.exit_code == 1 and "not an O*NET release number" in bad.output

    done = runner.invoke(main, ["data", "update", "--no-rebuild"], env=env)
    assert done.exit_code == 0, done.output
    assert "O*NET 30.1 installed" in done.output and "1016 occupations" in done.output
    info = runner.invoke(main, ["data", "info"], env=env)
    assert info.exit_code == 0
    assert "shipped O*NET release:   29.3" in info.output
    assert "active O*NET release:    30.1" in info.output
    back = runner.invoke(main, ["data", "use", "29.3"], env=env)
    assert back.exit_code == 0
    assert active_onet_release(tmp_path) is None
    clear_reference_cache()
