"""Tables for postings, their occupation codes, near-duplicate bands and crawl state.

The migrations in ``jobatlas/storage/migrations`` create these tables; a test checks that the
two never drift apart.

MinHash band keys of original postings live where each backend finds them fastest:
PostgreSQL keeps them in ``postings.band_keys`` (one ``bigint[]`` with a GIN index, queried
with ``&&``), SQLite, which has no arrays, in the ``posting_bands`` table (one indexed row per
key). The other place stays empty on each backend.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import (
    JSON,
    BigInteger,
    Computed,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    SmallInteger,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

# SQLite only auto-increments a column declared exactly INTEGER PRIMARY KEY.
BigId = BigInteger().with_variant(Integer(), "sqlite")
# PostgreSQL only; SQLite keeps band keys in ``posting_bands`` and leaves this column NULL.
BandKeys = ARRAY(BigInteger()).with_variant(JSON(none_as_null=True), "sqlite")

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite keeps no zone itself)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)  # naive times from parsers are taken as UTC
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class PostingRow(Base):
    """One job posting, as stored."""

    __tablename__ = "postings"
    __table_args__ = (
        UniqueConstraint("source", "source_id"),
        # Covering on PostgreSQL (INCLUDE): the near-ZIP search reads each strip of its box
        # from the index alone, "newest first" walks ix_postings_listed_at_id and stops after a
        # page, and both look a small occupation's postings up by id in ix_postings_id_covering.
        Index(
            "ix_postings_latitude_strip_longitude",
            "latitude_strip",
            "longitude",
            postgresql_include=["latitude", "id", "duplicate_of", "listed_at"],
        ),
        Index("ix_postings_listed_at_id", "listed_at", "id", postgresql_include=["duplicate_of"]),
        Index(
            "ix_postings_id_covering",
            "id",
            postgresql_include=["listed_at", "duplicate_of", "latitude", "longitude"],
        ).ddl_if(dialect="postgresql"),
        # fastupdate off: a pending list would be scanned in full by every lookup, and a batch
        # upsert looks up right after inserting.
        Index(
            "ix_postings_band_keys",
            "band_keys",
            postgresql_using="gin",
            postgresql_with={"fastupdate": "off"},
        ).ddl_if(dialect="postgresql"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(40))
    source_id: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(Text)
    title: Mapped[str] = mapped_column(Text)
    body: Mapped[str] = mapped_column(Text, default="")
    employer: Mapped[str | None] = mapped_column(Text)
    compensation_raw: Mapped[str | None] = mapped_column(Text)
    compensation_min: Mapped[float | None] = mapped_column(Float)
    compensation_max: Mapped[float | None] = mapped_column(Float)
    compensation_unit: Mapped[str | None] = mapped_column(String(10))
    compensation_currency: Mapped[str] = mapped_column(String(3), default="USD")
    employment_type: Mapped[str | None] = mapped_column(String(20))
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    valid_through: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_seen: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    last_seen: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # Filled by the database on every write. listed_at: the date searches sort and filter by.
    # latitude_strip: the whole degree of latitude, so that an index on (strip, longitude)
    # reads a box strip by strip, each bounded in longitude; on (latitude, longitude) a box
    # read its whole band of latitude, coast to coast.
    listed_at: Mapped[datetime] = mapped_column(
        UTCDateTime, Computed("coalesce(posted_at, first_seen)", persisted=True)
    )
    latitude_strip: Mapped[float | None] = mapped_column(
        Float, Computed("round(latitude)", persisted=True)
    )
    area: Mapped[str | None] = mapped_column(String(40), index=True)
    locality: Mapped[str | None] = mapped_column(Text)
    region: Mapped[str | None] = mapped_column(String(2), index=True)
    postal_code: Mapped[str | None] = mapped_column(String(10))
    latitude: Mapped[float | None] = mapped_column(Float)
    longitude: Mapped[float | None] = mapped_column(Float)
    category: Mapped[str | None] = mapped_column(String(20))
    fingerprint: Mapped[str] = mapped_column(String(32), index=True)
    duplicate_of: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("postings.id", ondelete="SET NULL"), index=True
    )
    model_version: Mapped[str | None] = mapped_column(String(80), index=True)
    classified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    band_keys: Mapped[list[int] | None] = mapped_column(BandKeys)

    occupations: Mapped[list[PostingOccupationRow]] = relationship(
        order_by="PostingOccupationRow.rank", cascade="all, delete-orphan", lazy="raise"
    )


class PostingOccupationRow(Base):
    """One O*NET-SOC code a model assigned to a posting, with its rank and score."""

    __tablename__ = "posting_occupations"
    __table_args__ = (
        Index("ix_posting_occupations_soc_rank", "soc", "rank", "posting_id"),
        # Searches by O*NET code at a rank read this index alone (migration 0010).
        Index("ix_posting_occupations_code_rank", "code", "rank", "posting_id"),
    )

    posting_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("postings.id", ondelete="CASCADE"), primary_key=True
    )
    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    soc: Mapped[str] = mapped_column(String(7), index=True)
    rank: Mapped[int] = mapped_column(SmallInteger)
    score: Mapped[float] = mapped_column(Float)


class PostingBandRow(Base):
    """One MinHash band key of an original posting (SQLite): equal keys make candidates."""

    __tablename__ = "posting_bands"

    posting_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("postings.id", ondelete="CASCADE"), primary_key=True
    )
    band: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    key: Mapped[int] = mapped_column(BigInteger, index=True)


class CrawlRunRow(Base):
    """One crawl of a source: running until finished or failed."""

    __tablename__ = "crawl_runs"
    __table_args__ = (Index("ix_crawl_runs_source_status", "source", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="running")
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    stats: Mapped[str | None] = mapped_column(Text)  # JSON


class CrawlMarkRow(Base):
    """A listing page or posting URL a crawl has finished with."""

    __tablename__ = "crawl_marks"
    __table_args__ = (Index("ix_crawl_marks_run_id", "run_id"),)

    source: Mapped[str] = mapped_column(String(40), primary_key=True)
    key: Mapped[str] = mapped_column(String(2000), primary_key=True)
    run_id: Mapped[int | None] = mapped_column(
        BigId, ForeignKey("crawl_runs.id", ondelete="SET NULL")
    )
    done_at: Mapped[datetime] = mapped_column(UTCDateTime)


class CrawlStateRow(Base):
    """A named value a source keeps between crawls, such as a cursor or a last-modified date."""

    __tablename__ = "crawl_state"

    source: Mapped[str] = mapped_column(String(40), primary_key=True)
    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    value: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
