"""Search columns the database fills itself, and indexes that answer searches from the index.

* ``listed_at`` = ``coalesce(posted_at, first_seen)``, the date searches sort and filter by.
  ``ix_postings_listed_at_id``: "newest first" walks it and stops after a page (for one
  occupation each posting walked is checked in ``ix_posting_occupations_soc_rank``);
  ``ix_postings_id_covering`` (PostgreSQL): the other plan, for a small occupation, looks its
  ids up there instead of in the table; so does a near search for a small occupation.
* ``latitude_strip`` = ``round(latitude)``. ``ix_postings_latitude_strip_longitude`` replaces
  ``ix_postings_latitude_longitude``: a near search's box is read strip by strip, each strip
  bounded in longitude, where the old index read the box's whole band of latitude.
* PostgreSQL keeps statistics for every SOC code (there are fewer than 1,000), so the planner
  tells a small occupation from a large one when it chooses between the two "newest first"
  plans.

Both are generated columns, so every writer (upserts, imports, bulk loads) fills them without
knowing they exist; unlike expression indexes, the columns and their indexes are compared with
the models by the schema drift check. The INCLUDE columns make the indexes index-only on
PostgreSQL. PostgreSQL (before 18) only has stored generated columns; SQLite cannot add a stored
one to an existing table, so it gets virtual ones (same values, computed on read, indexable).

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

COLUMNS = {
    "listed_at": (sa.DateTime(timezone=True), "coalesce(posted_at, first_seen)"),
    "latitude_strip": (sa.Float(), "round(latitude)"),
}
OLD_BOX_INCLUDE = ["id", "duplicate_of", "posted_at", "first_seen"]


def upgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    for name, (type_, expression) in COLUMNS.items():
        computed = sa.Computed(expression, persisted=postgres)
        op.add_column("postings", sa.Column(name, type_, computed))
    op.drop_index("ix_postings_latitude_longitude", table_name="postings")
    op.create_index(
        "ix_postings_latitude_strip_longitude",
        "postings",
        ["latitude_strip", "longitude"],
        postgresql_include=["latitude", "id", "duplicate_of", "listed_at"],
    )
    op.create_index(
        "ix_postings_listed_at_id",
        "postings",
        ["listed_at", "id"],
        postgresql_include=["duplicate_of"],
    )
    if postgres:
        op.create_index(
            "ix_postings_id_covering",
            "postings",
            ["id"],
            postgresql_include=["listed_at", "duplicate_of", "latitude", "longitude"],
        )
        op.execute("ALTER TABLE posting_occupations ALTER COLUMN soc SET STATISTICS 1000")
        op.execute("ANALYZE postings, posting_occupations")


def downgrade() -> None:
    postgres = op.get_bind().dialect.name == "postgresql"
    if postgres:
        op.execute("ALTER TABLE posting_occupations ALTER COLUMN soc SET STATISTICS -1")
        op.drop_index("ix_postings_id_covering", table_name="postings")
    op.drop_index("ix_postings_listed_at_id", table_name="postings")
    op.drop_index("ix_postings_latitude_strip_longitude", table_name="postings")
    op.create_index(
        "ix_postings_latitude_longitude",
        "postings",
        ["latitude", "longitude"],
        postgresql_include=OLD_BOX_INCLUDE,
    )
    for name in reversed(list(COLUMNS)):
        op.drop_column("postings", name)
