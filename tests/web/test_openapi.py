"""The OpenAPI document: valid, complete (every API route), built from fragments."""

from __future__ import annotations

import re

import pytest
from openapi_spec_validator import validate

from jobatlas.web.apispec import merge_fragments, openapi_document, schema_errors

DOCUMENTED_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def api_routes(app) -> set[tuple[str, str]]:
    """Return (OpenAPI path, method) for every Flask route under /api/."""
    routes = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/"):
            continue
        path = re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", r"{\1}", rule.rule)
        routes |= {(path, method) for method in rule.methods & DOCUMENTED_METHODS}
    return routes


def documented_routes() -> set[tuple[str, str]]:
    return {
        (path, method.upper())
        for path, item in openapi_document()["paths"].items()
        for method in item
        if method.upper() in DOCUMENTED_METHODS
    }


def test_document_is_valid_openapi_3_1():
    document = openapi_document()
    assert document["openapi"].startswith("3.1")
    validate(document)


def test_every_api_route_is_documented(app):
    undocumented = api_routes(app) - documented_routes()
    assert not undocumented, f"routes missing from the OpenAPI document: {sorted(undocumented)}"


def test_every_documented_path_is_a_route(app):
    missing = documented_routes() - api_routes(app)
    assert not missing, f"documented but not served: {sorted(missing)}"


def test_every_operation_has_an_id_and_summary():
    for path, item in openapi_document()["paths"].items():
        for method, operation in item.items():
            if method.upper() in DOCUMENTED_METHODS:
                assert operation.get("operationId") and operation.get("summary"), (path, method)


def test_served_document_and_docs_page(client):
    served = client.get("/api/v1/openapi.json")
    assert served.status_code == 200
    assert served.get_json() == openapi_document()
    page = client.get("/api/v1/docs").get_data(as_text=True)
    for path in openapi_document()["paths"]:
        assert path in page
    assert "<script" not in page


def test_fragments_merge_paths_and_components():
    base = {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {},
            "components": {"schemas": {"Error": {"type": "object"}}}}
    trends = {
        "paths": {"/api/v1/trends": {"get": {"responses": {"200": {"description": "ok"}}}}},
        "tags": [{"name": "trends"}],
        "components": {"schemas": {"Series": {"type": "array"}}},
    }
    merged = merge_fragments(base, [trends])
    assert set(merged["paths"]) == {"/api/v1/trends"}
    assert set(merged["components"]["schemas"]) == {"Error", "Series"}
    assert merged["tags"] == [{"name": "trends"}]
    assert base["paths"] == {}  # the base is not modified


def test_fragments_may_not_redefine_a_path():
    base = {"paths": {"/a": {}}}
    with pytest.raises(ValueError, match="'/a' is defined in two fragments"):
        merge_fragments(base, [{"paths": {"/a": {}}}])


def test_schema_errors_never_quote_long_text():
    errors = schema_errors({"text": "private resume " * 10_000}, "RecommendRequest")
    assert errors == ["text: is longer than allowed (at most 100000 characters)"]
