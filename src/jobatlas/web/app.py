"""Application factory: settings in, a configured Flask app out."""

from __future__ import annotations

import importlib
import logging
import math
import os
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask
from flask.json.provider import DefaultJSONProvider
from werkzeug.middleware.proxy_fix import ProxyFix

from jobatlas.config import Settings, normalize_database_url
from jobatlas.web import errors, security, words
from jobatlas.web.resources import Resources

log = logging.getLogger(__name__)

MAX_UPLOAD_BYTES = 5 * 1024 * 1024

# Feature blueprints, registered in this order when their module exists; each module has ``bp``.
BLUEPRINTS = [
    "jobatlas.web.home",
    "jobatlas.web.occupations",
    "jobatlas.web.postings",
    "jobatlas.web.jobs",
    "jobatlas.web.api",
    "jobatlas.web.trends",
]

# Flask settings read from the environment when ``create_app`` is called without a config.
ENV_KEYS = {
    "SECRET_KEY": str,
    "RATELIMIT_STORAGE_URI": str,
    "RATELIMIT_API": str,
    "RATELIMIT_KEY_PREFIX": str,
    "RATELIMIT_ENABLED": lambda value: value.lower() not in ("0", "false", "no"),
    "JOBATLAS_EAGER_LOAD": lambda value: value.lower() in ("1", "true", "yes"),
    "PROXY_FIX_X_FOR": int,
}
# Other names for Flask settings, read from the environment or a config mapping; the Flask
# name wins when both are given.
ALIASES = {"JOBATLAS_RATELIMIT_STORAGE": "RATELIMIT_STORAGE_URI"}

DEFAULTS: dict[str, Any] = {
    "MAX_CONTENT_LENGTH": MAX_UPLOAD_BYTES,
    # Forms are posted once; a long-open tab should still submit.
    "WTF_CSRF_TIME_LIMIT": None,
    "RATELIMIT_STORAGE_URI": "memory://",
    # A shared store (Redis) that goes away must not take the API down: count per process
    # until it is back.
    "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
    "RATELIMIT_API": "120 per minute",
    "RATELIMIT_HEADERS_ENABLED": True,
    "JOBATLAS_EAGER_LOAD": False,
    "JOBATLAS_AUTO_MIGRATE": True,
    "FETCH_WORKERS": 2,
    "FETCH_MAX_POSTINGS": 200,
    # A stand-in Craigslist for tests and benchmarks; None means the real site.
    "CRAIGSLIST_BASE_URL": None,
    "PROXY_FIX_X_FOR": 0,
}


def create_app(config: Mapping[str, Any] | Settings | None = None) -> Flask:
    """Create the jobatlas web app.

    ``config`` is a ``Settings`` (where the database and model cache are), a mapping of Flask
    settings (``SETTINGS`` may hold a ``Settings``; ``DATABASE_URL`` and ``CACHE_DIR`` build
    one), or None to read everything from the environment.
    """
    app = Flask(__name__)
    app.json = JSONProvider(app)
    app.config.update(DEFAULTS)
    app.config.update(_flask_config(config))
    if not app.config.get("SECRET_KEY"):
        # Per process (preloaded gunicorn workers share it); set SECRET_KEY in production.
        app.config["SECRET_KEY"] = secrets.token_hex(32)
    settings = _settings(config)
    app.extensions["jobatlas"] = Resources(
        settings,
        auto_migrate=app.config["JOBATLAS_AUTO_MIGRATE"],
        fetch_workers=app.config["FETCH_WORKERS"],
    )
    if app.config["PROXY_FIX_X_FOR"]:
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=app.config["PROXY_FIX_X_FOR"], x_proto=1)
    security.init_app(app)
    errors.init_app(app)
    words.init_app(app)
    _register_blueprints(app)
    if app.config["JOBATLAS_EAGER_LOAD"]:
        app.extensions["jobatlas"].load_all()
    return app


class JSONProvider(DefaultJSONProvider):
    """JSON with missing numbers as null: pandas gives NaN, which JSON cannot carry."""

    sort_keys = False

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        # Walking every answer for NaN costs as much as encoding it; the encoder finds them.
        try:
            return super().dumps(obj, **{**kwargs, "allow_nan": False})
        except ValueError:
            return super().dumps(_finite(obj), **kwargs)


def _finite(value: Any) -> Any:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def _flask_config(config: Mapping[str, Any] | Settings | None) -> dict[str, Any]:
    if isinstance(config, Settings):
        return {}
    if config is None:
        values = {key: os.environ[key] for key in (*ENV_KEYS, *ALIASES) if key in os.environ}
        values = _unaliased(values)
        return {key: ENV_KEYS[key](value) for key, value in values.items()}
    return _unaliased(dict(config))


def _unaliased(values: dict[str, Any]) -> dict[str, Any]:
    for alias, name in ALIASES.items():
        if alias in values:
            value = values.pop(alias)
            values.setdefault(name, value)
    return values


def _settings(config: Mapping[str, Any] | Settings | None) -> Settings:
    if isinstance(config, Settings):
        return config
    if config is None:
        return Settings.from_env()
    if isinstance(config.get("SETTINGS"), Settings):
        return config["SETTINGS"]
    kwargs: dict[str, Any] = {}
    if config.get("DATABASE_URL"):
        kwargs["database_url"] = normalize_database_url(str(config["DATABASE_URL"]))
    if config.get("CACHE_DIR"):
        kwargs["cache_dir"] = Path(config["CACHE_DIR"])
    if config.get("DATA_DIR"):
        kwargs["data_dir"] = Path(config["DATA_DIR"])
    return Settings(**kwargs) if kwargs else Settings.from_env()


def _register_blueprints(app: Flask) -> None:
    for module_name in BLUEPRINTS:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            # A feature not built yet (e.g. trends); the rest of the app still works.
            if exc.name != module_name:
                raise
            log.debug("blueprint %s not present", module_name)
            continue
        app.register_blueprint(module.bp)
