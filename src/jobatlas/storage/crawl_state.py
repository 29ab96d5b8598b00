"""Remember what crawls have done, so a crawl skips finished work and resumes after a stop."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, select, update
from sqlalchemy.dialects import postgresql, sqlite

from jobatlas.storage.models import CrawlMarkRow, CrawlRunRow, CrawlStateRow
from jobatlas.storage.sql import matching

RUNS = CrawlRunRow.__table__
MARKS = CrawlMarkRow.__table__
STATE = CrawlStateRow.__table__
RUN_STATUSES = frozenset({"running", "finished", "failed"})


class CrawlStateRepository:
    """Crawl runs, done marks for listing pages and posting URLs, and per-source values.

    A mark is global unless a run id is given when asking: ``is_done(source, url)`` answers
    "was this ever fetched", ``is_done(source, listing, run_id=run)`` "was this fetched in this
    run" (listing pages change between runs, posting pages do not).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def start_run(self, source: str, resume: bool = True) -> int:
        """Return the id of the source's unfinished run (if ``resume``) or of a new run."""
        with self.engine.begin() as connection:
            if resume:
                running = self._running(connection, source)
                if running is not None:
                    return running
            inserted = connection.execute(
                RUNS.insert().values(source=source, status="running", started_at=_now())
            )
            return inserted.inserted_primary_key[0]

    def finish_run(self, run_id: int, status: str = "finished", stats: dict | None = None) -> None:
        """Close a run as finished or failed, keeping its statistics."""
        if status not in RUN_STATUSES - {"running"}:
            raise ValueError(f"status must be 'finished' or 'failed', got {status!r}")
        values: dict[str, Any] = {"status": status, "finished_at": _now()}
        if stats is not None:
            values["stats"] = json.dumps(stats, sort_keys=True, default=str)
        with self.engine.begin() as connection:
            done = connection.execute(update(RUNS).where(RUNS.c.id == run_id).values(**values))
            if done.rowcount == 0:
                raise KeyError(f"no crawl run {run_id}")

    def unfinished_run(self, source: str) -> int | None:
        """Return the id of the source's run that never finished, if any."""
        with self.engine.connect() as connection:
            return self._running(connection, source)

    def run(self, run_id: int) -> dict[str, Any] | None:
        """Return a run's source, status, times and statistics."""
        with self.engine.connect() as connection:
            row = connection.execute(select(RUNS).where(RUNS.c.id == run_id)).first()
        if row is None:
            return None
        data = dict(row._mapping)
        data["stats"] = json.loads(data["stats"]) if data["stats"] else None
        return data

    def mark_done(self, source: str, keys: str | Iterable[str], run_id: int | None = None) -> None:
        """Record listing pages or URLs as done (again), in ``run_id`` if given."""
        keys = [keys] if isinstance(keys, str) else list(dict.fromkeys(keys))
        if not keys:
            return
        now = _now()
        rows = [{"source": source, "key": key, "run_id": run_id, "done_at": now} for key in keys]
        with self.engine.begin() as connection:
            insert = _insert(connection, MARKS)
            statement = insert.on_conflict_do_update(
                index_elements=[MARKS.c.source, MARKS.c.key],
                set_={"run_id": insert.excluded.run_id, "done_at": insert.excluded.done_at},
            )
            connection.execute(statement, rows)

    def is_done(self, source: str, key: str, run_id: int | None = None) -> bool:
        """Return whether ``key`` is marked done (in ``run_id``, if given)."""
        return key in self.done_keys(source, [key], run_id)

    def done_keys(self, source: str, keys: Iterable[str], run_id: int | None = None) -> set[str]:
        """Return which of ``keys`` are marked done (in ``run_id``, if given)."""
        wanted = sorted(set(keys))
        found: set[str] = set()
        with self.engine.connect() as connection:
            for condition in matching(connection, MARKS.c.key, wanted):
                query = select(MARKS.c.key).where(MARKS.c.source == source, condition)
                if run_id is not None:
                    query = query.where(MARKS.c.run_id == run_id)
                found.update(connection.execute(query).scalars())
        return found

    def get(self, source: str, key: str, default: str | None = None) -> str | None:
        """Return a value the source stored under ``key``."""
        query = select(STATE.c.value).where(STATE.c.source == source, STATE.c.key == key)
        with self.engine.connect() as connection:
            value = connection.execute(query).scalar_one_or_none()
        return default if value is None else value

    def set(self, source: str, key: str, value: str) -> None:
        """Store ``value`` under ``key`` for the source, replacing any earlier value."""
        with self.engine.begin() as connection:
            insert = _insert(connection, STATE)
            statement = insert.on_conflict_do_update(
                index_elements=[STATE.c.source, STATE.c.key],
                set_={"value": insert.excluded.value, "updated_at": insert.excluded.updated_at},
            )
            connection.execute(
                statement, {"source": source, "key": key, "value": value, "updated_at": _now()}
            )

    @staticmethod
    def _running(connection: Connection, source: str) -> int | None:
        query = (
            select(RUNS.c.id)
            .where(RUNS.c.source == source, RUNS.c.status == "running")
            .order_by(RUNS.c.id.desc())
            .limit(1)
        )
        return connection.execute(query).scalar_one_or_none()


def _insert(connection: Connection, table):
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def _now() -> datetime:
    return datetime.now(UTC)
