"""An editor app on the test workspace, with a Dagster URL where nothing listens."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from dataops.editor.app import make_app
from dataops.settings import Settings
from tests.support.browser import CHROMIUM, require_browser
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


@pytest.fixture
def editor_only(workspace: Path) -> Iterator[str]:
    """A real `dataops editor` on the workspace without Dagster (its URL is a port where nothing
    listens): enough for opening, validating and saving. Skips without Chromium or Playwright."""
    from tests.dataops.editor.running import running_editor

    require_browser()
    env = {"DATAOPS_DAGSTER_URL": f"http://127.0.0.1:{free_port()}"}
    with running_editor(workspace / "editor.log", env) as (url, _):
        yield url


@pytest.fixture
def chromium(editor_only: str):
    """A page in real headless Chromium (/usr/bin/chromium); a script error on it fails the test."""
    from playwright.sync_api import sync_playwright

    from tests.dataops.editor.test_browser import CHROMIUM_ARGS

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 860})
        errors: list[str] = []
        page.on("pageerror", lambda error: errors.append(str(error)))
        yield page
        browser.close()
        assert not errors, errors
