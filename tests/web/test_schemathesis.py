"""Property-based API test driven by the OpenAPI document: no 5xx, responses as documented."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .conftest import seed_postings

pytestmark = pytest.mark.slow

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def api_schema(make_app, settings_for_schema):
    app = make_app(SETTINGS=settings_for_schema, CRAIGSLIST_BASE_URL="http://127.0.0.1:9")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    # Starting fetch jobs spawns crawls; test_jobs.py covers that operation.
    return schema.exclude(method="POST", path="/api/v1/fetch-jobs")


@pytest.fixture
def settings_for_schema(settings):
    seed_postings(settings.database_url)
    return settings


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_document(case):
    case.call_and_validate(checks=CHECKS)
