"""The run launcher's health check: the shipped instances use it, and the real daemon's run monitoring
fails a `dataops run` killed mid-run within seconds while leaving a live one alone."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._core.launcher import WorkerStatus

from dataops_defs.launcher import DataOpsRunLauncher
from dataops_defs.run_worker import RunWorker
from tests.production.support import BIN, start, stop, wait_for
from tests.support.dagster_server import PROJECT, DagsterServer, dagster_dev
from tests.support.slow import slow_flowchart, start_run

POLL = 2  # poll_interval_seconds of run_monitoring in dagster.yaml


def test_both_instances_use_the_launcher_and_poll_every_few_seconds(workspace: Path) -> None:
    with dg.DagsterInstance.from_config(str(workspace / "dagster_home")) as instance:  # a copy of ./dagster.yaml
        assert isinstance(instance.run_launcher, DataOpsRunLauncher)
        assert instance.run_monitoring_enabled and instance.run_monitoring_poll_interval_seconds == POLL
    deploy = yaml.safe_load((PROJECT / "deploy" / "dagster.yaml").read_text(encoding="utf-8"))
    assert deploy["run_launcher"] == {"module": "dataops_defs.launcher", "class": "DataOpsRunLauncher"}
    assert deploy["run_monitoring"]["enabled"] and deploy["run_monitoring"]["poll_interval_seconds"] <= 5


def test_health_of_each_kind_of_run(workspace: Path) -> None:
    child = subprocess.Popen(["sleep", "60"])
    worker = RunWorker.this_process("cli")
    with dg.DagsterInstance.from_config(str(workspace / "dagster_home")) as instance:
        launcher = instance.run_launcher
        tagged = dg.DagsterRun(job_name="j", run_id="cli", tags=RunWorker(**{**vars(worker), "pid": child.pid}).tags())
        alive = launcher.check_run_worker_health(dg.DagsterRun(job_name="j", run_id="cli", tags=worker.tags()))
        child.kill()
        child.wait()
        dead = launcher.check_run_worker_health(tagged)
        copied = launcher.check_run_worker_health(dg.DagsterRun(job_name="j", run_id="retry", tags=tagged.tags))
        served = launcher.check_run_worker_health(dg.DagsterRun(job_name="j", run_id="grpc"))
    assert alive.status == WorkerStatus.RUNNING
    assert dead.status == WorkerStatus.FAILED
    assert dead.msg.startswith(f"the dataops run process (pid {child.pid}) exited without finishing the run")
    # A re-execution of a CLI run copies its tags and runs in a code server's process: not this worker.
    assert copied.status == served.status == WorkerStatus.RUNNING
    assert served.msg == "started by a code server, which fails it if it dies"


def test_the_daemon_fails_a_killed_dataops_run_within_seconds(workspace: Path) -> None:
    doomed = slow_flowchart(workspace, "doomed", 120)
    steady = slow_flowchart(workspace, "steady", 5 * POLL)
    log = workspace / "daemon.log"
    daemon = start([str(BIN / "dagster-daemon"), "run", "-m", "dataops_defs"], {}, log, cwd=workspace)
    killed: subprocess.Popen[str] | None = None
    try:
        with dg.DagsterInstance.from_config(str(workspace / "dagster_home")) as instance:
            wait_for(
                lambda: "MONITORING" in instance.get_daemon_heartbeats(),
                timeout=120,
                message=f"the monitoring daemon; log:\n{log.read_text()[-3000:] if log.exists() else ''}",
            )
            killed, doomed_id = start_run(doomed, workspace)
            living, steady_id = start_run(steady, workspace)
            wait_for(lambda: _waiting(instance, doomed_id, "doomed__flowchart.doomed__wait"), timeout=120, message="the doomed node")
            os.kill(killed.pid, signal.SIGKILL)
            at = time.monotonic()
            run = wait_for(
                lambda: _finished(instance, doomed_id), timeout=30, message="the killed run to fail", interval=0.1
            )
            detected = time.monotonic() - at
            assert living.wait(timeout=120) == 0, living.communicate()
            steady_run = instance.get_run_by_id(steady_id)
            failure = instance.all_logs(doomed_id, of_type=dg.DagsterEventType.RUN_FAILURE)
    finally:
        if killed is not None:
            killed.kill()
            killed.communicate()
        stop(daemon)
    assert run.status == dg.DagsterRunStatus.FAILURE
    assert f"the dataops run process (pid {killed.pid}) exited without finishing the run" in failure[0].message
    assert detected < 15, detected
    assert steady_run.status == dg.DagsterRunStatus.SUCCESS  # alive through several polls, never failed
    print(f"killed dataops run marked FAILED after {detected:.1f} s")


def _waiting(instance: dg.DagsterInstance, run_id: str, step: str) -> bool:
    return any(e.step_key == step for e in instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_START))


def _finished(instance: dg.DagsterInstance, run_id: str) -> dg.DagsterRun | None:
    run = instance.get_run_by_id(run_id)
    return run if run is not None and run.is_finished else None


# --- runs launched through the instance: forked from the warm run server ------------------------

WHO_PLUGIN = '''
import json
import os
import time

import pandas as pd
from pydantic import Field

from module_library import ModuleParams, module


class WhoParams(ModuleParams):
    path: str = Field(description="File that receives the pid and parent pid of the node's process.")
    seconds: float = Field(0.0, description="How long to sleep afterwards.")


@module(category="custom", params=WhoParams)
def test_who(data: pd.DataFrame, params: WhoParams) -> pd.DataFrame:
    """Record which process runs this node (and print it to the compute log), then sleep."""
    record = {"pid": os.getpid(), "ppid": os.getppid()}
    print(f"test_who ran in {record}", flush=True)
    with open(params.path, "w", encoding="utf-8") as file:
        json.dump(record, file)
    time.sleep(params.seconds)
    return data
'''

WHO_FLOWCHART = """
name: {name}
nodes:
  - {{id: load, module: read_csv, params: {{path: sales.csv}}}}
  - {{id: who, module: test_who, params: {{path: "{record}", seconds: {seconds}}}}}
  - {{id: save, module: write_csv, params: {{path: out/{name}.csv}}}}
