"""Read what a person sent (form, JSON or upload) into one query; bad input -> ``UserError``.

The text is kept in memory only: it is never written to disk, a database or a log.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Request
from werkzeug.datastructures import FileStorage

from jobatlas import resume
from jobatlas.web.apispec import validate_body
from jobatlas.web.errors import UserError
from jobatlas.web.words import DEFAULT_JOB_ZONES

MAX_TEXT_CHARS = 100_000
EMPTY_TEXT_REASON = "Please paste your resume, describe your work in a few words, or upload a file."


@dataclass(frozen=True)
class TextQuery:
    """Text to match, with optional place and training levels."""

    text: str
    location: str | None = None
    job_zones: tuple[int, ...] = DEFAULT_JOB_ZONES
    top_k: int = 10


def query_from_request(request: Request, schema: str) -> TextQuery:
    """Read a JSON body (checked against ``schema``) or a form with an optional ``file``."""
    if request.is_json:
        return _from_json(request, schema)
    if request.mimetype in ("multipart/form-data", "application/x-www-form-urlencoded"):
        return _from_form(request)
    raise UserError(415, "Send JSON (application/json) or a form (multipart/form-data).")


def _from_json(request: Request, schema: str) -> TextQuery:
    body = request.get_json(silent=True)
    if body is None:
        raise UserError(400, "The request body is not valid JSON.")
    validate_body(body, schema)
    text = _checked_text(body["text"])
    return TextQuery(
        text=text,
        location=_clean_location(body.get("location")),
        job_zones=_checked_zones(body.get("job_zones", list(DEFAULT_JOB_ZONES))),
        top_k=_checked_top_k(body.get("top_k", 10)),
    )


def _from_form(request: Request) -> TextQuery:
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        text = text_from_upload(upload)
    else:
        text = _checked_text(request.form.get("text", ""))
    zones = request.form.getlist("job_zones")
    if len(zones) == 1 and "," in zones[0]:
        zones = zones[0].split(",")
    return TextQuery(
        text=text,
        location=_clean_location(request.form.get("location")),
        job_zones=_checked_zones(zones or list(DEFAULT_JOB_ZONES)),
        top_k=_checked_top_k(request.form.get("top_k", "10")),
    )


def text_from_upload(upload: FileStorage) -> str:
    """Return the text of an uploaded resume; the type is judged by content, not name."""
    data = upload.read()
    try:
        return _checked_text(resume.extract_text(data, upload.filename))
    except resume.UnsupportedFile as exc:
        raise UserError(415, exc.reason) from None
    except resume.FileTooLarge as exc:
        raise UserError(413, exc.reason) from None
    except resume.ResumeError as exc:
        raise UserError(422, exc.reason) from None


def _checked_text(text: str) -> str:
    text = text.strip()
    if not text:
        raise UserError(422, EMPTY_TEXT_REASON)
    if len(text) > MAX_TEXT_CHARS:
        size = f"{len(text):,} characters"
        raise UserError(422, f"The text is too long ({size}); the limit is {MAX_TEXT_CHARS:,}.")
    return text


def _checked_zones(values) -> tuple[int, ...]:
    try:
        zones = sorted({int(value) for value in values})
    except (TypeError, ValueError):
        raise UserError(422, "Training levels (job_zones) must be numbers from 1 to 5.") from None
    if not zones or zones[0] < 1 or zones[-1] > 5:
        raise UserError(422, "Choose at least one training level (job_zones) from 1 to 5.")
    return tuple(zones)


def _checked_top_k(value: str | int | float) -> int:
    # JSON Schema counts 14.0 as an integer; a form sends text: both become a real int here.
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    try:
        top_k = int(value) if isinstance(value, str | int) and not isinstance(value, bool) else None
        if top_k is None:
            raise ValueError(value)
    except ValueError:
        raise UserError(422, "top_k must be a whole number from 1 to 50.") from None
    if not 1 <= top_k <= 50:
        raise UserError(422, "top_k must be a whole number from 1 to 50.")
    return top_k


def _clean_location(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None
