"""What the app loads once per process: occupation engine, reference data, database."""

from __future__ import annotations

import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from flask import current_app

from jobatlas.config import Settings

log = logging.getLogger(__name__)


class Resources:
    """Load the engine, reference data and database engine lazily, once, thread-safely.

    Nothing is loaded when the app is created; the first request (or ``load_all`` in the
    gunicorn master, so forked workers share the memory) does it.
    """

    def __init__(
        self, settings: Settings, auto_migrate: bool = True, fetch_workers: int = 2
    ) -> None:
        self.settings = settings
        self.auto_migrate = auto_migrate
        self.fetch_workers = fetch_workers
        self._locks: dict[str, threading.Lock] = {}
        self._loaded: dict[str, Any] = {}

    def load_all(self, progress: bool = False) -> None:
        """Load everything now (before forking workers, or before serving).

        ``progress`` shows a progress bar if the model has to be trained first.
        """
        from jobatlas.geo import load_geo
        from jobatlas.recommend import recommender_index

        self.database()
        self._get("engine", lambda: self._load_engine(progress))
        # Built once per reference data; before a fork, workers share it instead of each
        # building it on its first request.
        recommender_index(self.reference())
        load_geo(self.settings.data_dir)

    def engine(self):
        """Return the occupation engine (trained into the cache on first use)."""
        return self._get("engine", self._load_engine)

    def reference(self):
        """Return the reference data (O*NET, wages, projections)."""
        return self._get("reference", self._load_reference)

    def database(self):
        """Return the SQLAlchemy engine, migrated to the latest schema on first use."""
        return self._get("database", self._load_database)

    def repository(self):
        """Return a posting repository on the shared database engine."""
        from jobatlas.storage import PostingRepository

        return PostingRepository(self.database())

    def executor(self) -> ThreadPoolExecutor:
        """Return this process's pool for background fetch jobs (made after any fork)."""
        return self._get("executor", self._make_executor)

    def _make_executor(self) -> ThreadPoolExecutor:
        pool = ThreadPoolExecutor(max_workers=self.fetch_workers, thread_name_prefix="fetch-job")
        # A forked child must not inherit the parent's pool (its threads do not survive a fork).
        os.register_at_fork(after_in_child=lambda: self._loaded.pop("executor", None))
        return pool

    def _get(self, name: str, loader):
        value = self._loaded.get(name)
        if value is None:
            # One lock per resource: training the model must not hold up database requests.
            with self._locks.setdefault(name, threading.Lock()):
                value = self._loaded.get(name)
                if value is None:
                    value = self._loaded[name] = loader()
        return value

    def _load_engine(self, progress: bool = False):
        from jobatlas.engine import load_engine

        log.info("loading the occupation engine from %s", self.settings.cache_dir)
        return load_engine(self.settings, progress=progress)

    def _load_reference(self):
        from jobatlas.reference import load_reference

        # The settings' cache, not the user's: tests and benchmarks keep their Parquet apart.
        return load_reference(self.settings.data_dir, cache_dir=self.settings.cache_dir)

    def _load_database(self):
        from jobatlas.storage import make_engine, upgrade

        if self.auto_migrate:
            upgrade(self.settings.database_url)
        engine = make_engine(self.settings.database_url)
        # A pool inherited through fork would share sockets between workers.
        os.register_at_fork(after_in_child=lambda: engine.dispose(close=False))
        return engine


def resources() -> Resources:
    """Return the current app's resources."""
    return current_app.extensions["jobatlas"]
