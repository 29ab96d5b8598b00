"""Error pages and JSON errors: a reason and the right status, never a stack trace."""

from __future__ import annotations

import logging

from flask import Flask, jsonify, render_template
from flask_limiter.errors import RateLimitExceeded
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException, InternalServerError, RequestEntityTooLarge
from werkzeug.http import HTTP_STATUS_CODES

from jobatlas.web.security import is_api_request

log = logging.getLogger(__name__)

UPLOAD_LIMIT_REASON = (
    "The upload is too large: the limit is 5 MB. Try a shorter file or paste the text."
)

# Plain-language headings for the error page.
TITLES = {
    400: "Something in the form was not right",
    404: "Page not found",
    405: "That action is not allowed here",
    413: "The file is too large",
    415: "That type of file cannot be read",
    422: "We could not use what was sent",
    429: "Too many requests",
    500: "Something went wrong on our side",
    503: "Not ready yet",
}


class UserError(Exception):
    """A request we cannot serve, with a status and a reason to show the person."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


def init_app(app: Flask) -> None:
    """Register the error handlers."""
    app.register_error_handler(UserError, handle_user_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(RequestEntityTooLarge, handle_too_large)
    app.register_error_handler(RateLimitExceeded, handle_rate_limit)
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(Exception, handle_unexpected)


def error_response(status: int, reason: str):
    """Return a JSON error for the API, or the error page, with ``status``."""
    if is_api_request():
        body = {"status": status, "error": HTTP_STATUS_CODES.get(status, "Error"), "reason": reason}
        return jsonify(body), status
    title = TITLES.get(status, "Error")
    return render_template("error.html", status=status, title=title, reason=reason), status


def handle_user_error(exc: UserError):
    return error_response(exc.status, exc.reason)


def handle_csrf_error(exc: CSRFError):
    reason = "The form expired or was sent from another site. Please go back, reload and try again."
    return error_response(400, reason)


def handle_too_large(exc: RequestEntityTooLarge):
    return error_response(413, UPLOAD_LIMIT_REASON)


def handle_rate_limit(exc: RateLimitExceeded):
    # Flask-Limiter adds the Retry-After and X-RateLimit headers to this response.
    return error_response(429, f"Too many requests: the limit is {exc.description}.")


def handle_http_error(exc: HTTPException):
    if isinstance(exc, InternalServerError):
        return handle_unexpected(exc)
    return error_response(exc.code or 500, exc.description or TITLES.get(exc.code, "Error"))


def handle_unexpected(exc: Exception):
    # Logged with the traceback for operators; the person sees only a friendly sentence.
    log.exception("unhandled error: %s", type(exc).__name__)
    return error_response(500, "Please try again in a minute. If it keeps happening, tell us.")

