"""Alembic environment: migrate the connection that ``jobatlas.storage.migrate`` hands over."""

from __future__ import annotations

from alembic import context

# The trends tables join Base.metadata when imported, so autogenerate compares them too.
import jobatlas.trends.tables  # noqa: F401
from jobatlas.storage.models import Base

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError(
        "run migrations with `jobatlas db upgrade` or jobatlas.storage.upgrade(url), "
        "not with the alembic command"
    )
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
