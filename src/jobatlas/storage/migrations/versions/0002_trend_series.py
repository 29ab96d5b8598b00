"""Weekly trend series, skills found in postings and the trends refresh log.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def _big_id() -> sa.types.TypeEngine:
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "trend_series",
        sa.Column("dimension", sa.String(12), nullable=False),
        sa.Column("level", sa.String(12), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("geo_level", sa.String(8), nullable=False),
        sa.Column("geo", sa.String(40), nullable=False),
        sa.Column("week", sa.Date(), nullable=False),
        sa.Column("new", sa.Integer(), nullable=False),
        sa.Column("active", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint(
            "dimension", "level", "key", "geo_level", "geo", "week", name="pk_trend_series"
        ),
    )
    op.create_index(
        "ix_trend_series_geo_level_geo_week", "trend_series", ["geo_level", "geo", "week"]
    )
    op.create_index("ix_trend_series_week", "trend_series", ["week"])
    op.create_table(
        "trend_posting_skills",
        sa.Column("posting_id", _big_id(), nullable=False),
        sa.Column("skill_id", sa.String(200), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.PrimaryKeyConstraint("posting_id", "skill_id", name="pk_trend_posting_skills"),
    )
    op.create_table(
        "trend_refreshes",
        sa.Column("id", _big_id(), autoincrement=True, nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("watermark", sa.DateTime(timezone=True), nullable=False),
        sa.Column("from_week", sa.Date(), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_trend_refreshes"),
    )


def downgrade() -> None:
    op.drop_table("trend_refreshes")
    op.drop_table("trend_posting_skills")
    op.drop_index("ix_trend_series_week", table_name="trend_series")
    op.drop_index("ix_trend_series_geo_level_geo_week", table_name="trend_series")
    op.drop_table("trend_series")
