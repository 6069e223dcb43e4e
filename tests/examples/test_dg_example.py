"""examples/dg_project (a `create-dagster project` declaring a flowchart in a defs.yaml) works with stock `dg`.

The example runs from a copy, as a user runs it from its folder: `dg` in the current environment,
the example's `src` and this repository on PYTHONPATH (what `pip install -e ../.. -e .` gives), the
data root its own `./data`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from tests.conftest import PROJECT

EXAMPLE = PROJECT / "examples" / "dg_project"


@pytest.fixture
def example(workspace: Path) -> Path:
    copy = workspace / "dg_project"
    shutil.copytree(EXAMPLE, copy, ignore=shutil.ignore_patterns(".venv", "__pycache__", "*.egg-info", "out"))
    return copy


def _dg(example: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DATAOPS_DATA_ROOT"}  # the example's ./data
    env["PYTHONPATH"] = os.pathsep.join([str(example / "src"), str(PROJECT)])
    dg_cli = Path(sys.executable).with_name("dg")
    return subprocess.run(
        [str(dg_cli), *args], cwd=example, env=env, capture_output=True, text=True, timeout=300, check=False
    )


OUTPUT = "file/out/revenue_by_city.csv"


def test_dg_builds_the_definitions(example: Path) -> None:
    checked = _dg(example, "check", "defs")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    listed = _dg(example, "list", "defs", "--json")
    assert listed.returncode == 0, listed.stderr
    defs = json.loads(listed.stdout)
    assert [job["name"] for job in defs["jobs"]] == ["revenue_by_city"]
    assets = {asset["asset_key"]: asset for asset in defs["assets"]}
    assert set(assets) == {OUTPUT, "file/orders.csv"}
    output = assets[OUTPUT]
    assert (output["group_name"], sorted(output["kinds"]), output["is_executable"]) == (
        "revenue_by_city",
        ["csv", "file"],
        True,
    )
    assert output["dependency_keys"] == ["file/orders.csv"]  # the input, an external asset
    assert not assets["file/orders.csv"]["is_executable"]


def test_dg_launch_materializes_the_asset(example: Path) -> None:
    launched = _dg(example, "launch", "--assets", f'key:"{OUTPUT}"')
    assert launched.returncode == 0, launched.stdout + launched.stderr
    assert f"Materialized value {OUTPUT.replace('/', ' ')}" in launched.stdout + launched.stderr
    written = pd.read_csv(example / "data" / "out" / "revenue_by_city.csv")
    assert dict(zip(written["城市"], written["销售额"], strict=True)) == {"上海": 162.75, "北京": 99.75, "广州": 300.0}
    assert (example / "data" / "orders.csv").read_bytes() == (EXAMPLE / "data" / "orders.csv").read_bytes()
