"""Cache parsed reference tables as Parquet, keyed by the content of their source files."""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd

log = logging.getLogger(__name__)

# Bump when a loader changes the columns or types it returns, so old cache files are ignored.
SCHEMA_VERSION = "2"


def content_key(name: str, sources: Iterable[Path]) -> str:
    """Return a hash of the schema version, the table name and the bytes of its source files."""
    digest = hashlib.sha256(f"{SCHEMA_VERSION}\0{name}".encode())
    for path in sources:
        digest.update(Path(path).name.encode())
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()[:16]


class FrameCache:
    """Parquet files of parsed tables below ``root`` (``None`` disables caching)."""

    def __init__(self, root: Path | None):
        self.root = None if root is None else Path(root)

    def get(
        self, name: str, sources: Iterable[Path], build: Callable[[], pd.DataFrame]
    ) -> pd.DataFrame:
        """Return table ``name`` from the cache if its sources are unchanged, else build it."""
        if self.root is None:
            return build()
        path = self.root / f"{name}-{content_key(name, sources)}.parquet"
        if path.exists():
            try:
                return pd.read_parquet(path)
            except (OSError, ValueError) as exc:
                log.warning("rebuilding unreadable cache file %s: %s", path, exc)
        frame = build()
        self._store(name, path, frame)
        return frame

    def _store(self, name: str, path: Path, frame: pd.DataFrame) -> None:
        tmp = None
        try:
            self.root.mkdir(parents=True, exist_ok=True)
            # Write then rename so that a concurrent reader never sees half a file.
            fd, tmp = tempfile.mkstemp(dir=self.root, suffix=".tmp")
            os.close(fd)
            frame.to_parquet(tmp)
            os.replace(tmp, path)
        except (OSError, ValueError) as exc:
            log.warning("cannot cache %s in %s: %s", name, self.root, exc)
            if tmp is not None:
                Path(tmp).unlink(missing_ok=True)
            return
        for old in self.root.glob(f"{name}-*.parquet"):
            if old != path:
                old.unlink(missing_ok=True)
