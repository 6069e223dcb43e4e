"""An editor app on the test workspace, with a Dagster URL where nothing listens."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from dataops.editor.app import make_app
from dataops.settings import Settings
from tests.support.dagster_server import free_port

ORIGIN = {"Origin": "http://testserver"}


@pytest.fixture
def settings(workspace: Path) -> Settings:
    """TestClient sends `Host: testserver`, a name the editor answers only when it is allowed."""
    return Settings(
        dagster_url=f"http://127.0.0.1:{free_port()}", editor_max_upload_mb=1, editor_allowed_hosts=["testserver"]
    )


@pytest.fixture
def client(settings: Settings) -> Iterator[TestClient]:
    """Same-origin by default (as the page's own requests are); pass other headers to test refusals."""
    with TestClient(make_app(settings), headers=ORIGIN, raise_server_exceptions=False) as test_client:
        yield test_client
