"""Postings, their occupation codes, near-duplicate bands and crawl state.

Revision ID: 0001
Revises:
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def _big_id() -> sa.types.TypeEngine:
    # SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
    return sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def _utc() -> sa.DateTime:
    return sa.DateTime(timezone=True)


def upgrade() -> None:
    _create_postings()
    _create_posting_children()
    _create_crawl_tables()


def downgrade() -> None:
    for table in ("crawl_state", "crawl_marks", "crawl_runs"):
        op.drop_table(table)
    op.drop_table("posting_bands")
    op.drop_table("posting_occupations")
    op.drop_table("postings")


def _create_postings() -> None:
    op.create_table(
        "postings",
        sa.Column("id", _big_id(), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("source_id", sa.String(200), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("employer", sa.Text(), nullable=True),
        sa.Column("compensation_raw", sa.Text(), nullable=True),
        sa.Column("compensation_min", sa.Float(), nullable=True),
        sa.Column("compensation_max", sa.Float(), nullable=True),
        sa.Column("compensation_unit", sa.String(10), nullable=True),
        sa.Column("compensation_currency", sa.String(3), nullable=False),
        sa.Column("employment_type", sa.String(20), nullable=True),
        sa.Column("posted_at", _utc(), nullable=True),
        sa.Column("valid_through", _utc(), nullable=True),
        sa.Column("first_seen", _utc(), nullable=False),
        sa.Column("last_seen", _utc(), nullable=False),
        sa.Column("area", sa.String(40), nullable=True),
        sa.Column("locality", sa.Text(), nullable=True),
        sa.Column("region", sa.String(2), nullable=True),
        sa.Column("postal_code", sa.String(10), nullable=True),
        sa.Column("latitude", sa.Float(), nullable=True),
        sa.Column("longitude", sa.Float(), nullable=True),
        sa.Column("category", sa.String(20), nullable=True),
        sa.Column("fingerprint", sa.String(32), nullable=False),
        sa.Column("duplicate_of", _big_id(), nullable=True),
        sa.Column("model_version", sa.String(80), nullable=True),
        sa.Column("classified_at", _utc(), nullable=True),
        sa.ForeignKeyConstraint(
            ["duplicate_of"],
            ["postings.id"],
            name="fk_postings_duplicate_of_postings",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name="pk_postings"),
        sa.UniqueConstraint("source", "source_id", name="uq_postings_source_source_id"),
    )
    for column in (
        "area",
        "duplicate_of",
        "fingerprint",
        "first_seen",
        "model_version",
        "posted_at",
        "region",
    ):
        op.create_index(f"ix_postings_{column}", "postings", [column])
    op.create_index("ix_postings_latitude_longitude", "postings", ["latitude", "longitude"])


def _create_posting_children() -> None:
    op.create_table(
        "posting_occupations",
        sa.Column("posting_id", _big_id(), nullable=False),
        sa.Column("code", sa.String(10), nullable=False),
        sa.Column("soc", sa.String(7), nullable=False),
        sa.Column("rank", sa.SmallInteger(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(
            ["posting_id"],
            ["postings.id"],
            name="fk_posting_occupations_posting_id_postings",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("posting_id", "code", name="pk_posting_occupations"),
    )
    op.create_index("ix_posting_occupations_code", "posting_occupations", ["code"])
    op.create_index("ix_posting_occupations_soc", "posting_occupations", ["soc"])
    op.create_table(
        "posting_bands",
        sa.Column("posting_id", _big_id(), nullable=False),
        sa.Column("band", sa.SmallInteger(), nullable=False),
        sa.Column("key", sa.BigInteger(), nullable=False),
        sa.ForeignKeyConstraint(
            ["posting_id"],
            ["postings.id"],
            name="fk_posting_bands_posting_id_postings",
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("posting_id", "band", name="pk_posting_bands"),
    )
    op.create_index("ix_posting_bands_key", "posting_bands", ["key"])


def _create_crawl_tables() -> None:
    op.create_table(
        "crawl_runs",
        sa.Column("id", _big_id(), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("started_at", _utc(), nullable=False),
        sa.Column("finished_at", _utc(), nullable=True),
        sa.Column("stats", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_crawl_runs"),
    )
    op.create_index("ix_crawl_runs_source_status", "crawl_runs", ["source", "status"])
    op.create_table(
        "crawl_marks",
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("key", sa.String(2000), nullable=False),
        sa.Column("run_id", _big_id(), nullable=True),
        sa.Column("done_at", _utc(), nullable=False),
        sa.ForeignKeyConstraint(
            ["run_id"],
            ["crawl_runs.id"],
            name="fk_crawl_marks_run_id_crawl_runs",
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("source", "key", name="pk_crawl_marks"),
    )
    op.create_index("ix_crawl_marks_run_id", "crawl_marks", ["run_id"])
    op.create_table(
        "crawl_state",
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("updated_at", _utc(), nullable=False),
        sa.PrimaryKeyConstraint("source", "key", name="pk_crawl_state"),
    )
