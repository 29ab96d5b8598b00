"""The web app's background fetch jobs (``jobatlas.web.jobstore``), until now made by the app.

Databases where the app already created ``web_fetch_jobs`` on first use keep that table and its
rows; the others get it here. Downgrade drops it.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLE = "web_fetch_jobs"


def upgrade() -> None:
    if TABLE in sa.inspect(op.get_bind()).get_table_names():
        return  # created by an older app on first use: same columns, rows kept
    op.create_table(
        TABLE,
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("location", sa.String(200), nullable=False),
        sa.Column("area", sa.String(64), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("found", sa.Integer(), nullable=False),
        sa.Column("stored", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_web_fetch_jobs"),
    )


def downgrade() -> None:
    op.drop_table(TABLE)
