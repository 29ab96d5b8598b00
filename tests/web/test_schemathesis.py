"""Property-based API test driven by the OpenAPI document: no 5xx, responses as documented."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from jobatlas.web.apispec import openapi_document

from .conftest import seed_postings

pytestmark = pytest.mark.slow

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def api_app(make_app, settings):
    seed_postings(settings.database_url)
    return make_app(CRAIGSLIST_BASE_URL="http://127.0.0.1:9")


# Starting fetch jobs spawns crawls; test_jobs.py covers that operation.
schema = schemathesis.openapi.from_dict(openapi_document()).exclude(
    method="POST", path="/api/v1/fetch-jobs"
)


@schema.parametrize()
@hypothesis_settings(max_examples=10, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_document(case, api_app):
    case.call_and_validate(app=api_app, checks=CHECKS)
