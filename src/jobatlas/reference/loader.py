"""Load all reference data for serving: ``load_reference`` returns one ``ReferenceData``.

Parsed tables are cached as Parquet in ``<cache_dir>/reference/<onet release>/`` keyed by a
hash of their source files, so a warm start reads a few Parquet files instead of parsing
tens of megabytes of text. The OEWS metropolitan table is read only when first used.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from jobatlas.config import PACKAGE_DATA_DIR, Settings
from jobatlas.reference import onet, projections, soc2018, wages
from jobatlas.reference.cache import FrameCache
from jobatlas.reference.files import onet_table_path, resolve_onet_dir
from jobatlas.reference.matching import CodeMatch, CodeResolver
from jobatlas.reference.wages import WageTable

log = logging.getLogger(__name__)


@dataclass(frozen=True, eq=False)  # identity equality and hash: fields are DataFrames
class ReferenceData:
    """Every reference table jobatlas serves from, as typed DataFrames (see ARCHITECTURE.md)."""

    onet_release: str
    onet_dir: Path
    occupations: pd.DataFrame
    alternate_titles: pd.DataFrame
    reported_titles: pd.DataFrame
    tasks: pd.DataFrame
    task_dwas: pd.DataFrame
    technology_skills: pd.DataFrame
    tools: pd.DataFrame
    skills: pd.DataFrame
    knowledge: pd.DataFrame
    related: pd.DataFrame
    job_zone_reference: pd.DataFrame
    education: pd.DataFrame
    soc_structure: pd.DataFrame
    crosswalk: pd.DataFrame
    direct_match_titles: pd.DataFrame
    wages: WageTable
    projections: pd.DataFrame
    projection_resolver: CodeResolver = field(repr=False)

    def projection(self, soc: str) -> tuple[pd.Series, CodeMatch] | None:
        """Return the projections row for a SOC or O*NET-SOC code and how it was matched.

        Falls back to the National Employment Matrix aggregate or broad group that contains
        a detailed code the projections do not list separately; None when there is none.
        """
        found = self.projection_resolver.resolve(soc)
        if found is None:
            return None
        return self.projections.loc[found.code], found


def _onet_release_name(folder: Path) -> str:
    return folder.name


def _onet_tables(folder: Path, cache: FrameCache) -> dict[str, pd.DataFrame]:
    def table(name: str, tables: tuple[str, ...], build: Callable[[Path], pd.DataFrame]):
        sources = [onet_table_path(folder, t) for t in tables]
        return cache.get(name, sources, lambda: build(folder))

    return {
        "occupations": table("occupations", ("Occupation Data", "Job Zones"),
                             onet.load_occupations),
        "alternate_titles": table("alternate_titles", ("Alternate Titles",),
                                  onet.load_alternate_titles),
        "reported_titles": table("reported_titles", ("Sample of Reported Titles",),
                                 onet.load_reported_titles),
        "tasks": table("tasks", ("Task Statements",), onet.load_tasks),
        "task_dwas": table("task_dwas", ("Tasks to DWAs",), onet.load_task_dwas),
        "technology_skills": table("technology_skills", ("Technology Skills",),
                                   onet.load_technology_skills),
        "tools": table("tools", ("Tools Used",), onet.load_tools),
        "skills": table("skills", ("Skills",), lambda f: onet.load_ratings(f, "Skills")),
        "knowledge": table("knowledge", ("Knowledge",),
                           lambda f: onet.load_ratings(f, "Knowledge")),
        "related": table("related", ("Related Occupations",), onet.load_related),
        "job_zone_reference": table("job_zone_reference", ("Job Zone Reference",),
                                    onet.load_job_zone_reference),
        "education": table(
            "education",
            ("Education, Training, and Experience",
             "Education, Training, and Experience Categories"),
            onet.load_education,
        ),
    }


def _shipped(data_dir: Path, relative: str) -> Path:
    path = data_dir / relative
    return path if path.exists() else data_dir / f"{relative}.gz"


def _other_tables(data_dir: Path, cache: FrameCache) -> dict[str, pd.DataFrame]:
    def table(name: str, files: tuple[str, ...], build: Callable[[Path], pd.DataFrame]):
        return cache.get(name, [_shipped(data_dir, f) for f in files], lambda: build(data_dir))

    return {
        "soc_structure": table("soc_structure", (soc2018.STRUCTURE, soc2018.DEFINITIONS),
                               soc2018.load_soc_structure),
        "crosswalk": table("crosswalk", (soc2018.CROSSWALK,), soc2018.load_crosswalk),
        "direct_match_titles": table("direct_match_titles", (soc2018.DIRECT_MATCH,),
                                     soc2018.load_direct_match_titles),
        "projections": table("projections", (projections.TABLE_1_2, projections.TABLE_1_10),
                              projections.load_projections),
        "oews_national": table("oews_national", (wages.NATIONAL,),
                               lambda d: wages.load_oews(d, wages.NATIONAL)),
        "oews_state": table("oews_state", (wages.STATE,),
                            lambda d: wages.load_oews(d, wages.STATE)),
    }


def build_reference(
    data_dir: Path | str | None = None,
    onet_folder: Path | str | None = None,
    cache_root: Path | str | None = None,
) -> ReferenceData:
    """Load every table from ``data_dir`` and the O*NET folder, caching below ``cache_root``."""
    data_dir = Path(data_dir or PACKAGE_DATA_DIR)
    folder = Path(onet_folder) if onet_folder is not None else resolve_onet_dir(data_dir)
    release = _onet_release_name(folder)
    cache = FrameCache(None if cache_root is None else Path(cache_root) / release)
    tables = {**_onet_tables(folder, cache), **_other_tables(data_dir, cache)}
    soc_detailed = frozenset(
        tables["soc_structure"].index[tables["soc_structure"]["level"] == "detailed"]
    )
    metro_source = _shipped(data_dir, wages.METRO)
    wage_table = WageTable(
        tables.pop("oews_national"),
        tables.pop("oews_state"),
        lambda: cache.get("oews_metro", [metro_source],
                          lambda: wages.load_oews(data_dir, wages.METRO)),
        soc_detailed,
    )
    resolver = CodeResolver(tables["projections"].index, soc_detailed)
    log.info("loaded reference data (O*NET %s from %s)", release, folder)
    return ReferenceData(
        onet_release=release, onet_dir=folder, wages=wage_table,
        projection_resolver=resolver, **tables,
    )


@functools.lru_cache(maxsize=4)
def _load(data_dir: Path, onet_folder: Path, cache_root: Path | None) -> ReferenceData:
    return build_reference(data_dir, onet_folder, cache_root)


def load_reference(
    data_dir: Path | str | None = None,
    *,
    cache_dir: Path | str | None = None,
    use_cache: bool = True,
) -> ReferenceData:
    """Return the reference data of ``data_dir`` (default: shipped), loaded once per folder.

    O*NET tables come from the active release (see ``jobatlas data update``); parsed tables
    are cached in ``<cache_dir>/reference/`` (default: ``Settings.from_env().cache_dir``)
    unless ``use_cache`` is False.
    """
    data_dir = Path(data_dir or PACKAGE_DATA_DIR).resolve()
    if cache_dir is None:
        cache_dir = Settings.from_env().cache_dir
    folder = resolve_onet_dir(data_dir, cache_dir=cache_dir).resolve()
    cache_root = Path(cache_dir) / "reference" if use_cache else None
    return _load(data_dir, folder, cache_root)


def clear_reference_cache() -> None:
    """Forget the ReferenceData loaded in this process (files on disk are kept)."""
    _load.cache_clear()
