"""Typed loaders for SOC 2018: hierarchy, definitions, O*NET-SOC crosswalk, Direct Match Titles."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from jobatlas.reference.checks import ReferenceDataError, parse_codes, require_columns, to_flag
from jobatlas.reference.files import read_csv
from jobatlas.soc import parse_onet_soc, parse_soc

STRUCTURE = "soc/soc_2018_structure.csv"
DEFINITIONS = "soc/soc_2018_definitions.csv"
CROSSWALK = "soc/onet_soc_2019_to_soc_2018.csv"
DIRECT_MATCH = "soc/soc_2018_direct_match_title_file.csv"
LEVELS = ("major", "minor", "broad", "detailed")


def _read(data_dir: Path, relative: str, columns: tuple[str, ...]) -> tuple[pd.DataFrame, str]:
    source = f"{relative} ({Path(data_dir) / relative})"
    frame = read_csv(relative, data_dir)
    require_columns(frame, columns, source)
    return frame, source


def _optional_code(frame: pd.DataFrame, column: str, source: str) -> pd.Series:
    present = frame[column].str.strip() != ""
    codes = pd.Series("", index=frame.index, dtype=object)
    codes[present] = parse_codes(frame[present], column, source, parse_soc)
    return codes


def load_soc_structure(data_dir: Path) -> pd.DataFrame:
    """Return every SOC 2018 group and occupation indexed by ``soc``.

    Columns: ``title``, ``level`` (major/minor/broad/detailed), ``major_group``,
    ``minor_group``, ``broad_group`` ("" above the row's level) and ``definition``
    (detailed occupations only).
    """
    columns = ("soc_code", "soc_title", "level", "major_group", "minor_group", "broad_group")
    frame, source = _read(data_dir, STRUCTURE, columns)
    unknown = ~frame["level"].isin(LEVELS)
    if unknown.any():
        raise ReferenceDataError(
            f"{source}: column 'level' has {frame.loc[unknown, 'level'].iloc[0]!r}, "
            f"expected one of {', '.join(LEVELS)}"
        )
    structure = pd.DataFrame(
        {
            "soc": parse_codes(frame, "soc_code", source, parse_soc),
            "title": frame["soc_title"].str.strip(),
            "level": frame["level"],
            "major_group": _optional_code(frame, "major_group", source),
            "minor_group": _optional_code(frame, "minor_group", source),
            "broad_group": _optional_code(frame, "broad_group", source),
        }
    )
    definitions = load_soc_definitions(data_dir)
    structure["definition"] = structure["soc"].map(definitions).fillna("")
    return structure.set_index("soc")


def load_soc_definitions(data_dir: Path) -> pd.Series:
    """Return the official SOC 2018 definition of each detailed occupation, indexed by code."""
    frame, source = _read(data_dir, DEFINITIONS, ("SOC Code", "SOC Definition"))
    codes = parse_codes(frame, "SOC Code", source, parse_soc)
    definitions = pd.Series(frame["SOC Definition"].str.strip().to_numpy(), index=codes.to_numpy())
    return definitions[definitions != ""]


def load_crosswalk(data_dir: Path) -> pd.DataFrame:
    """Return the O*NET-SOC 2019 to SOC 2018 crosswalk: ``code``, ``soc`` and both titles."""
    columns = ("O*NET-SOC 2019 Code", "O*NET-SOC 2019 Title", "2018 SOC Code", "2018 SOC Title")
    frame, source = _read(data_dir, CROSSWALK, columns)
    return pd.DataFrame(
        {
            "code": parse_codes(frame, "O*NET-SOC 2019 Code", source, parse_onet_soc),
            "soc": parse_codes(frame, "2018 SOC Code", source, parse_soc),
            "onet_title": frame["O*NET-SOC 2019 Title"].str.strip(),
            "soc_title": frame["2018 SOC Title"].str.strip(),
        }
    )


def load_direct_match_titles(data_dir: Path) -> pd.DataFrame:
    """Return the BLS Direct Match Title File (``soc``, ``soc_title``, ``title``, flag)."""
    columns = ("2018 SOC Code", "2018 SOC Title", "2018 SOC Direct Match Title",
               "Illustrative Example")
    frame, source = _read(data_dir, DIRECT_MATCH, columns)
    return pd.DataFrame(
        {
            "soc": parse_codes(frame, "2018 SOC Code", source, parse_soc),
            "soc_title": frame["2018 SOC Title"].str.strip(),
            "title": frame["2018 SOC Direct Match Title"].str.strip(),
            "illustrative": to_flag(frame, "Illustrative Example", source),
        }
    )
