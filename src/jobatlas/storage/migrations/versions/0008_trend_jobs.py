"""Keep what the trend series count for each job, so a refresh adds only what changed.

``trend_jobs`` holds each job's weeks, top SOC code and place as the series count them; a
refresh subtracts the stored state of every changed job and adds the new one. The new
``trend_refreshes.skills`` column says whether a refresh kept skill series too; it is empty on
older rows, so the first refresh after this upgrade recounts everything and fills
``trend_jobs``.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "trend_jobs",
        sa.Column(
            "job_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("first_week", sa.Integer(), nullable=False),
        sa.Column("last_week", sa.Integer(), nullable=False),
        sa.Column("soc", sa.String(7), nullable=True),
        sa.Column("area", sa.String(40), nullable=True),
        sa.Column("cbsa", sa.String(40), nullable=True),
        sa.Column("state", sa.String(40), nullable=True),
        sa.PrimaryKeyConstraint("job_id", name="pk_trend_jobs"),
    )
    op.add_column("trend_refreshes", sa.Column("skills", sa.Boolean(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("trend_refreshes") as batch:
        batch.drop_column("skills")
    op.drop_table("trend_jobs")
