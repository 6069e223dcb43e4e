"""A flowchart slow enough to be killed in the middle, and a real `dataops run` of it in the background."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from tests.support.dagster_server import PROJECT

PAUSE_PLUGIN = '''
import time

import pandas as pd
from pydantic import Field

from module_library import ModuleParams, module


class PauseParams(ModuleParams):
    seconds: float = Field(description="How long to wait.")


@module(category="custom", params=PauseParams)
def test_pause(data: pd.DataFrame, params: PauseParams) -> pd.DataFrame:
    """Wait, then pass the data on: a node slow enough to be killed in the middle."""
    time.sleep(params.seconds)
    return data
'''


def slow_flowchart(workspace: Path, name: str, seconds: float) -> Path:
    """flowcharts/NAME.yaml: read sales.csv, wait `seconds`, write out/NAME.csv (with the pause plugin)."""
    (workspace / "plugins" / "pause.py").write_text(PAUSE_PLUGIN, encoding="utf-8")
    file = workspace / "flowcharts" / f"{name}.yaml"
    file.write_text(
        f"""
name: {name}
nodes:
  - {{id: load, module: read_csv, params: {{path: sales.csv}}}}
  - {{id: wait, module: test_pause, params: {{seconds: {seconds}}}}}
  - {{id: save, module: write_csv, params: {{path: out/{name}.csv}}}}
edges: [{{from: load, to: wait}}, {{from: wait, to: save}}]
""",
        encoding="utf-8",
    )
    return file


def start_run(file: Path, cwd: Path, env: Mapping[str, str] | None = None) -> tuple[subprocess.Popen[str], str]:
    """A real `dataops run FILE` in the background and its run id (from its first line of output)."""
    process = subprocess.Popen(
        [sys.executable, "-m", "dataops.cli.main", "run", str(file)],
        cwd=cwd,
        env={**os.environ, **(env or {}), "PYTHONPATH": str(PROJECT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    first = process.stdout.readline() if process.stdout else ""
    if not first.startswith("▶ "):
        process.kill()
        _, errors = process.communicate()
        raise AssertionError(f"dataops run did not start: {first}{errors}")
    return process, first.split()[3]