edges: [{{from: load, to: who}}, {{from: who, to: save}}]
"""

TERMINATE = """
mutation($id: String!) {
  terminateRun(runId: $id) { __typename ... on TerminateRunFailure { message } ... on PythonError { message } }
}
"""


def _who_flowchart(workspace: Path, name: str, seconds: float) -> Path:
    (workspace / "plugins" / "who.py").write_text(WHO_PLUGIN, encoding="utf-8")
    record = workspace / f"{name}.json"
    text = WHO_FLOWCHART.format(name=name, record=record, seconds=seconds)
    (workspace / "flowcharts" / f"{name}.yaml").write_text(text, encoding="utf-8")
    return record


def _dev_env(socket_path: Path | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k.startswith(("DATAOPS_", "DAGSTER_HOME"))}
    if socket_path is None:
        return {**env, "DATAOPS_WARM": "off"}
    return {**env, "DATAOPS_WARM": "on", "DATAOPS_WARM_SOCKET": str(socket_path)}


def _messages(instance: dg.DagsterInstance, run_id: str) -> list[str]:
    return [entry.message for entry in instance.all_logs(run_id) if entry.message]


def _read_record(path: Path) -> dict[str, int] | None:
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, ValueError):
        return None


@pytest.fixture
def warm_dev(workspace: Path) -> Iterator[tuple[DagsterServer, int, Path]]:
    """`dataops dev` with its warm run server on a private socket; (server, warm server pid, socket)."""
    from dataops import warm_client

    shutil.copy(PROJECT / "workspace.yaml", workspace / "workspace.yaml")
    folder = Path(tempfile.mkdtemp(prefix="dl-", dir="/tmp"))
    path = folder / "w.sock"
    try:
        with dagster_dev(_dev_env(path), workspace / "dev.log", cwd=workspace, via_dataops=True) as server:
            pid = wait_for(lambda: warm_client.status(path), timeout=120, message="dataops dev's warm run server")
            yield server, pid, path
    finally:
        pid = warm_client.status(path)
        if pid is not None:
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(folder, ignore_errors=True)


def test_launched_runs_fork_from_the_warm_server_and_are_monitored_and_terminated(
    workspace: Path, warm_dev: tuple[DagsterServer, int, Path]
) -> None:
    server, warm_pid, _ = warm_dev
    quick = _who_flowchart(workspace, "quick", 0)
    stuck = _who_flowchart(workspace, "stuck", 120)
    doomed = _who_flowchart(workspace, "doomed", 120)
    server.wait_for_jobs({"quick", "stuck", "doomed"})
    with dg.DagsterInstance.from_config(str(workspace / "dagster_home")) as instance:
        # A launch through GraphQL runs in a child of the warm run server and succeeds.
        run_id = server.launch("quick")
        assert server.wait_for_run(run_id)["status"] == "SUCCESS"
        who = json.loads(quick.read_text())
        assert who["ppid"] == warm_pid
        run = instance.get_run_by_id(run_id)
        assert run is not None and run.tags["dataops/launch"] == "warm"
        # Nothing was waiting: the run queue launched it at once, without the daemon.
        assert not instance.all_logs(run_id, of_type=dg.DagsterEventType.RUN_ENQUEUED)
        assert RunWorker.of_run(run_id, run.tags).pid == who["pid"]
        messages = _messages(instance, run_id)
        assert any(
            f"Forked the run's process (pid {who['pid']}) from the warm run server (pid {warm_pid})" in m
            for m in messages
        )
        assert f"Started process for run (pid: {who['pid']})." in messages  # Dagster's own run worker
        assert (workspace / "data" / "out" / "quick.csv").is_file()
        # The node's output went to Dagster's compute logs, as with the default launcher.
        logs = "".join(
            p.read_text(errors="replace")
            for p in (workspace / "dagster_home" / "storage").rglob("*.out")
            if p.is_file()
        )
        assert f"test_who ran in {who}" in logs

        # Terminate from the UI (GraphQL): the run's process stops and the run is cancelled.
        stuck_id = server.launch("stuck")
        stuck_who = wait_for(lambda: _read_record(stuck), timeout=60, message="the stuck node to start")
        assert stuck_who["ppid"] == warm_pid
        answer = server.graphql(TERMINATE, {"id": stuck_id})["terminateRun"]
        assert answer["__typename"] == "TerminateRunSuccess", answer
        assert server.wait_for_run(stuck_id, timeout=30)["status"] == "CANCELED"
        wait_for(lambda: not Path(f"/proc/{stuck_who['pid']}").exists(), timeout=10, message="the process to end")

        # A run process killed outright: run monitoring fails the run within seconds.
        doomed_id = server.launch("doomed")
        doomed_who = wait_for(lambda: _read_record(doomed), timeout=60, message="the doomed node to start")
        os.kill(doomed_who["pid"], signal.SIGKILL)
        at = time.monotonic()
        assert server.wait_for_run(doomed_id, timeout=30)["status"] == "FAILURE"
        detected = time.monotonic() - at
        failure = instance.all_logs(doomed_id, of_type=dg.DagsterEventType.RUN_FAILURE)
        assert f"(pid {doomed_who['pid']}) exited without finishing the run" in failure[0].message
        assert detected < 15, detected
        assert warm_client_status(warm_dev[2]) == warm_pid  # the server itself is untouched

        # A flowchart written after the server started runs forked too: each run builds the
        # definitions itself, never the server's copy.
        late = _who_flowchart(workspace, "late", 0)
        server.wait_for_jobs({"late"})
        late_id = server.launch("late")
        assert server.wait_for_run(late_id)["status"] == "SUCCESS"
        assert json.loads(late.read_text())["ppid"] == warm_pid


def warm_client_status(path: Path) -> int | None:
    from dataops import warm_client

    return warm_client.status(path)


def test_without_a_warm_server_runs_launch_cold_and_say_so(workspace: Path) -> None:
    record = _who_flowchart(workspace, "plain", 0)
    shutil.copy(PROJECT / "workspace.yaml", workspace / "workspace.yaml")
    with dagster_dev(_dev_env(None), workspace / "dev.log", cwd=workspace, via_dataops=True) as server:
        server.wait_for_jobs({"plain"})
        run_id = server.launch("plain")
        assert server.wait_for_run(run_id)["status"] == "SUCCESS"
    with dg.DagsterInstance.from_config(str(workspace / "dagster_home")) as instance:
        run = instance.get_run_by_id(run_id)
        assert run is not None and run.tags["dataops/launch"] == "cold"
        assert (
            "[DataOpsRunLauncher] No warm run server for this run (DATAOPS_WARM is off); launching it with "
            "Dagster's default launcher (a new process, which imports everything first)."
        ) in _messages(instance, run_id)
    assert json.loads(record.read_text())["pid"] > 0
