"""Index posting codes by (code, rank, posting_id), as ix_posting_occupations_soc_rank does SOCs.

A search for the postings of some O*NET codes at rank 1 (the recommend answer's nearby postings)
first asks whether the codes have at most a few thousand postings. On ``code`` alone the database
read every posting of the codes into a bitmap and checked each rank in the table, 4-6 ms at a
million postings for a resume's 14 codes; on (code, rank, posting_id) the index alone answers,
and stops after the few thousand.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-01
"""

from __future__ import annotations

from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_posting_occupations_code_rank", "posting_occupations", ["code", "rank", "posting_id"]
    )
    # The new index leads with ``code``, so it serves every lookup the old one did.
    op.drop_index("ix_posting_occupations_code", table_name="posting_occupations")


def downgrade() -> None:
    op.create_index("ix_posting_occupations_code", "posting_occupations", ["code"])
    op.drop_index("ix_posting_occupations_code_rank", table_name="posting_occupations")
