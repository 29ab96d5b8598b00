"""The Flask web app and JSON API."""

from jobatlas.web.app import create_app

__all__ = ["create_app"]
