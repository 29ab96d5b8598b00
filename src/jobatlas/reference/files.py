"""Read the shipped reference files exactly as published (raw column names, text values)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from jobatlas.config import PACKAGE_DATA_DIR

SHIPPED_ONET_RELEASE = "29.3"


def onet_dir(data_dir: Path = PACKAGE_DATA_DIR, release: str = SHIPPED_ONET_RELEASE) -> Path:
    """Return the folder that holds one O*NET text release."""
    return Path(data_dir) / "onet" / release


def read_onet_table(
    name: str, data_dir: Path = PACKAGE_DATA_DIR, release: str = SHIPPED_ONET_RELEASE
) -> pd.DataFrame:
    """Read one O*NET text-release table (e.g. ``"Occupation Data"``) with its published headers.

    Values stay strings; ``n/a`` cells become empty strings so that typed loaders decide what
    a missing value means for each column.
    """
    folder = onet_dir(data_dir, release)
    path = folder / f"{name}.txt.gz"
    if not path.exists():
        path = folder / f"{name}.txt"
    if not path.exists():
        raise FileNotFoundError(f"O*NET {release} table {name!r} not found in {folder}")
    return pd.read_csv(
        path,
        sep="\t",
        dtype=str,
        keep_default_na=False,
        na_values=[],
        quoting=3,  # csv.QUOTE_NONE: the text release is unquoted
        encoding="utf-8",
    ).replace({"n/a": ""})


def read_csv(relative: str, data_dir: Path = PACKAGE_DATA_DIR, **kwargs) -> pd.DataFrame:
    """Read a shipped CSV (``.csv`` or ``.csv.gz``) below the data folder as text columns."""
    path = Path(data_dir) / relative
    if not path.exists() and not relative.endswith(".gz"):
        path = Path(data_dir) / f"{relative}.gz"
    return pd.read_csv(path, dtype=str, keep_default_na=False, **kwargs)
