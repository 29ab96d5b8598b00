"""Craigslist areas and job categories: the shipped reference, a refreshed cache, and lookups."""

from __future__ import annotations

import csv
import gzip
import json
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import requests

from jobatlas.config import PACKAGE_DATA_DIR

logger = logging.getLogger(__name__)

AREAS_URL = "https://reference.craigslist.org/Areas"
SHIPPED_AREAS = Path("craigslist") / "reference_craigslist_Areas_2022-04.json.gz"
SHIPPED_CATEGORIES = Path("craigslist") / "craigslist_job_categories_from_reference_Categories.csv"
CACHE_NAME = Path("craigslist") / "areas.json"
ALL_JOBS = "jjj"


class UnknownArea(ValueError):
    """Raised for an area name that is not in the area reference."""


class UnknownCategory(ValueError):
    """Raised for a category code that is not one of the job categories."""


@dataclass(frozen=True)
class Area:
    """One Craigslist site (e.g. hostname ``sfbay``, abbreviation ``sfo``, id 1)."""

    area_id: int
    hostname: str
    abbreviation: str
    description: str
    country: str
    region: str | None
    latitude: float | None
    longitude: float | None
    subareas: tuple[str, ...] = ()


@dataclass(frozen=True)
class Category:
    """One job category (``trd`` = skilled trades/artisan, id 59)."""

    code: str
    category_id: int
    description: str


def load_areas(data_dir: Path = PACKAGE_DATA_DIR, cache_dir: Path | None = None) -> list[Area]:
    """Return every area: from the refreshed cache in ``cache_dir`` if present, else as shipped."""
    cached = Path(cache_dir) / CACHE_NAME if cache_dir else None
    if cached is not None and cached.exists():
        records = json.loads(cached.read_text(encoding="utf-8"))
    else:
        with gzip.open(Path(data_dir) / SHIPPED_AREAS, "rt", encoding="utf-8") as handle:
            records = json.load(handle)
    return [area_from_record(r) for r in records]


def area_from_record(record: dict) -> Area:
    """Build an ``Area`` from one ``reference.craigslist.org/Areas`` record."""
    return Area(
        area_id=int(record["AreaID"]),
        hostname=str(record["Hostname"]),
        abbreviation=str(record["Abbreviation"]),
        description=str(record.get("Description") or record["Hostname"]),
        country=str(record.get("Country") or ""),
        region=record.get("Region") or None,
        latitude=_float(record.get("Latitude")),
        longitude=_float(record.get("Longitude")),
        subareas=tuple(s["Abbreviation"] for s in record.get("SubAreas") or []),
    )


def us_areas(areas: list[Area] | None = None) -> list[Area]:
    """Return the US areas, ordered by hostname."""
    areas = load_areas() if areas is None else areas
    return sorted((a for a in areas if a.country == "US"), key=lambda a: a.hostname)


def resolve_areas(names: list[str] | str, areas: list[Area] | None = None) -> list[Area]:
    """Resolve hostnames or abbreviations ("sfbay", "bos"); "all" means every US area."""
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",") if n.strip()]
    areas = load_areas() if areas is None else areas
    if any(n.lower() == "all" for n in names):
        return us_areas(areas)
    by_name = {a.abbreviation.lower(): a for a in areas} | {a.hostname.lower(): a for a in areas}
    resolved = []
    for name in names:
        area = by_name.get(name.lower())
        if area is None:
            raise UnknownArea(f"unknown Craigslist area {name!r} (use a hostname such as 'sfbay')")
        if area not in resolved:
            resolved.append(area)
    return resolved


def load_job_categories(data_dir: Path = PACKAGE_DATA_DIR) -> list[Category]:
    """Return the 31 job categories (type ``J`` in the category reference)."""
    with open(Path(data_dir) / SHIPPED_CATEGORIES, encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    return [
        Category(r["abbreviation"], int(r["category_id"]), r["description"])
        for r in rows
        if r["type"] == "J"
    ]


def resolve_categories(codes: list[str] | str, data_dir: Path = PACKAGE_DATA_DIR) -> list[str]:
    """Resolve category codes; "all" or "jjj" gives ``["jjj"]``, the site's all-jobs search path."""
    if isinstance(codes, str):
        codes = [c.strip() for c in codes.split(",") if c.strip()]
    known = {c.code for c in load_job_categories(data_dir)}
    out: list[str] = []
    for code in codes:
        code = code.lower()
        if code in ("all", ALL_JOBS):
            return [ALL_JOBS]
        if code not in known:
            choices = ", ".join(sorted(known))
            raise UnknownCategory(f"unknown job category {code!r}; known: {choices}")
        if code not in out:
            out.append(code)
    return out


def category_codes(data_dir: Path = PACKAGE_DATA_DIR) -> dict[int, str]:
    """Map job category ids to codes (59 -> "trd")."""
    return {c.category_id: c.code for c in load_job_categories(data_dir)}


def refresh_areas(cache_dir: Path, url: str = AREAS_URL, timeout: float = 30.0) -> Path:
    """Fetch the live area reference and write it to the cache; returns the cache file.

    The response must be a JSON list of area records; anything else raises ``ValueError`` and
    leaves the existing cache untouched.
    """
    from jobatlas import __version__

    response = requests.get(
        url, timeout=timeout, headers={"User-Agent": f"jobatlas/{__version__} (area reference)"}
    )
    response.raise_for_status()
    records = response.json()
    if not isinstance(records, list) or not records:
        raise ValueError(f"{url} did not return a list of areas")
    areas = [area_from_record(r) for r in records]  # validates every record before writing
    target = Path(cache_dir) / CACHE_NAME
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(records, handle)
    os.replace(tmp, target)
    logger.info("cached %d Craigslist areas (%d US) in %s", len(areas), len(us_areas(areas)),
                target)
    return target


def _float(value: object) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except (TypeError, ValueError):
        return None
