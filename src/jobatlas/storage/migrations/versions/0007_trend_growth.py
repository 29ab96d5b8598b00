"""Growth of every trend series at the last refresh, so pages and the API read it precomputed.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

FIELDS = {
    "recent": sa.Integer,
    "earlier": sa.Integer,
    "change_pct": sa.Float,
    "lower_pct": sa.Float,
    "upper_pct": sa.Float,
    "method": lambda: sa.String(20),
    "suppressed": lambda: sa.String(120),
}


def upgrade() -> None:
    op.create_table(
        "trend_growth",
        sa.Column("geo_level", sa.String(8), nullable=False),
        sa.Column("geo", sa.String(40), nullable=False),
        sa.Column("dimension", sa.String(12), nullable=False),
        sa.Column("metric", sa.String(8), nullable=False),
        sa.Column("level", sa.String(12), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("end_week", sa.Date(), nullable=False),
        sa.Column("active", sa.Integer(), nullable=False),
        *(
            sa.Column(f"{comparison}_{name}", kind(), nullable=True)
            for comparison in ("previous", "year_ago")
            for name, kind in FIELDS.items()
        ),
        # One place's table is one key range; a single index keeps the bulk write cheap.
        sa.PrimaryKeyConstraint(
            "geo_level", "geo", "dimension", "metric", "level", "key", name="pk_trend_growth"
        ),
    )


def downgrade() -> None:
    op.drop_table("trend_growth")
