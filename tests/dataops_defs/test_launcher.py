"""The run launcher's health check: the shipped instances use it, and the real daemon's run monitoring
fails a `dataops run` killed mid-run within seconds while leaving a live one alone."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import dagster as dg
import yaml
from dagster._core.launcher import WorkerStatus

from dataops_defs.launcher import DataOpsRunLauncher
from dataops_defs.run_worker import RunWorker
from tests.production.support import BIN, start, stop, wait_for
from tests.support.dagster_server import PROJECT
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
            wait_for(lambda: _waiting(instance, doomed_id, "doomed__wait"), timeout=120, message="the doomed node")
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
