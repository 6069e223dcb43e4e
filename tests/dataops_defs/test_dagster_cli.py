"""Dagster's own CLI works on the compiled jobs: list, execute, launch."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from tests.conftest import PROJECT


def dagster(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dagster", *args],
        cwd=PROJECT,
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_list_execute_and_launch(workspace: Path) -> None:
    shutil.copy(PROJECT / "flowcharts" / "sales_by_city.yaml", workspace / "flowcharts")
    listed = dagster("job", "list", "-m", "dataops_defs")
    assert listed.returncode == 0, listed.stderr
    assert "sales_by_city" in listed.stdout

    executed = dagster("job", "execute", "-m", "dataops_defs", "-j", "sales_by_city")
    assert executed.returncode == 0, executed.stderr
    assert len(pd.read_csv(workspace / "data" / "out" / "sales_by_city.csv")) == 6

    (workspace / "data" / "out" / "sales_by_city.csv").unlink()
    launched = dagster("job", "launch", "-w", "workspace.yaml", "-j", "sales_by_city")
    assert launched.returncode == 0, launched.stderr
    # `launch` queues the run; the daemon (which `dataops dev` runs) dequeues and starts it.
    daemon = subprocess.Popen(
        [str(Path(sys.executable).with_name("dagster-daemon")), "run", "-w", "workspace.yaml"],
        cwd=PROJECT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        with dg.DagsterInstance.get() as instance:
            run = instance.get_runs()[0]
            deadline = time.monotonic() + 120
            while not run.is_finished and time.monotonic() < deadline:
                time.sleep(0.5)
                run = instance.get_run_by_id(run.run_id)
            assert run.status == dg.DagsterRunStatus.SUCCESS
            assert len(instance.get_runs()) == 2
    finally:
        daemon.terminate()
        daemon.wait(timeout=60)
    assert len(pd.read_csv(workspace / "data" / "out" / "sales_by_city.csv")) == 6


def test_the_readme_commands_work_from_a_fresh_checkout_without_dagster_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The README's block of stock `dagster` commands, run as written in a copy of the tree."""
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    block = readme.split("Dagster's own CLI works on the compiled jobs", 1)[1].split("```bash\n", 1)[1]
    commands = block.split("```", 1)[0]
    assert "dagster job launch" in commands, commands
    checkout = tmp_path / "checkout"
    tracked = subprocess.run(["git", "ls-files", "-z"], cwd=PROJECT, capture_output=True, check=True).stdout
    for name in filter(None, tracked.decode().split("\0")):
        if (PROJECT / name).is_file():
            (checkout / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(PROJECT / name, checkout / name)
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME" and not k.startswith("DATAOPS_")}
    env["PATH"] = f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"
    env["DATAOPS_WARM_SOCKET"] = str(tmp_path / "w.sock")  # no warm run server: the launch waits for the daemon
    shell = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", commands], cwd=checkout, env=env, capture_output=True, text=True, timeout=300
    )
    assert shell.returncode == 0, shell.stderr[-3000:]
    assert "sales_by_city" in shell.stdout
    assert "DagsterHomeNotSetError" not in shell.stderr
    assert len(pd.read_csv(checkout / "data" / "out" / "sales_by_city.csv")) == 6
    # The launched run waits in the queue of the instance the README named, for the daemon.
    monkeypatch.setenv("DAGSTER_HOME", str(checkout))
    with dg.DagsterInstance.get() as instance:
        statuses = sorted(run.status.value for run in instance.get_runs())
    assert statuses == ["QUEUED", "SUCCESS"], statuses
