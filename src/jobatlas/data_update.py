"""Download, validate and install an O*NET text release: ``jobatlas data update``.

A release is installed under ``<cache_dir>/onet/<release>/`` and recorded as active in
``<cache_dir>/onet/active.json``; ``read_onet_table`` and ``load_reference`` then read it.
Installation is atomic: the archive is extracted into a staging folder next to the target,
validated with the same typed loaders the app uses, and only then renamed into place, so a
bad archive leaves the installed data untouched. The shipped release keeps working offline.
"""

from __future__ import annotations

import importlib
import json
import logging
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import requests

from jobatlas.config import Settings
from jobatlas.reference import onet
from jobatlas.reference.checks import ReferenceDataError
from jobatlas.reference.files import (
    ACTIVE_RELEASE_FILE,
    SHIPPED_ONET_RELEASE,
    active_onet_release,
    installed_onet_root,
)
from jobatlas.reference.loader import clear_reference_cache, load_reference

log = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://www.onetcenter.org/dl_files/database/"
BASE_URL_ENV = "JOBATLAS_ONET_BASE_URL"
DEFAULT_RELEASE = "30.1"
# Sanity bounds: O*NET-SOC 2019 has 1,016 codes; a text release is about 100 MB unpacked.
MIN_OCCUPATIONS = 900
MAX_DOWNLOAD_BYTES = 500 * 2**20
MAX_UNPACKED_BYTES = 2 * 2**30
_RELEASE = re.compile(r"^\d{1,2}\.\d{1,2}$")

Rebuild = Callable[[Settings, str], object]


class UpdateError(RuntimeError):
    """An O*NET release that could not be downloaded, read or validated."""


@dataclass(frozen=True)
class UpdateResult:
    """What ``update_onet`` installed."""

    release: str
    folder: Path
    source: str
    rows: dict[str, int]
    rebuilt: object = None
    previous: str | None = None
    notes: list[str] = field(default_factory=list)


def parse_release(text: str) -> str:
    """Return a release number such as ``"30.1"``; raise ``UpdateError`` for anything else."""
    value = str(text).strip()
    if not _RELEASE.match(value):
        raise UpdateError(f"{text!r} is not an O*NET release number such as '30.1'")
    return value


def release_url(release: str, base_url: str | None = None) -> str:
    """Return the URL of a text release, e.g. ``.../db_30_1_text.zip``."""
    base = base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
    return f"{base.rstrip('/')}/db_{parse_release(release).replace('.', '_')}_text.zip"


def download(url: str, target: Path, session: requests.Session | None = None,
             timeout: float = 60.0) -> Path:
    """Download ``url`` to ``target``; raise ``UpdateError`` on HTTP or network errors."""
    http = session or requests.Session()
    try:
        with http.get(url, stream=True, timeout=timeout) as response:
            if response.status_code != 200:
                raise UpdateError(f"download of {url} failed: HTTP {response.status_code}")
            size = 0
            with open(target, "wb") as handle:
                for chunk in response.iter_content(chunk_size=1 << 20):
                    size += len(chunk)
                    if size > MAX_DOWNLOAD_BYTES:
                        raise UpdateError(f"download of {url} exceeds {MAX_DOWNLOAD_BYTES} bytes")
                    handle.write(chunk)
    except requests.Timeout as exc:
        raise UpdateError(f"download of {url} failed: timed out after {timeout:g} s") from exc
    except requests.ConnectionError as exc:
        raise UpdateError(f"download of {url} failed: cannot connect to the server") from exc
    except requests.RequestException as exc:
        raise UpdateError(f"download of {url} failed: {exc}") from exc
    log.info("downloaded %s (%d bytes)", url, size)
    return target


def extract_tables(archive: Path, folder: Path) -> list[str]:
    """Extract the ``.txt`` tables of a text-release zip (any subfolder) flat into ``folder``."""
    try:
        with zipfile.ZipFile(archive) as bundle:
            members = [m for m in bundle.infolist()
                       if not m.is_dir() and m.filename.lower().endswith(".txt")]
            if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
                raise UpdateError(f"{archive.name}: unpacked size exceeds {MAX_UNPACKED_BYTES}")
            names = []
            for member in members:
                # Only the base name is used, so "../" members cannot escape the folder.
                name = Path(member.filename.replace("\\", "/")).name
                with bundle.open(member) as source, open(folder / name, "wb") as target:
                    shutil.copyfileobj(source, target)
                names.append(name)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError) as exc:
        raise UpdateError(f"{archive.name} is not a readable zip archive: {exc}") from exc
    if not names:
        raise UpdateError(f"{archive.name} holds no .txt tables; is it a text release?")
    return names


def validate_release(folder: Path) -> dict[str, int]:
    """Load every table jobatlas needs with the typed loaders; return row counts per table.

    Raises ``UpdateError`` for a missing table, missing column, unparsable code or number,
    too few occupations, or codes that are not in Occupation Data.
    """
    missing = [name for name in onet.REQUIRED_TABLES if not (folder / f"{name}.txt").exists()]
    if missing:
        raise UpdateError(f"release lacks required table(s): {', '.join(missing)}")
    try:
        tables = _load_all(folder)
    except UnicodeDecodeError as exc:
        raise UpdateError(f"release failed validation: a table is not UTF-8 text ({exc})") from exc
    except (ReferenceDataError, FileNotFoundError, ValueError) as exc:
        # ValueError also covers pandas' ParserError for rows with the wrong field count.
        raise UpdateError(f"release failed validation: {exc}") from exc
    codes = set(tables["occupations"].index)
    if len(codes) < MIN_OCCUPATIONS:
        raise UpdateError(
            f"release has {len(codes)} occupations in Occupation Data, expected {MIN_OCCUPATIONS}+"
        )
    for name, table in tables.items():
        if name != "occupations" and "code" in table.columns:
            unknown = set(table["code"]) - codes
            if unknown:
                raise UpdateError(
                    f"release table {name}: code {sorted(unknown)[0]} is not in Occupation Data"
                )
    return {name: len(table) for name, table in tables.items()}


