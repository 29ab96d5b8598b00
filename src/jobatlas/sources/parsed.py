"""What a parser returns, and the small text/date helpers every parser shares."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

import lxml.html

from jobatlas.postings.records import Posting

# Fields a posting parser tries to read; a parser lists the ones it could not read in ``missing``.
TRACKED_FIELDS = (
    "source_id",
    "title",
    "body",
    "posted_at",
    "compensation",
    "employment_type",
    "location",
    "coordinates",
)

EMPLOYMENT_TYPES = {
    "full-time": "FULL_TIME",
    "full time": "FULL_TIME",
    "fulltime": "FULL_TIME",
    "part-time": "PART_TIME",
    "part time": "PART_TIME",
    "parttime": "PART_TIME",
    "contract": "CONTRACTOR",
    "contractor": "CONTRACTOR",
    "temporary": "TEMPORARY",
    "temp": "TEMPORARY",
    "internship": "INTERN",
    "intern": "INTERN",
    "volunteer": "VOLUNTEER",
    "per diem": "PER_DIEM",
    "employee's choice": "OTHER",
    "other": "OTHER",
}
SCHEMA_EMPLOYMENT_TYPES = frozenset(EMPLOYMENT_TYPES.values())


@dataclass
class ParsedPosting:
    """A posting read from one page, and the tracked fields the page did not yield.

    ``posting`` is None when the page has no usable title or identifier.
    """

    posting: Posting | None
    missing: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Return True when the page yielded a storable posting."""
        return self.posting is not None


class ParseError(ValueError):
    """Raised when bytes are not the kind of document a parser reads (not HTML, not JSON...)."""


def clean_text(text: str | None) -> str:
    """Collapse runs of spaces and blank lines, keeping single line breaks."""
    if not text:
        return ""
    lines = (re.sub(r"[ \t\r\f\v\u00a0]+", " ", line).strip() for line in text.split("\n"))
    out = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", out).strip()


def element_text(element: lxml.html.HtmlElement) -> str:
    """Return an element's visible text with ``<br>`` and block ends as line breaks."""
    for br in element.iter("br"):
        br.tail = "\n" + (br.tail or "")
    for block in element.iter("p", "div", "li"):
        block.tail = "\n" + (block.tail or "")
    return clean_text(element.text_content())


def html_fragment_text(fragment: str | None) -> str:
    """Return the text of an HTML fragment such as a JSON-LD ``description``."""
    if not fragment:
        return ""
    if "<" not in fragment and "&" not in fragment:
        return clean_text(fragment)
    try:
        root = lxml.html.fragment_fromstring(fragment, create_parent="div")
    except (lxml.etree.ParserError, ValueError):
        return clean_text(fragment)
    return element_text(root)


def parse_datetime(value: object) -> datetime | None:
    """Parse an ISO 8601 date or date-time (``+0000`` offsets too) into an aware UTC datetime.

    Values without an offset are taken as UTC; unreadable values give None.
    """
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip().replace(" ", "T", 1) if " " in value.strip()[:11] else value.strip()
    text = re.sub(r"([+-]\d{2})(\d{2})$", r"\1:\2", text)
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def parse_float(value: object) -> float | None:
    """Return a float from a number or numeric string, or None."""
    if value is None or value == "":
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def employment_type(value: object) -> str | None:
    """Map a schema.org value or Craigslist label ("full-time") to a schema.org employment type."""
    if isinstance(value, list):
        value = value[0] if value else None
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.upper() in SCHEMA_EMPLOYMENT_TYPES:
        return text.upper()
    return EMPLOYMENT_TYPES.get(text.lower().replace("_", " "), "OTHER")
