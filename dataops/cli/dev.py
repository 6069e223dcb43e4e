"""`dataops dev`: `dagster dev` on this project, with the project root as DAGSTER_HOME by default."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def start_dev(extra: list[str]) -> int:
    env = dict(os.environ)
    env.setdefault("DAGSTER_HOME", str(Path.cwd()))
    command = [sys.executable, "-m", "dagster", "dev", "-w", "workspace.yaml", *extra]
    try:
        return subprocess.call(command, env=env)
    except KeyboardInterrupt:
        return 0
