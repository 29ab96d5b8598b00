"""PostgreSQL: near-duplicate band keys in one indexed ``bigint[]`` on the postings row.

Sixteen indexed ``posting_bands`` rows per original made most of the write cost of storing a
posting on PostgreSQL; one array with a GIN index (candidates found with ``&&``) is far
cheaper. Existing keys move into the column, and back on downgrade. SQLite has no arrays: it
keeps using ``posting_bands`` and gets the column only so both backends share one schema.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.add_column("postings", sa.Column("band_keys", sa.JSON(), nullable=True))
        return
    op.add_column(
        "postings", sa.Column("band_keys", postgresql.ARRAY(sa.BigInteger()), nullable=True)
    )
    op.execute(
        "UPDATE postings AS p SET band_keys = b.keys"
        " FROM (SELECT posting_id, array_agg(key ORDER BY band) AS keys"
        "       FROM posting_bands GROUP BY posting_id) AS b"
        " WHERE p.id = b.posting_id"
    )
    op.execute("DELETE FROM posting_bands")
    # Built after the backfill: one sort instead of an index update per row. No fastupdate:
    # its pending list would be scanned in full by each lookup that follows an insert.
    op.create_index(
        "ix_postings_band_keys",
        "postings",
        ["band_keys"],
        postgresql_using="gin",
        postgresql_with={"fastupdate": "off"},
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        # Plain ALTER TABLE (SQLite >= 3.35): a batch-mode table copy would drop and recreate
        # ``postings``, and the drop would cascade to its occupation codes.
        op.execute("ALTER TABLE postings DROP COLUMN band_keys")
        return
    op.execute(
        "INSERT INTO posting_bands (posting_id, band, key)"
        " SELECT p.id, k.band - 1, k.key"
        " FROM postings AS p, unnest(p.band_keys) WITH ORDINALITY AS k(key, band)"
        " WHERE p.band_keys IS NOT NULL"
        " ON CONFLICT DO NOTHING"
    )
    op.drop_index("ix_postings_band_keys", table_name="postings")
    op.drop_column("postings", "band_keys")
