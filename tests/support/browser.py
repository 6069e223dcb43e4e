"""Real Chromium for the browser tests: Debian's package driven by Playwright (downloads are blocked)."""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = "/usr/bin/chromium"
PROJECT = Path(__file__).resolve().parents[2]
ARTIFACTS = PROJECT / "test-artifacts"  # every screenshot a test takes, to look at after a run
DOC_IMAGES = PROJECT / "docs" / "img"


def screenshot(page: Any, name: str, *, doc: bool = False, **options: Any) -> Path:
    """The page as `test-artifacts/NAME` (Playwright's `screenshot` options pass through); a `doc`
    image is also copied to docs/img/NAME when DATAOPS_UPDATE_DOC_IMAGES is set."""
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / name
    page.screenshot(path=str(path), **options)
    if doc and os.environ.get("DATAOPS_UPDATE_DOC_IMAGES"):
        shutil.copy(path, DOC_IMAGES / name)
    return path


def missing() -> str | None:
    """Why a browser test cannot run here, or None."""
    if importlib.util.find_spec("playwright") is None:
        return "the playwright package is missing (pip install -e '.[test]')"
    if not Path(CHROMIUM).exists():
        return "chromium is missing (apt-get install -y chromium; scripts/services.sh does it)"
    return None


def require_browser() -> None:
    """Skip the test without a browser, or fail it where services are required (CI)."""
    reason = missing()
    if reason:
        if os.environ.get("DATAOPS_REQUIRE_SERVICES"):
            pytest.fail(f"browser test required but {reason}")
        pytest.skip(reason)
