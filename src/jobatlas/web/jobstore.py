"""Background "fetch today's postings" jobs: their state lives in the database.

Any worker process can then report a job's progress, whichever process runs it. The table is
the web app's own bookkeeping (not posting data); Alembic revision ``0005`` creates it.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Column, Integer, MetaData, String, Table, Text, select, update
from sqlalchemy.engine import Engine

from jobatlas.storage.models import NAMING_CONVENTION, UTCDateTime

QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
ACTIVE = (QUEUED, RUNNING)
# A job whose worker died stops counting as active after this long.
STALE_AFTER = timedelta(minutes=30)

metadata = MetaData(naming_convention=NAMING_CONVENTION)

fetch_jobs = Table(
    "web_fetch_jobs",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("location", String(200), nullable=False),
    Column("area", String(64)),
    Column("status", String(16), nullable=False),
    Column("message", Text, nullable=False, default=""),
    Column("found", Integer, nullable=False, default=0),
    Column("stored", Integer, nullable=False, default=0),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)


def create_job(engine: Engine, location: str, area: str | None) -> dict[str, Any]:
    """Insert a queued job and return it."""
    now = _now()
    row = {
        "id": uuid.uuid4().hex,
        "location": location,
        "area": area,
        "status": QUEUED,
        "message": "Waiting to start.",
        "found": 0,
        "stored": 0,
        "created_at": now,
        "updated_at": now,
    }
    with engine.begin() as conn:
        conn.execute(fetch_jobs.insert().values(**row))
    return row


def update_job(engine: Engine, job_id: str, **fields: Any) -> None:
    """Change a job's status, message or counts."""
    with engine.begin() as conn:
        conn.execute(
            update(fetch_jobs).where(fetch_jobs.c.id == job_id).values(updated_at=_now(), **fields)
        )


def get_job(engine: Engine, job_id: str) -> dict[str, Any] | None:
    """Return a job by id, or None."""
    with engine.connect() as conn:
        row = conn.execute(select(fetch_jobs).where(fetch_jobs.c.id == job_id)).mappings().first()
    return dict(row) if row else None


def active_job_for_area(engine: Engine, area: str) -> dict[str, Any] | None:
    """Return a queued or running job for ``area`` that has not gone stale, or None."""
    since = _now() - STALE_AFTER
    query = (
        select(fetch_jobs)
        .where(fetch_jobs.c.area == area, fetch_jobs.c.status.in_(ACTIVE))
        .where(fetch_jobs.c.updated_at >= since)
        .order_by(fetch_jobs.c.created_at.desc())
    )
    with engine.connect() as conn:
        row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def job_json(job: dict[str, Any]) -> dict[str, Any]:
    """Return a job as the API shows it."""
    return {
        "id": job["id"],
        "location": job["location"],
        "area": job["area"],
        "status": job["status"],
        "message": job["message"],
        "found": job["found"],
        "stored": job["stored"],
        "created_at": job["created_at"].isoformat(),
        "updated_at": job["updated_at"].isoformat(),
    }


def _now() -> datetime:
    return datetime.now(UTC)