def _load_all(folder: Path) -> dict:
    return {
        "occupations": onet.load_occupations(folder),
        "alternate_titles": onet.load_alternate_titles(folder),
        "reported_titles": onet.load_reported_titles(folder),
        "tasks": onet.load_tasks(folder),
        "task_dwas": onet.load_task_dwas(folder),
        "technology_skills": onet.load_technology_skills(folder),
        "tools": onet.load_tools(folder),
        "skills": onet.load_ratings(folder, "Skills"),
        "knowledge": onet.load_ratings(folder, "Knowledge"),
        "job_zone_reference": onet.load_job_zone_reference(folder).reset_index(),
        "education": onet.load_education(folder),
        "related": onet.load_related(folder),
    }


def install_archive(archive: Path, release: str, cache_dir: Path) -> tuple[Path, dict[str, int]]:
    """Extract, validate and atomically install ``archive`` as ``release``; return folder, rows."""
    root = installed_onet_root(cache_dir)
    root.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".staging-{release}-", dir=root))
    target, retired = root / release, None
    try:
        extract_tables(archive, staging)
        rows = validate_release(staging)
        if target.exists():
            retired = Path(tempfile.mkdtemp(prefix=f".retired-{release}-", dir=root))
            os.rename(target, retired / release)
        os.rename(staging, target)
    except BaseException:
        if retired is not None and not target.exists():
            os.rename(retired / release, target)  # put the previous copy back
        shutil.rmtree(staging, ignore_errors=True)
        if retired is not None:
            shutil.rmtree(retired, ignore_errors=True)
        raise
    if retired is not None:
        shutil.rmtree(retired, ignore_errors=True)
    return target, rows


def activate_release(release: str, cache_dir: Path, source: str = "") -> None:
    """Record ``release`` as active; the shipped release clears the record instead."""
    root = installed_onet_root(cache_dir)
    marker = root / ACTIVE_RELEASE_FILE
    if release == SHIPPED_ONET_RELEASE:
        marker.unlink(missing_ok=True)
    else:
        if not (root / release).is_dir():
            raise UpdateError(f"O*NET {release} is not installed in {root}")
        record = {"release": release, "source": source,
                  "installed_at": datetime.now(UTC).isoformat(timespec="seconds")}
        fd, tmp = tempfile.mkstemp(dir=root, suffix=".json.tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(record, handle)
        os.replace(tmp, marker)
    clear_reference_cache()


def rebuild_dependents(settings: Settings, release: str) -> object:
    """Fill the reference-table cache for the new release, then retrain the engine."""
    ref = load_reference(settings.data_dir, cache_dir=settings.cache_dir)
    log.info("reference data cached for O*NET %s", ref.onet_release)
    return rebuild_engine(settings, release)


def rebuild_engine(settings: Settings, release: str) -> object:
    """Retrain the occupation engine for the new release if ``jobatlas.engine`` is present.

    ``jobatlas.engine.train_engine`` trains on the active release and saves the model under
    that release's model version; it runs even when a model for the release number exists,
    because a reinstalled release may hold different data.
    """
    try:
        engine = importlib.import_module("jobatlas.engine")
    except ModuleNotFoundError as exc:
        if exc.name != "jobatlas.engine":
            raise
        log.info("no occupation engine installed; nothing to rebuild for O*NET %s", release)
        return None
    return engine.train_engine(settings, progress=False)


def update_onet(
    release: str = DEFAULT_RELEASE,
    *,
    settings: Settings | None = None,
    url: str | None = None,
    base_url: str | None = None,
    archive: Path | None = None,
    rebuild: Rebuild | None = rebuild_dependents,
    session: requests.Session | None = None,
) -> UpdateResult:
    """Download (or take ``archive``), validate, install and activate an O*NET text release.

    ``rebuild(settings, release)`` runs after activation (default: ``rebuild_dependents``,
    which caches the reference tables and retrains the occupation engine); None skips it.
    """
    settings = settings or Settings.from_env()
    release = parse_release(release)
    previous = active_onet_release(settings.cache_dir) or SHIPPED_ONET_RELEASE
    root = installed_onet_root(settings.cache_dir)
    root.mkdir(parents=True, exist_ok=True)
    source = str(archive) if archive is not None else (url or release_url(release, base_url))
    with tempfile.TemporaryDirectory(prefix=".download-", dir=root) as scratch:
        if archive is None:
            archive = download(source, Path(scratch) / "release.zip", session)
        folder, rows = install_archive(Path(archive), release, settings.cache_dir)
    activate_release(release, settings.cache_dir, source)
    log.info("installed O*NET %s in %s (was %s)", release, folder, previous)
    rebuilt = rebuild(settings, release) if rebuild is not None else None
    return UpdateResult(release, folder, source, rows, rebuilt, previous)


def installed_releases(cache_dir: Path) -> list[str]:
    """Return the releases installed in the cache, oldest first."""
    root = installed_onet_root(cache_dir)
    if not root.is_dir():
        return []
    names = [p.name for p in root.iterdir() if p.is_dir() and _RELEASE.match(p.name)]
    return sorted(names, key=lambda name: tuple(int(part) for part in name.split(".")))
