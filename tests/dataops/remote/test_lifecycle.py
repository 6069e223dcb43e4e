"""A remote module's life with real processes: register, use in a run, heartbeat lapse, a new version."""

from __future__ import annotations

import signal
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from tests.dataops.remote.world import World, wait_for, world

SERVED = "tests/dataops/remote/served_modules.py"
FLOWCHART = """\
name: remote_demo
nodes:
  - {id: load, module: read_csv, params: {path: prices.csv}}
  - {id: scale, module: scale_remote, params: {column: 价格, factor: 10}}
  - {id: save, module: write_csv, params: {path: out/scaled.csv}}
edges:
  - {from: load, to: scale}
  - {from: scale, to: save}
"""


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))  # the instance the runs are in
    with world(tmp_path) as started:
        (tmp_path / "data" / "prices.csv").write_text("城市,价格\n北京,1.5\n上海,2\n", encoding="utf-8")
        (tmp_path / "flowcharts" / "remote_demo.yaml").write_text(FLOWCHART, encoding="utf-8")
        started.start_editor()
        yield started


def _versions_called(project: World, run_id: str) -> list[str]:
    with dg.DagsterInstance.from_config(str(project.root / "dagster_home")) as instance:
        found = []
        for event in instance.all_logs(run_id):
            data = event.dagster_event.event_specific_data if event.dagster_event else None
            metadata = getattr(data, "metadata", None) or {}
            if "remote module" in metadata:
                found.append(str(metadata["remote module"].value))
        return found


def test_register_run_lapse_and_reregister_with_a_new_version(project: World) -> None:
    service, _ = project.serve(SERVED, "--interval", "2", "--version", "1.0")
    entry = wait_for("the palette to list scale_remote", lambda: project.palette("scale_remote"))
    assert entry["category"] == "remote tests" and entry["params_schema"]["required"] == ["column"]
    assert project.remote("scale_remote")["version"] == "1.0"
    listed = project.dataops("modules")
    assert "scale_remote" in listed.stdout and "[unavailable]" not in listed.stdout

    run = project.dataops("run", "flowcharts/remote_demo.yaml")
    assert run.returncode == 0, run.stdout + run.stderr
    out = pd.read_csv(project.root / "data" / "out" / "scaled.csv")
    assert out["价格"].tolist() == [15.0, 20.0] and out["城市"].tolist() == ["北京", "上海"]
    run_id = run.stdout.splitlines()[0].split()[3]
    assert any("`scale_remote` version `1.0`" in v for v in _versions_called(project, run_id))

    service.send_signal(signal.SIGKILL)  # no goodbye: only the missing heartbeat tells
    wait_for("the registration to lapse", lambda: project.remote("scale_remote")["available"] is False)
    assert project.palette("scale_remote")["description"].startswith("[unavailable] ")
    checked = project.dataops("validate", "flowcharts/remote_demo.yaml")
    assert checked.returncode == 1
    assert "remote_demo › scale › params: remote module 'scale_remote' is unavailable: no heartbeat from" in (
        checked.stdout + checked.stderr
    )

    project.serve(SERVED, "--interval", "2", "--version", "2.0", log="service2.log")
    wait_for("version 2.0", lambda: (project.remote("scale_remote") or {}).get("version") == "2.0")
    assert project.palette("scale_remote")["description"] == "Multiply one column by a factor, in another process."
    again = project.dataops("run", "flowcharts/remote_demo.yaml")
    assert again.returncode == 0, again.stdout + again.stderr
    run_id = again.stdout.splitlines()[0].split()[3]
    assert any("`scale_remote` version `2.0`" in v for v in _versions_called(project, run_id))


def test_a_graceful_stop_unregisters_at_once(project: World) -> None:
    service, _ = project.serve(SERVED, "--interval", "30")
    wait_for("registration", lambda: project.remote("scale_remote"))
    service.send_signal(signal.SIGTERM)
    service.wait(timeout=30)
    assert project.remote("scale_remote")["reason"].endswith("unregistered")
