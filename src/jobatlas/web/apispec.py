"""The OpenAPI 3.1 document, merged from per-feature fragments, and request validation.

``openapi/base.yaml`` holds the info and shared components; every other ``openapi/*.yaml``
(one per feature, e.g. ``api.yaml``, ``trends.yaml``) adds ``paths``, ``tags`` and
``components``. Fragments may not redefine a path or component another one defines.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft202012Validator

from jobatlas import __version__
from jobatlas.web.errors import UserError

SPEC_DIR = Path(__file__).resolve().parent / "openapi"


def merge_fragments(base: dict[str, Any], fragments: list[dict[str, Any]]) -> dict[str, Any]:
    """Return ``base`` with the paths, tags and components of every fragment added."""
    document = json.loads(json.dumps(base))
    document.setdefault("paths", {})
    document.setdefault("tags", [])
    components = document.setdefault("components", {})
    for fragment in fragments:
        _add_unique(document["paths"], fragment.get("paths", {}), "path")
        document["tags"].extend(fragment.get("tags", []))
        for section, entries in fragment.get("components", {}).items():
            _add_unique(components.setdefault(section, {}), entries, f"component {section}")
    return document


def _add_unique(target: dict, entries: dict, what: str) -> None:
    for key, value in entries.items():
        if key in target:
            raise ValueError(f"OpenAPI {what} {key!r} is defined in two fragments")
        target[key] = value


@lru_cache(maxsize=1)
def openapi_document() -> dict[str, Any]:
    """Return the merged OpenAPI document (read once per process)."""
    base = _read_yaml(SPEC_DIR / "base.yaml")
    paths = sorted(path for path in SPEC_DIR.glob("*.yaml") if path.name != "base.yaml")
    fragments = [_read_yaml(path) for path in paths]
    document = merge_fragments(base, fragments)
    document["info"]["version"] = __version__
    return document


def _read_yaml(path: Path) -> dict[str, Any]:
    with path.open(encoding="utf-8") as handle:
        return yaml.safe_load(handle) or {}


@lru_cache(maxsize=64)
def _validator(component: str) -> Draft202012Validator:
    # Embedding the components lets "#/components/schemas/..." references resolve.
    document = openapi_document()
    schema = {"$ref": f"#/components/schemas/{component}", "components": document["components"]}
    return Draft202012Validator(schema)


def schema_errors(instance: Any, component: str) -> list[str]:
    """Return readable messages for every way ``instance`` breaks schema ``component``."""
    errors = sorted(_validator(component).iter_errors(instance), key=lambda e: list(e.path))
    return [_describe(error) for error in errors]


def validate_body(instance: Any, component: str) -> None:
    """Raise a 422 ``UserError`` when a request body breaks its schema."""
    errors = schema_errors(instance, component)
    if errors:
        raise UserError(422, "Invalid request: " + "; ".join(errors[:3]))


def _describe(error) -> str:
    where = ".".join(str(part) for part in error.absolute_path)
    message = error.message
    if error.validator in ("maxLength", "minLength"):
        # The default message quotes the whole value, which may be a resume.
        limit = "longer" if error.validator == "maxLength" else "shorter"
        bound = "at most" if error.validator == "maxLength" else "at least"
        message = f"is {limit} than allowed ({bound} {error.validator_value} characters)"
    if len(message) > 200:
        message = message[:200] + "..."
    return f"{where}: {message}" if where else message
