"""Tables of the trends feature: weekly series, posting skills and the refresh watermark.

They live on the storage ``Base.metadata`` so the schema drift check covers them; migrations
``0002_trend_series``, ``0007_trend_growth`` and ``0008_trend_jobs`` create them
(``0009_trend_growth_key`` reorders the growth key).
"""

from __future__ import annotations

from sqlalchemy import Boolean, Column, Date, Float, Index, Integer, String, Table

from jobatlas.storage.models import Base, BigId, UTCDateTime

metadata = Base.metadata

# One weekly count. ``dimension`` is "occupation" or "skill"; ``level`` is the SOC level
# ("all", "major", "minor", "broad", "detailed") or the skill kind; ``key`` the SOC code or
# skill id; ``geo_level`` one of "area", "cbsa", "state", "nation"; ``metric`` "new" or "active".
trend_series = Table(
    "trend_series",
    metadata,
    Column("dimension", String(12), primary_key=True),
    Column("level", String(12), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("geo_level", String(8), primary_key=True),
    Column("geo", String(40), primary_key=True),
    Column("week", Date, primary_key=True),
    Column("new", Integer, nullable=False),
    Column("active", Integer, nullable=False),
    Index("ix_trend_series_geo_level_geo_week", "geo_level", "geo", "week"),
    Index("ix_trend_series_week", "week"),
)

# Skills, tools and credentials found in a posting's text (filled by the trends refresh).
trend_posting_skills = Table(
    "trend_posting_skills",
    metadata,
    Column("posting_id", BigId, primary_key=True),
    Column("skill_id", String(200), primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("name", String(300), nullable=False),
)

# When the series were last refreshed, and which weeks that refresh recomputed.
trend_refreshes = Table(
    "trend_refreshes",
    metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("started_at", UTCDateTime, nullable=False),
    Column("watermark", UTCDateTime, nullable=False),
    Column("from_week", Date, nullable=True),
    Column("rows", Integer, nullable=False),
    # Whether it kept skill series too: the next refresh counts changes only from a refresh
    # that covered the same series (None: written before job states were kept).
    Column("skills", Boolean, nullable=True),
)

# What the stored series count for each job: its first and last week (numbered from Monday
# 1969-12-29), top SOC code and place (area key, metro, state). A refresh subtracts the stored
# state of every changed job and adds its new one, so a crawl rewrites only the rows it moves.
trend_jobs = Table(
    "trend_jobs",
    metadata,
    Column("job_id", BigId, primary_key=True, autoincrement=False),
    Column("first_week", Integer, nullable=False),
    Column("last_week", Integer, nullable=False),
    Column("soc", String(7), nullable=True),
    Column("area", String(40), nullable=True),
    Column("cbsa", String(40), nullable=True),
    Column("state", String(40), nullable=True),
)


# Growth of every occupation (SOC levels above "all") and skill series at the end week of the
# last refresh, one row per series and metric: the refresh writes it, the pages and API read
# it instead of computing intervals per request. Columns follow ``growth.growth_table``.
GROWTH_FIELDS = (
    "recent",
    "earlier",
    "change_pct",
    "lower_pct",
    "upper_pct",
    "method",
    "suppressed",
)
_GROWTH_TYPES = {
    "recent": Integer,
    "earlier": Integer,
    "change_pct": Float,
    "lower_pct": Float,
    "upper_pct": Float,
    "method": lambda: String(20),
    "suppressed": lambda: String(120),
}
trend_growth = Table(
    "trend_growth",
    metadata,
    # Key order: the end week first, so a new week's rows append to the index after the old
    # week's (deleted) ones (migration 0009); then one place's table (dimension, metric, level)
    # is one range.
    Column("end_week", Date, primary_key=True),
    Column("geo_level", String(8), primary_key=True),
    Column("geo", String(40), primary_key=True),
    Column("dimension", String(12), primary_key=True),
    Column("metric", String(8), primary_key=True),
    Column("level", String(12), primary_key=True),
    Column("key", String(200), primary_key=True),
    Column("active", Integer, nullable=False),  # active postings in the end week
    *(
        Column(f"{comparison}_{name}", _GROWTH_TYPES[name](), nullable=True)
        for comparison in ("previous", "year_ago")
        for name in GROWTH_FIELDS
    ),
)
