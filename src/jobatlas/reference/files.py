"""Read the shipped reference files exactly as published (raw column names, text values).

O*NET tables come from the *active* release: the one installed by ``jobatlas data update``
under ``<cache_dir>/onet/<release>/`` when there is one, otherwise the release shipped in
``src/jobatlas/data/onet/``.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pandas as pd

from jobatlas.config import PACKAGE_DATA_DIR, Settings

SHIPPED_ONET_RELEASE = "29.3"
ACTIVE_RELEASE_FILE = "active.json"

log = logging.getLogger(__name__)


def onet_dir(data_dir: Path = PACKAGE_DATA_DIR, release: str = SHIPPED_ONET_RELEASE) -> Path:
    """Return the folder that holds one O*NET text release."""
    return Path(data_dir) / "onet" / release


def installed_onet_root(cache_dir: Path | str | None = None) -> Path:
    """Return the folder below which ``jobatlas data update`` installs O*NET releases."""
    if cache_dir is None:
        cache_dir = Settings.from_env().cache_dir
    return Path(cache_dir) / "onet"


def active_onet_release(cache_dir: Path | str | None = None) -> str | None:
    """Return the installed release recorded as active, or None when the shipped one is in use."""
    marker = installed_onet_root(cache_dir) / ACTIVE_RELEASE_FILE
    if not marker.exists():
        return None
    try:
        release = json.loads(marker.read_text(encoding="utf-8"))["release"]
    except (ValueError, KeyError, TypeError):
        log.warning("ignoring unreadable active O*NET release marker %s", marker)
        return None
    if not (installed_onet_root(cache_dir) / release).is_dir():
        log.warning("active O*NET release %s is not installed; using the shipped one", release)
        return None
    return str(release)


def resolve_onet_dir(
    data_dir: Path | str | None = None,
    release: str | None = None,
    cache_dir: Path | str | None = None,
) -> Path:
    """Return the O*NET folder to read.

    A ``data_dir`` other than the shipped one is a self-contained data folder and is used as
    given. Otherwise an explicit ``release`` or else the active installed release is looked up
    in the cache, falling back to the shipped release.
    """
    if data_dir is not None and Path(data_dir).resolve() != PACKAGE_DATA_DIR:
        return onet_dir(Path(data_dir), release or SHIPPED_ONET_RELEASE)
    if release is None:
        release = active_onet_release(cache_dir)
    if release is not None and release != SHIPPED_ONET_RELEASE:
        installed = installed_onet_root(cache_dir) / release
        if installed.is_dir():
            return installed
    return onet_dir(PACKAGE_DATA_DIR, release or SHIPPED_ONET_RELEASE)


def onet_table_path(folder: Path, name: str) -> Path:
    """Return the path of table ``name`` in an O*NET folder (``.txt.gz`` or ``.txt``)."""
    path = Path(folder) / f"{name}.txt.gz"
    if not path.exists():
        path = Path(folder) / f"{name}.txt"
    if not path.exists():
        raise FileNotFoundError(f"O*NET table {name!r} not found in {folder}")
    return path


def read_onet_file(path: Path) -> pd.DataFrame:
    """Read one O*NET text-release file as text columns (``n/a`` becomes ``""``)."""
    return pd.read_csv(
        path,
        sep="\t",
        dtype=str,
        keep_default_na=False,
        na_values=[],
        quoting=3,  # csv.QUOTE_NONE: the text release is unquoted
        encoding="utf-8",
    ).replace({"n/a": ""})


def read_onet_table(
    name: str,
    data_dir: Path | str | None = None,
    release: str | None = None,
    *,
    folder: Path | str | None = None,
) -> pd.DataFrame:
    """Read one O*NET text-release table (e.g. ``"Occupation Data"``) with its published headers.

    Values stay strings; ``n/a`` cells become empty strings so that typed loaders decide what
    a missing value means for each column. Without arguments the active release is read
    (see ``resolve_onet_dir``); ``folder`` names an O*NET folder directly.
    """
    if folder is None:
        folder = resolve_onet_dir(data_dir, release)
    return read_onet_file(onet_table_path(Path(folder), name))


def read_csv(relative: str, data_dir: Path | str = PACKAGE_DATA_DIR, **kwargs) -> pd.DataFrame:
    """Read a shipped CSV (``.csv`` or ``.csv.gz``) below the data folder as text columns."""
    path = Path(data_dir) / relative
    if not path.exists() and not relative.endswith(".gz"):
        path = Path(data_dir) / f"{relative}.gz"
    return pd.read_csv(path, dtype=str, keep_default_na=False, **kwargs)
