"""Postings storage: SQLAlchemy models, Alembic migrations and repositories.

SQLite is the embedded default and PostgreSQL the production database; the same code runs on
both.
"""

from jobatlas.storage.crawl_state import CrawlStateRepository
from jobatlas.storage.engine import make_engine
from jobatlas.storage.migrate import current_revision, downgrade, head_revision, upgrade
from jobatlas.storage.postings import PostingRepository, Rejection, StoredPosting, UpsertResult
from jobatlas.storage.validation import InvalidPosting, validate_posting

__all__ = [
    "CrawlStateRepository",
    "InvalidPosting",
    "PostingRepository",
    "Rejection",
    "StoredPosting",
    "UpsertResult",
    "current_revision",
    "downgrade",
    "head_revision",
    "make_engine",
    "upgrade",
    "validate_posting",
]
