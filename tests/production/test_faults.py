"""Faults on a deployment (code server, webserver, daemon on a PostgreSQL cluster of the test's own):
a run's process killed mid-node fails the run, leaves inputs and outputs clean, and re-execution
from the failure reuses the finished nodes' outputs; PostgreSQL restarting leaves nothing stuck."""

from __future__ import annotations

import hashlib
import os
import re
import signal
import time
from pathlib import Path

import dagster as dg
import pandas as pd

from tests.production.support import deploy_home, deployment, instance_at, wait_for
from tests.support.slow import PAUSE_PLUGIN

FRAGILE = """
name: fragile
nodes:
  - {id: load, module: read_csv, params: {path: sales.csv}}
  - {id: totals, module: group_aggregate, params: {by: [城市], aggregations: [{column: 价格, function: sum}]}}
  - {id: wait, module: test_pause, params: {seconds: 8}}
  - {id: save, module: write_csv, params: {path: out/fragile.csv}}
edges: [{from: load, to: totals}, {from: totals, to: wait}, {from: wait, to: save}]
"""
REEXECUTE = """
mutation($parent: String!) {
  launchRunReexecution(reexecutionParams: {parentRunId: $parent, strategy: FROM_FAILURE}) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
  }
}
"""


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_killed_run_and_restarted_database(workspace: Path, throwaway_postgres, tmp_path: Path) -> None:
    (workspace / "plugins" / "pause.py").write_text(PAUSE_PLUGIN, encoding="utf-8")
    (workspace / "flowcharts" / "fragile.yaml").write_text(FRAGILE, encoding="utf-8")
    url = throwaway_postgres.url.replace("postgresql://", "postgresql+psycopg2://")
    home = str(deploy_home(tmp_path / "home"))
    env = {
        **{k: v for k, v in os.environ.items() if k.startswith("DATAOPS_")},
        "DAGSTER_HOME": home,
        "DATAOPS_POSTGRES_URL": url,
    }
    data, out, storage = workspace / "data", workspace / "data" / "out", workspace / "storage"
    before = digest(data / "sales.csv")
    with deployment(env, tmp_path / "logs") as server, instance_at(home, url) as instance:
        server.wait_for_jobs({"fragile"})
        run_id = server.launch("fragile")

        def waiting() -> bool:
            return any(
                e.step_key == "fragile__flowchart.fragile__wait"
                for e in instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_START)
            )

        wait_for(waiting, timeout=120, message="the wait node to start")
        started = next(e for e in instance.all_logs(run_id) if e.message.startswith("Started process for run"))
        pid = int(re.search(r"pid: (\d+)", started.message).group(1))
        time.sleep(1)
        os.kill(pid, signal.SIGKILL)
        killed = time.monotonic()
        wait_for(lambda: instance.get_run_by_id(run_id).is_finished, timeout=60, message="the killed run to end")
        detected = time.monotonic() - killed
        assert instance.get_run_by_id(run_id).status == dg.DagsterRunStatus.FAILURE
        messages = [e.message for e in instance.all_logs(run_id)]
        assert any("was terminated by signal 9 (SIGKILL)" in m for m in messages), messages[-5:]
        assert detected < 15  # well within run monitoring's poll interval

        assert digest(data / "sales.csv") == before
        assert not out.exists() or not list(out.iterdir())  # neither the output nor a temporary file
        finished = sorted(
            p.relative_to(storage / run_id).as_posix() for p in (storage / run_id).rglob("*") if p.is_file()
        )
        # The killed node's input was checkpointed while it ran (load's output may be, if totals took a while).
        assert "fragile__flowchart.fragile__totals/result.arrow" in finished
        assert set(finished) <= {
            "fragile__flowchart.fragile__load/result.arrow",
            "fragile__flowchart.fragile__totals/result.arrow",
        }  # no partial file

        result = server.graphql(REEXECUTE, {"parent": run_id})["launchRunReexecution"]
        assert result["__typename"] == "LaunchRunSuccess", result
        retry = server.wait_for_run(result["run"]["runId"])
        assert retry["status"] == "SUCCESS"
        assert {s["stepKey"] for s in retry["stepStats"]} == {
            "fragile__flowchart.fragile__wait",
            "fragile__flowchart.fragile__save",
        }  # upstream reused
        source = pd.read_csv(data / "sales.csv", encoding="gbk")
        expected = source.groupby("城市", sort=True).agg(价格_sum=("价格", "sum")).reset_index()
        pd.testing.assert_frame_equal(pd.read_csv(out / "fragile.csv"), expected)
        assert digest(data / "sales.csv") == before

        throwaway_postgres.stop()
        time.sleep(8)  # webserver and daemon meet a dead database for a few of their ticks
        throwaway_postgres.start()
        server.wait_until_healthy(timeout=120)
        assert all(p.poll() is None for p in server.processes.values())
        quick = {"ops": {"fragile__flowchart": {"ops": {"fragile__wait": {"config": {"seconds": 0}}}}}}
        assert server.wait_for_run(server.launch("fragile", quick))["status"] == "SUCCESS"
    print(f"killed run marked failed after {detected:.1f} s")
