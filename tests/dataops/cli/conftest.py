"""Run the real `dataops` command in a subprocess against the `workspace` fixture."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[3]


@pytest.fixture
def cli(workspace: Path):
    """Call `dataops ARGS...` with the workspace's environment; returns the CompletedProcess."""
    for name in ("sales_by_city.yaml", "orders_with_customers.json"):
        shutil.copy(PROJECT / "flowcharts" / name, workspace / "flowcharts" / name)

    def call(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "dataops.cli.main", *args],
            cwd=workspace,
            env={**os.environ, "PYTHONPATH": str(PROJECT)},
            capture_output=True,
            text=True,
            timeout=300,
        )

    return call
