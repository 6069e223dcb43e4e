"""Real Chromium for the browser tests: Debian's package driven by Playwright (downloads are blocked)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"


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
