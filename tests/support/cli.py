"""Run the real `dataops` command in a subprocess, as a user would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]


def dataops(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`dataops ARGS...` in `cwd` with the current environment (DATAOPS_* from the fixtures)."""
    script = Path(sys.executable).with_name("dataops")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "dataops.cli.main"]
    return subprocess.run(
        [*command, *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(PROJECT)},
        capture_output=True,
        text=True,
        timeout=300,
    )
