"""Indexes for the near-ZIP and occupation posting searches and the trends refresh.

* ``ix_postings_latitude_longitude`` also carries (PostgreSQL ``INCLUDE``) what the near-ZIP
  search reads besides the place (id, duplicate link, dates), so the bounding box is answered
  from the index alone instead of one table visit per posting in the box.
* ``ix_posting_occupations_soc_rank``: the postings of one SOC at a rank, from the index alone.
* ``ix_postings_last_seen`` and ``ix_postings_classified_at``: what changed since the last
  trends refresh, and which jobs are still active in the weeks it recomputes.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

BOX_INCLUDE = ["id", "duplicate_of", "posted_at", "first_seen"]


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.drop_index("ix_postings_latitude_longitude", table_name="postings")
        op.create_index(
            "ix_postings_latitude_longitude",
            "postings",
            ["latitude", "longitude"],
            postgresql_include=BOX_INCLUDE,
        )
    op.create_index(
        "ix_posting_occupations_soc_rank", "posting_occupations", ["soc", "rank", "posting_id"]
    )
    op.create_index("ix_postings_last_seen", "postings", ["last_seen"])
    op.create_index("ix_postings_classified_at", "postings", ["classified_at"])


def downgrade() -> None:
    op.drop_index("ix_postings_classified_at", table_name="postings")
    op.drop_index("ix_postings_last_seen", table_name="postings")
    op.drop_index("ix_posting_occupations_soc_rank", table_name="posting_occupations")
    if op.get_bind().dialect.name == "postgresql":
        op.drop_index("ix_postings_latitude_longitude", table_name="postings")
        op.create_index("ix_postings_latitude_longitude", "postings", ["latitude", "longitude"])
