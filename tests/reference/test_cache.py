"""The Parquet cache of parsed reference tables."""

from __future__ import annotations

import pandas as pd

from jobatlas.reference.cache import FrameCache


def _builder(calls: list):
    def build() -> pd.DataFrame:
        calls.append(1)
        return pd.DataFrame({"code": ["53-3032.00"], "value": [len(calls)]})

    return build


def test_second_get_reads_the_cache(tmp_path):
    source = tmp_path / "table.txt"
    source.write_text("v1")
    cache, calls = FrameCache(tmp_path / "cache"), []
    first = cache.get("table", [source], _builder(calls))
    second = cache.get("table", [source], _builder(calls))
    assert len(calls) == 1
    pd.testing.assert_frame_equal(first, second)


def test_changed_source_rebuilds_and_drops_the_old_file(tmp_path):
    source = tmp_path / "table.txt"
    source.write_text("v1")
    cache, calls = FrameCache(tmp_path / "cache"), []
    cache.get("table", [source], _builder(calls))
    source.write_text("v2")
    rebuilt = cache.get("table", [source], _builder(calls))
    assert len(calls) == 2 and rebuilt["value"].tolist() == [2]
    assert len(list((tmp_path / "cache").glob("table-*.parquet"))) == 1


def test_unreadable_cache_file_is_rebuilt(tmp_path, caplog):
    source = tmp_path / "table.txt"
    source.write_text("v1")
    cache, calls = FrameCache(tmp_path / "cache"), []
    cache.get("table", [source], _builder(calls))
    (cached,) = (tmp_path / "cache").glob("table-*.parquet")
    cached.write_bytes(b"not parquet")
    assert cache.get("table", [source], _builder(calls))["value"].tolist() == [2]
    assert "rebuilding unreadable cache file" in caplog.text


def test_unwritable_cache_still_returns_the_table(tmp_path, caplog):
    source = tmp_path / "table.txt"
    source.write_text("v1")
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder should be")
    frame = FrameCache(blocked / "cache").get("table", [source], _builder([]))
    assert frame["value"].tolist() == [1]
    assert "cannot cache table" in caplog.text


def test_no_root_disables_caching(tmp_path):
    source = tmp_path / "table.txt"
    source.write_text("v1")
    calls = []
    for _ in range(2):
        FrameCache(None).get("table", [source], _builder(calls))
    assert len(calls) == 2
