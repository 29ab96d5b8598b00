"""The scrape-and-explore notebook runs top to bottom against the local stand-in site."""

from __future__ import annotations

from pathlib import Path

import pytest

from jobatlas.testing.site import LocalCraigslist

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "scrape_and_explore.ipynb"


@pytest.mark.slow
def test_notebook_runs_against_the_local_site(tmp_path, monkeypatch, model_cache_dir):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    with LocalCraigslist(areas=("sfbay", "boston"), per_category=4) as site:
        monkeypatch.setenv("JOBATLAS_CRAWL_BASE_URL", site.base_url)
        monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'nb.sqlite3'}")
        monkeypatch.setenv("JOBATLAS_CACHE_DIR", str(model_cache_dir))
        monkeypatch.setenv("JUPYTER_PLATFORM_DIRS", "1")
        notebook = nbformat.read(NOTEBOOK, as_version=4)
        nbclient.NotebookClient(notebook, timeout=900, kernel_name="python3",
                                resources={"metadata": {"path": str(tmp_path)}}).execute()
        fetched = sum(n for path, n in site.requests.items() if path.endswith(".html"))

    outputs = {i: cell.get("outputs", []) for i, cell in enumerate(notebook.cells)}
    assert not [o for cells in outputs.values() for o in cells if o.get("output_type") == "error"]
    assert fetched > 0  # it crawled the site it was pointed at, not another one
    chart = next(o for o in outputs[len(notebook.cells) - 1] if o.get("output_type") ==
                 "execute_result")
    assert "occupations_by_area.png" in chart["data"]["text/plain"]
    table = next(o for o in outputs[7] if o.get("output_type") == "execute_result")
    assert "sfbay" in table["data"]["text/plain"] and "boston" in table["data"]["text/plain"]
