"""The Node.js remote module (examples/remote-node): `npm ci`, start it, use it in a flowchart run."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pandas as pd
import pytest

from tests.dataops.remote.world import PROJECT, TOKEN, free_port, wait_for, world

EXAMPLE = PROJECT / "examples" / "remote-node"
FLOWCHART = """\
name: shares
nodes:
  - {id: load, module: read_csv, params: {path: sales.csv}}
  - {id: share, module: share_of_total, params: {column: 销售额, as: 占比}}
  - {id: save, module: write_csv, params: {path: out/shares.csv}}
edges:
  - {from: load, to: share}
  - {from: share, to: save}
"""


@pytest.fixture(scope="module")
def installed() -> Path:
    """The example's dependencies, as its README installs them (CI: a clean clone, the npm registry)."""
    npm = shutil.which("npm")
    if npm is None:
        if os.environ.get("DATAOPS_REQUIRE_SERVICES"):
            pytest.fail("npm is not installed")
        pytest.skip("npm is not installed")
    if not (EXAMPLE / "node_modules" / "apache-arrow").is_dir():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=EXAMPLE, check=True, timeout=600)
    return EXAMPLE


def test_the_node_module_runs_in_a_flowchart(installed: Path, tmp_path: Path) -> None:
    with world(tmp_path) as project:
        (tmp_path / "data" / "sales.csv").write_text("城市,销售额\n北京,30\n上海,10\n广州,\n", encoding="utf-8")
        (tmp_path / "flowcharts" / "shares.yaml").write_text(FLOWCHART, encoding="utf-8")
        project.start_editor()
        env = {
            "PORT": str(free_port()),
            "DATAOPS_REGISTER_URL": project.editor_url,
            "DATAOPS_REMOTE_TOKEN": TOKEN,
            "DATAOPS_HEARTBEAT_SECONDS": "2",
        }
        project.start(["node", str(installed / "server.js")], "node.log", env=env)
        entry = wait_for("share_of_total in the palette", lambda: project.palette("share_of_total"))
        assert entry["category"] == "remote" and entry["params_schema"]["required"] == ["column"]

        run = project.dataops("run", "flowcharts/shares.yaml")
        assert run.returncode == 0, run.stdout + run.stderr + (tmp_path / "node.log").read_text()
        out = pd.read_csv(tmp_path / "data" / "out" / "shares.csv")
        assert list(out.columns) == ["城市", "销售额", "占比"]
        assert out["占比"].tolist()[:2] == [0.75, 0.25] and pd.isna(out["占比"][2])

        wrong = project.dataops("run", "flowcharts/shares.yaml", "--set", "share.column=价钱")
        assert wrong.returncode == 1
        assert "unknown column '价钱' (columns: 城市, 销售额)" in wrong.stderr
