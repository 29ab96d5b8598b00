"""CSRF protection, rate limits and security headers."""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFProtect
from werkzeug.exceptions import RequestEntityTooLarge

csrf = CSRFProtect()

# Strict: only our own vendored scripts, styles and images; no inline code, no framing.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "font-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), interest-cohort=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}


def is_api_request() -> bool:
    """Return True when the current request is for the JSON API."""
    return request.path.startswith("/api/")


def init_app(app: Flask) -> None:
    """Attach CSRF protection, the API rate limiter and the security headers."""
    app.before_request(refuse_oversized_body)
    # The API takes JSON from scripts, not forms from a browser session: no CSRF there.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    csrf.init_app(app)
    app.before_request(protect_forms)
    limiter = Limiter(
        get_remote_address,
        app=app,
        storage_uri=app.config["RATELIMIT_STORAGE_URI"],
        default_limits=[app.config["RATELIMIT_API"]],
        # Only the API is limited; pages are cheap or already bounded by the form.
        default_limits_exempt_when=lambda: not is_api_request(),
    )
    app.extensions["jobatlas_limiter"] = limiter
    app.after_request(add_security_headers)


def refuse_oversized_body() -> None:
    """Answer 413 from the declared length, before any of the body is read or spooled."""
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    if limit is not None and request.content_length is not None and request.content_length > limit:
        raise RequestEntityTooLarge()


def protect_forms() -> None:
    """Check the CSRF token of every form posted to a page."""
    if current_app.config["WTF_CSRF_ENABLED"] and not is_api_request():
        csrf.protect(apply_exemptions=True)


def add_security_headers(response):
    """Add the security headers to every response."""
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    if request.is_secure:
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if is_api_request():
        response.headers.setdefault("Cache-Control", "no-store")
    return response
