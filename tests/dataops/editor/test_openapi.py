"""The OpenAPI document is valid and every documented operation holds up under generated input."""

from __future__ import annotations

from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)
from starlette.testclient import TestClient

from dataops.editor.app import ENDPOINTS, make_app
from dataops.settings import Settings
from tests.support.dagster_server import free_port


@pytest.fixture
def api_schema(workspace: Path):
    settings = Settings(
        dagster_url=f"http://127.0.0.1:{free_port()}", editor_max_upload_mb=1, editor_allowed_hosts=["testserver"]
    )
    app = make_app(settings)
    return schemathesis.openapi.from_asgi("/api/openapi.json", app)


schema = schemathesis.pytest.from_fixture("api_schema")


def test_every_endpoint_is_documented(client: TestClient) -> None:
    document = client.get("/api/openapi.json").json()
    assert document["openapi"].startswith("3.")
    documented = {(method.upper(), path) for path, ops in document["paths"].items() for method in ops}
    assert documented == {(e.method, e.path) for e in ENDPOINTS}
    assert "FlowchartDocument" in document["components"]["schemas"]


# Runs need a live Dagster: they are covered in test_api_runs.py and the browser test.
@schema.exclude(path_regex="^/api/runs").parametrize()
@settings(max_examples=20, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case) -> None:
    case.call_and_validate(
        headers={"Origin": "http://testserver"},  # the schemathesis client's Host: writes get through
        checks=[not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance],
    )
