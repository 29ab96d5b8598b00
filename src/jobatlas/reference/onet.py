"""Typed loaders for the O*NET text-release tables (O*NET-SOC 2019 taxonomy).

Every loader takes the folder of one release (see ``files.resolve_onet_dir``), checks the
columns it needs, normalizes codes with ``jobatlas.soc`` and returns snake_case columns.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from jobatlas.reference.checks import (
    ReferenceDataError,
    parse_codes,
    require_columns,
    require_rows,
    to_flag,
    to_number,
)
from jobatlas.reference.files import onet_table_path, read_onet_file
from jobatlas.soc import parse_onet_soc, parse_soc

CODE = "O*NET-SOC Code"

# Tables (and the columns jobatlas reads from them) that a usable O*NET release must have.
REQUIRED_TABLES: dict[str, tuple[str, ...]] = {
    "Occupation Data": (CODE, "Title", "Description"),
    "Alternate Titles": (CODE, "Alternate Title", "Short Title"),
    "Sample of Reported Titles": (CODE, "Reported Job Title", "Shown in My Next Move"),
    "Task Statements": (CODE, "Task ID", "Task", "Task Type"),
    "Tasks to DWAs": (CODE, "Task ID", "DWA ID", "DWA Title"),
    "Technology Skills": (CODE, "Example", "Commodity Code", "Commodity Title",
                          "Hot Technology", "In Demand"),
    "Tools Used": (CODE, "Example", "Commodity Code", "Commodity Title"),
    "Skills": (CODE, "Element ID", "Element Name", "Scale ID", "Data Value"),
    "Knowledge": (CODE, "Element ID", "Element Name", "Scale ID", "Data Value"),
    "Job Zones": (CODE, "Job Zone"),
    "Job Zone Reference": ("Job Zone", "Name", "Experience", "Education", "Job Training",
                           "Examples", "SVP Range"),
    "Education, Training, and Experience": (CODE, "Element ID", "Scale ID", "Category",
                                            "Data Value"),
    "Education, Training, and Experience Categories": ("Element ID", "Scale ID", "Category",
                                                       "Category Description"),
    "Related Occupations": (CODE, "Related O*NET-SOC Code", "Relatedness Tier", "Index"),
}


def read_table(folder: Path, name: str) -> tuple[pd.DataFrame, str]:
    """Read table ``name`` from ``folder``, check its required columns, return it and its label."""
    path = onet_table_path(folder, name)
    source = f"O*NET table {name!r} ({path})"
    frame = read_onet_file(path)
    require_columns(frame, REQUIRED_TABLES.get(name, ()), source)
    require_rows(frame, source)
    return frame, source


def _codes(frame: pd.DataFrame, source: str, column: str = CODE) -> pd.Series:
    return parse_codes(frame, column, source, parse_onet_soc)


def load_occupations(folder: Path) -> pd.DataFrame:
    """Return one row per O*NET-SOC code: title, description, SOC, job zone, data level.

    ``data_level`` is True for the occupations O*NET collects data for (those with a job zone);
    the others are SOC-title or "All Other" residual codes.
    """
    frame, source = read_table(folder, "Occupation Data")
    occupations = pd.DataFrame(
        {
            "code": _codes(frame, source),
            "title": frame["Title"].str.strip(),
            "description": frame["Description"].str.strip(),
        }
    )
    if occupations["code"].duplicated().any():
        duplicate = occupations.loc[occupations["code"].duplicated(), "code"].iloc[0]
        raise ReferenceDataError(f"{source}: code {duplicate} appears twice")
    occupations["soc"] = occupations["code"].map(parse_soc)
    zones = load_job_zones(folder).set_index("code")["job_zone"]
    occupations["job_zone"] = occupations["code"].map(zones).astype("Int64")
    occupations["data_level"] = occupations["job_zone"].notna()
    return occupations.set_index("code")


def load_job_zones(folder: Path) -> pd.DataFrame:
    """Return ``code`` and ``job_zone`` (1-5) for the data-level occupations."""
    frame, source = read_table(folder, "Job Zones")
    zones = to_number(frame, "Job Zone", source, dtype="Int64")
    if not zones.between(1, 5).all():
        raise ReferenceDataError(f"{source}: column 'Job Zone' has values outside 1-5")
    return pd.DataFrame({"code": _codes(frame, source), "job_zone": zones})


def load_job_zone_reference(folder: Path) -> pd.DataFrame:
    """Return the five Job Zone definitions indexed by ``job_zone``."""
    frame, source = read_table(folder, "Job Zone Reference")
    reference = pd.DataFrame(
        {
            "job_zone": to_number(frame, "Job Zone", source, dtype="int64"),
            "name": frame["Name"],
            "experience": frame["Experience"],
            "education": frame["Education"],
            "job_training": frame["Job Training"],
            "examples": frame["Examples"],
            "svp_range": frame["SVP Range"],
        }
    )
    return reference.set_index("job_zone")


def load_alternate_titles(folder: Path) -> pd.DataFrame:
    """Return ``code``, ``title`` (the alternate title) and ``short_title`` (or "")."""
    frame, source = read_table(folder, "Alternate Titles")
    return pd.DataFrame(
        {
            "code": _codes(frame, source),
            "title": frame["Alternate Title"].str.strip(),
            "short_title": frame["Short Title"].str.strip(),
        }
    )


def load_reported_titles(folder: Path) -> pd.DataFrame:
    """Return ``code``, ``title`` and ``shown_in_my_next_move`` (bool)."""
    frame, source = read_table(folder, "Sample of Reported Titles")
    return pd.DataFrame(
        {
            "code": _codes(frame, source),
            "title": frame["Reported Job Title"].str.strip(),
            "shown_in_my_next_move": to_flag(frame, "Shown in My Next Move", source),
        }
    )


def load_tasks(folder: Path) -> pd.DataFrame:
    """Return ``code``, ``task_id``, ``task`` and ``task_type`` (Core, Supplemental or "")."""
    frame, source = read_table(folder, "Task Statements")
    return pd.DataFrame(
        {
            "code": _codes(frame, source),
            "task_id": to_number(frame, "Task ID", source, dtype="int64"),
            "task": frame["Task"].str.strip(),
            "task_type": frame["Task Type"].str.strip(),
        }
    )


def load_task_dwas(folder: Path) -> pd.DataFrame:
    """Return the task to Detailed Work Activity links: ``code``, ``task_id``, ``dwa_id``, title."""
    frame, source = read_table(folder, "Tasks to DWAs")
    return pd.DataFrame(
        {
            "code": _codes(frame, source),
            "task_id": to_number(frame, "Task ID", source, dtype="int64"),
            "dwa_id": frame["DWA ID"].str.strip(),
            "dwa_title": frame["DWA Title"].str.strip(),
        }
    )


def load_technology_skills(folder: Path) -> pd.DataFrame:
    """Return software examples with commodity and the Hot Technology / In Demand flags."""
    frame, source = read_table(folder, "Technology Skills")
    return pd.DataFrame(
        {
            "code": _codes(frame, source),
            "example": frame["Example"].str.strip(),
            "commodity_code": frame["Commodity Code"].str.strip(),
            "commodity_title": frame["Commodity Title"].str.strip(),
            "hot": to_flag(frame, "Hot Technology", source),
            "in_demand": to_flag(frame, "In Demand", source),
        }
    )


def load_tools(folder: Path) -> pd.DataFrame:
    """Return tool and equipment examples with their UNSPSC commodity."""
    frame, source = read_table(folder, "Tools Used")
    return pd.DataFrame(
        {
            "code": _codes(frame, source),
            "example": frame["Example"].str.strip(),
            "commodity_code": frame["Commodity Code"].str.strip(),
            "commodity_title": frame["Commodity Title"].str.strip(),
        }
    )


def load_ratings(folder: Path, name: str) -> pd.DataFrame:
    """Return a Skills- or Knowledge-style table with the IM and LV scales as two columns.

    Columns: ``code``, ``element_id``, ``name``, ``importance`` (1-5), ``level`` (0-7).
    """
    frame, source = read_table(folder, name)
    ratings = pd.DataFrame(
        {
            "code": _codes(frame, source),
            "element_id": frame["Element ID"].str.strip(),
            "name": frame["Element Name"].str.strip(),
            "scale": frame["Scale ID"].str.strip(),
            "value": to_number(frame, "Data Value", source),
        }
    )
    ratings = ratings[ratings["scale"].isin(["IM", "LV"])]
    wide = ratings.pivot_table(
        index=["code", "element_id", "name"], columns="scale", values="value", aggfunc="first"
    )
    if not {"IM", "LV"} <= set(wide.columns):
        raise ReferenceDataError(f"{source}: column 'Scale ID' lacks the IM and LV scales")
    wide = wide.rename(columns={"IM": "importance", "LV": "level"}).reset_index()
    wide.columns.name = None
    return wide[["code", "element_id", "name", "importance", "level"]]


def load_education(folder: Path) -> pd.DataFrame:
    """Return the typical required education per occupation from the RL scale.

    The typical category is the one with the largest share of respondents (ties go to the
    lower category). Columns: ``code``, ``category`` (1-12), ``education`` (the category
    label) and ``share`` (percent of respondents).
    """
    frame, source = read_table(folder, "Education, Training, and Experience")
    rl = frame[frame["Scale ID"].str.strip() == "RL"]
    if rl.empty:
        raise ReferenceDataError(f"{source}: no rows with Scale ID 'RL'")
    education = pd.DataFrame(
        {
            "code": _codes(rl, source),
            "category": to_number(rl, "Category", source, dtype="int64"),
            "share": to_number(rl, "Data Value", source),
        }
    )
    education = education.sort_values(["code", "share", "category"], ascending=[True, False, True])
    typical = education.drop_duplicates("code").reset_index(drop=True)
    labels = load_education_categories(folder)
    typical["education"] = typical["category"].map(labels)
    return typical[["code", "category", "education", "share"]]


def load_education_categories(folder: Path) -> pd.Series:
    """Return the RL (required level of education) category labels indexed by category."""
    frame, source = read_table(folder, "Education, Training, and Experience Categories")
    rl = frame[frame["Scale ID"].str.strip() == "RL"]
    if rl.empty:
        raise ReferenceDataError(f"{source}: no categories for Scale ID 'RL'")
    categories = to_number(rl, "Category", source, dtype="int64")
    return pd.Series(rl["Category Description"].str.strip().to_numpy(), index=categories.to_numpy())


def load_related(folder: Path) -> pd.DataFrame:
    """Return related occupations: ``code``, ``related_code``, ``tier`` and rank ``index``."""
    frame, source = read_table(folder, "Related Occupations")
    return pd.DataFrame(
        {
            "code": _codes(frame, source),
            "related_code": _codes(frame, source, "Related O*NET-SOC Code"),
            "tier": frame["Relatedness Tier"].str.strip(),
            "index": to_number(frame, "Index", source, dtype="int64"),
        }
    )
