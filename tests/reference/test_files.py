"""Which O*NET folder is read: shipped, installed active release, or a custom data folder."""

from __future__ import annotations

import json

from jobatlas.config import PACKAGE_DATA_DIR
from jobatlas.reference.files import (
    SHIPPED_ONET_RELEASE,
    active_onet_release,
    read_onet_table,
    resolve_onet_dir,
)


def test_shipped_release_without_installs(tmp_path):
    assert active_onet_release(tmp_path) is None
    assert resolve_onet_dir(cache_dir=tmp_path) == PACKAGE_DATA_DIR / "onet" / SHIPPED_ONET_RELEASE


def test_active_installed_release_is_used(tmp_path):
    installed = tmp_path / "onet" / "30.1"
    installed.mkdir(parents=True)
    (installed / "Job Zones.txt").write_text("O*NET-SOC Code\tTitle\tJob Zone\n11-1011.00\tX\t5\n")
    (tmp_path / "onet" / "active.json").write_text(json.dumps({"release": "30.1"}))
    assert active_onet_release(tmp_path) == "30.1"
    assert resolve_onet_dir(cache_dir=tmp_path) == installed
    assert resolve_onet_dir(release="29.3", cache_dir=tmp_path).parent.parent == PACKAGE_DATA_DIR


def test_marker_for_a_missing_folder_falls_back_to_shipped(tmp_path, caplog):
    (tmp_path / "onet").mkdir()
    (tmp_path / "onet" / "active.json").write_text(json.dumps({"release": "31.0"}))
    assert active_onet_release(tmp_path) is None
    assert "not installed" in caplog.text
    (tmp_path / "onet" / "active.json").write_text("{not json")
    assert active_onet_release(tmp_path) is None


def test_read_onet_table_reads_the_active_release(tmp_path, monkeypatch):
    installed = tmp_path / "onet" / "30.1"
    installed.mkdir(parents=True)
    (installed / "Job Zones.txt").write_text(
        "O*NET-SOC Code\tTitle\tJob Zone\n11-1011.00\tn/a\t5\n"
    )
    (tmp_path / "onet" / "active.json").write_text(json.dumps({"release": "30.1"}))
    monkeypatch.setenv("JOBATLAS_CACHE_DIR", str(tmp_path))
    table = read_onet_table("Job Zones")
    assert table.to_dict("records") == [
        {"O*NET-SOC Code": "11-1011.00", "Title": "", "Job Zone": "5"}
    ]
    assert len(read_onet_table("Job Zones", release=SHIPPED_ONET_RELEASE)) == 923
