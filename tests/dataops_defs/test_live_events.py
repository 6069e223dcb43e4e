"""The live run page: with the project's `dagster.yaml`, a watcher sees a run's events while it runs.

Dagster's UI streams a run's events through the event log storage's `watch` (a file watcher on
the run's SQLite database for the embedded default). A storage that kept the run database open
(WAL pages never checkpointed into the file) starved that watcher: the run page showed only
RUN_ENQUEUED until a reload. This watches the way the webserver does, from another process
than the run's.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import dagster as dg

from tests.support.cli import PROJECT

SLOW_MODULE = '''
import time

import pandas as pd

from module_library import ModuleParams, module


class PauseParams(ModuleParams):
    seconds: float = 1.0


@module(category="rows", params=PauseParams)
def pause(data: pd.DataFrame, params: PauseParams) -> pd.DataFrame:
    """Wait, then pass the table on."""
    time.sleep(params.seconds)
    return data
'''

FLOWCHART = """name: slow
nodes:
  - {id: load, module: read_csv, params: {path: sales.csv}}
  - {id: first, module: pause, params: {seconds: 1.5}}
  - {id: second, module: pause, params: {seconds: 1.5}}
edges:
  - {from: load, to: first}
  - {from: first, to: second}
"""


def test_a_watcher_sees_step_events_while_the_run_executes(workspace: Path) -> None:
    (workspace / "plugins" / "slow.py").write_text(SLOW_MODULE, encoding="utf-8")
    (workspace / "flowcharts" / "slow.yaml").write_text(FLOWCHART, encoding="utf-8")
    script = Path(sys.executable).with_name("dataops")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "dataops.cli.main"]
    with dg.DagsterInstance.get() as instance:
        run = subprocess.Popen([*command, "run", "flowcharts/slow.yaml"], cwd=workspace, env=_env(workspace))
        try:
            run_id = _first_run_id(instance, run)
            seen: list[tuple[float, str]] = []
            started = time.monotonic()

            def on_event(event: dg.EventLogEntry, cursor: str) -> None:
                kind = event.dagster_event_type.value if event.dagster_event_type else "LOG"
                seen.append((time.monotonic() - started, kind))

            instance.event_log_storage.watch(run_id, None, on_event)
            assert run.wait(timeout=120) == 0
            ended = time.monotonic() - started
            instance.event_log_storage.end_watch(run_id, on_event)
        finally:
            run.kill()
    live = [kind for at, kind in seen if at < ended]
    assert "STEP_SUCCESS" in live, f"no step finished on the live view before the run ended; saw {live}"
    assert live.count("STEP_START") >= 2, live


def _env(workspace: Path) -> dict[str, str]:
    import os

    return {**os.environ, "PYTHONPATH": str(PROJECT)}


def _first_run_id(instance: dg.DagsterInstance, process: subprocess.Popen[bytes]) -> str:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        runs = instance.get_runs(limit=1)
        if runs:
            return runs[0].run_id
        assert process.poll() is None, "dataops run ended before it recorded a run"
        time.sleep(0.05)
    raise AssertionError("dataops run recorded no run within 60 s")
