"""A `dataops run` killed mid-run on a deployment (deploy/dagster.yaml: PostgreSQL, run queue, run
monitoring): the daemon fails its run within seconds, and the queued launch it was holding back starts."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import dagster as dg

from tests.production.support import deploy_home, deployment, instance_at, wait_for
from tests.support.slow import slow_flowchart, start_run


def test_a_killed_dataops_run_frees_its_queue_slot(workspace: Path, instance_db: str, tmp_path: Path) -> None:
    doomed = slow_flowchart(workspace, "doomed", 120)
    home = str(deploy_home(tmp_path / "home"))
    env = {
        **{k: v for k, v in os.environ.items() if k.startswith("DATAOPS_")},
        "DAGSTER_HOME": home,
        "DATAOPS_POSTGRES_URL": instance_db,
        "DATAOPS_RUNS_PER_FLOWCHART": "1",  # one run of `doomed` in progress holds every other back
    }
    with deployment(env, tmp_path / "logs") as server, instance_at(home, instance_db) as instance:
        server.wait_for_jobs({"doomed"})
        cli, cli_run = start_run(doomed, workspace, env)
        try:
            wait_for(
                lambda: any(
                    e.step_key == "doomed__flowchart.doomed__wait"
                    for e in instance.all_logs(cli_run, of_type=dg.DagsterEventType.STEP_START)
                ),
                timeout=120,
                message="the dataops run to reach its slow node",
            )
            queued = server.launch(
                "doomed", {"ops": {"doomed__flowchart": {"ops": {"doomed__wait": {"config": {"seconds": 0}}}}}}
            )
            time.sleep(5)  # several dequeue ticks and monitoring polls
            assert instance.get_run_by_id(queued).status == dg.DagsterRunStatus.QUEUED
            assert instance.get_run_by_id(cli_run).status == dg.DagsterRunStatus.STARTED  # alive: not failed
            os.kill(cli.pid, signal.SIGKILL)
            killed = time.monotonic()
            wait_for(lambda: instance.get_run_by_id(cli_run).is_finished, 30, "the killed run to end", 0.1)
            detected = time.monotonic() - killed
        finally:
            cli.kill()
            cli.communicate()
        failure = instance.all_logs(cli_run, of_type=dg.DagsterEventType.RUN_FAILURE)
        assert instance.get_run_by_id(cli_run).status == dg.DagsterRunStatus.FAILURE
        assert f"the dataops run process (pid {cli.pid}) exited without finishing the run" in failure[0].message
        assert detected < 15, detected
        assert server.wait_for_run(queued, timeout=120)["status"] == "SUCCESS"
    print(f"killed dataops run marked FAILED after {detected:.1f} s; the queued run then succeeded")
