"""Automation end to end, through `dataops dev` (webserver, daemon, editor, hot-plug watcher):
drop a file -> a run -> a notification; add a plugin and a flowchart -> a new job within 10 s."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pandas as pd
import pytest

from tests.support.dagster_server import dagster_dev
from tests.support.receiver import receiver

RUNS = """
query($job: String!) {
  runsOrError(filter: {pipelineName: $job}) { ... on Runs { results { runId status tags { key value } } } }
}
"""

WATCHED = """
name: inbox_totals
nodes:
  - {{id: load, module: read_csv, params: {{path: placeholder.csv}}}}
  - id: totals
    module: group_aggregate
    params: {{by: [城市], aggregations: [{{column: 金额, function: sum}}]}}
  - {{id: save, module: write_csv, params: {{path: out/inbox_totals.csv}}}}
edges: [{{from: load, to: totals}}, {{from: totals, to: save}}]
triggers: {{watch: {{pattern: "inbox/*.csv", node: load}}}}
notify:
  - {{url: "{url}", on: [success, failure]}}
"""

PLUGIN = '''
import pandas as pd
from module_library import module

@module(category="custom")
def add_one(data: pd.DataFrame, params) -> pd.DataFrame:
    """Add one to every number."""
    return data.select_dtypes("number") + 1
'''

USES_PLUGIN = """
name: uses_plugin
nodes:
  - {id: load, module: read_csv, params: {path: numbers.csv}}
  - {id: plus, module: add_one}
  - {id: save, module: write_csv, params: {path: out/plus.csv}}
edges: [{from: load, to: plus}, {from: plus, to: save}]
"""


def env() -> dict[str, str]:
    wanted = {k: v for k, v in os.environ.items() if k.startswith(("DATAOPS_", "DAGSTER_HOME"))}
    return {**wanted, "DATAOPS_SENSOR_INTERVAL": "1", "DATAOPS_SETTLE_SECONDS": "1"}


def wait_for_runs(server, job: str, count: int, timeout: float = 120) -> list[dict]:
    deadline = time.monotonic() + timeout
    finished: list[dict] = []
    while time.monotonic() < deadline:
        results = server.graphql(RUNS, {"job": job})["runsOrError"]["results"]
        finished = [r for r in results if r["status"] in ("SUCCESS", "FAILURE")]
        if len(finished) >= count:
            return finished
        time.sleep(1)
    raise AssertionError(f"{job}: {len(finished)} of {count} runs finished; log:\n{server.log.read_text()[-4000:]}")


@pytest.fixture
def inbox():
    with receiver() as r:
        yield r


def test_a_dropped_file_runs_and_notifies(workspace: Path, inbox) -> None:
    (workspace / "flowcharts" / "inbox_totals.yaml").write_text(WATCHED.format(url=inbox.url), encoding="utf-8")
    with dagster_dev(env(), workspace / "dev.log", via_dataops=True) as server:
        server.wait_for_jobs({"inbox_totals"})
        folder = workspace / "data" / "inbox"
        folder.mkdir()
        (folder / "第一批.csv").write_text("城市,金额\n北京,10\n上海,5\n北京,1\n", encoding="gbk")
        (run,) = wait_for_runs(server, "inbox_totals", 1)
        assert run["status"] == "SUCCESS"
        assert {"key": "dataops/file", "value": "inbox/第一批.csv"} in run["tags"]
        totals = pd.read_csv(workspace / "data" / "out" / "inbox_totals.csv")
        assert totals.to_dict("list") == {"城市": ["上海", "北京"], "金额_sum": [5, 11]}
        (message,) = inbox.wait_for(1)
        assert message["title"] == "✓ inbox_totals succeeded"
        assert f"Run: {run['runId']}" in message["message"]
        assert "(2 rows)" in message["message"] and "inbox_totals.csv" in message["message"]

        # A file whose columns do not fit fails the run; the notification names the node.
        (folder / "bad.csv").write_text("city,amount\nx,1\n", encoding="utf-8")
        runs = wait_for_runs(server, "inbox_totals", 2)
        failed = next(r for r in runs if r["status"] == "FAILURE")
        messages = inbox.wait_for(2)
        failure = next(m for m in messages if m["type"] == "failure")
        assert failure["title"] == "✗ inbox_totals failed"
        assert f"Run: {failed['runId']}" in failure["message"]
        assert "Failed node: totals (group_aggregate)" in failure["message"]
        assert "unknown column '城市'" in failure["message"]


SLOW = '''
import time
import pandas as pd
from module_library import module

@module(category="custom")
def slow_step(data: pd.DataFrame, params) -> pd.DataFrame:
    """Take a few seconds."""
    time.sleep(6)
    return data
'''

SLOW_FLOW = """
name: slow_flow
nodes:
  - {id: load, module: read_csv, params: {path: numbers.csv}}
  - {id: wait, module: slow_step}
  - {id: save, module: write_csv, params: {path: out/slow.csv}}
edges: [{from: load, to: wait}, {from: wait, to: save}]
"""


def test_hot_plug_a_module_and_a_flowchart(workspace: Path) -> None:
    (workspace / "data" / "numbers.csv").write_text("a,b\n1,2\n3,4\n", encoding="utf-8")
    (workspace / "plugins" / "slow_step.py").write_text(SLOW, encoding="utf-8")
    (workspace / "flowcharts" / "slow_flow.yaml").write_text(SLOW_FLOW, encoding="utf-8")
    with dagster_dev(env(), workspace / "dev.log", via_dataops=True) as server:
        server.wait_for_jobs({"slow_flow"})
        before = set(server.jobs())
        in_flight = server.launch("slow_flow")  # still running while the code location reloads
        (workspace / "plugins" / "add_one.py").write_text(PLUGIN, encoding="utf-8")
        (workspace / "flowcharts" / "uses_plugin.yaml").write_text(USES_PLUGIN, encoding="utf-8")
        started = time.monotonic()
        jobs = server.wait_for_jobs({"uses_plugin"}, timeout=10)
        assert time.monotonic() - started <= 10
        assert "uses_plugin" not in before and "INVALID" not in (jobs["uses_plugin"]["description"] or "")
        run = server.wait_for_run(server.launch("uses_plugin"))
        assert run["status"] == "SUCCESS"
        assert server.wait_for_run(in_flight)["status"] == "SUCCESS"
        assert pd.read_csv(workspace / "data" / "out" / "plus.csv").to_dict("list") == {"a": [2, 4], "b": [3, 5]}

        # Removing the module breaks only the flowchart that uses it, naming the module.
        (workspace / "plugins" / "add_one.py").unlink()
        deadline = time.monotonic() + 10
        while "INVALID" not in (server.jobs()["uses_plugin"]["description"] or "") and time.monotonic() < deadline:
            time.sleep(0.5)
        assert "unknown module 'add_one'" in server.jobs()["uses_plugin"]["description"]


# --- the fast path: `dataops dev`'s inbox watcher, runs forked from the warm run server ------------

BURST = """
name: burst
nodes:
  - {{id: load, module: read_csv, params: {{path: placeholder.csv}}}}
  - {{id: save, module: write_csv, params: {{path: out/burst.csv}}}}
edges: [{{from: load, to: save}}]
triggers: {{watch: {{pattern: "burst/*.csv", node: load}}}}
notify:
  - {{url: "{url}", on: [success]}}
"""

RUN_TAGS = """
query($job: String!) {
  runsOrError(filter: {pipelineName: $job}, limit: 1000) {
    ... on Runs { results { runId status tags { key value } } }
  }
}
"""


def warm_env(sock: Path) -> dict[str, str]:
    return {**env(), "DATAOPS_WARM": "on", "DATAOPS_WARM_SOCKET": str(sock)}


@pytest.fixture
def warm_socket():
    import shutil
    import tempfile

    from dataops import warm_client

    folder = Path(tempfile.mkdtemp(prefix="da-", dir="/tmp"))
    yield folder / "w.sock"
    pid = warm_client.status(folder / "w.sock")
    if pid is not None:
        os.kill(pid, 9)
    shutil.rmtree(folder, ignore_errors=True)


def _tags(run: dict) -> dict[str, str]:
    return {t["key"]: t["value"] for t in run["tags"]}


@pytest.mark.timeout(1800)  # 101 real runs: minutes on a busy 2-core machine
def test_a_burst_of_files_runs_each_exactly_once_and_a_half_written_file_waits(
    workspace: Path, inbox, warm_socket: Path
) -> None:
    (workspace / "flowcharts" / "burst.yaml").write_text(BURST.format(url=inbox.url), encoding="utf-8")
    folder = workspace / "data" / "burst"
    folder.mkdir()
    with dagster_dev(warm_env(warm_socket), workspace / "dev.log", via_dataops=True) as server:
        server.wait_for_jobs({"burst"})
        time.sleep(2)  # the watchers are up
        # A file held open for writing is not read half-way, however long it stays untouched.
        held = folder / "held.csv"
        with held.open("w", encoding="utf-8") as writer:
            writer.write("城市,金额\n北京,1\n")
            writer.flush()
            time.sleep(8)  # several sensor ticks and far past the watcher's quiet time
            assert server.graphql(RUN_TAGS, {"job": "burst"})["runsOrError"]["results"] == []
            writer.write("上海,2\n")
        (run,) = wait_for_runs(server, "burst", 1)
        assert run["status"] == "SUCCESS" and _tags(run)["dataops/file"] == "burst/held.csv"
        assert _tags(run)["dataops/launch"] == "warm"

        # 100 files at once: 100 runs, one per file, each notified once.
        for i in range(100):
            (folder / f"f{i:03d}.csv").write_text(f"城市,金额\n城{i},{i}\n", encoding="utf-8")
        runs = wait_for_runs(server, "burst", 101, timeout=1500)
        files = sorted(_tags(r)["dataops/file"] for r in runs)
        assert files == sorted(["burst/held.csv", *(f"burst/f{i:03d}.csv" for i in range(100))])
        assert all(r["status"] == "SUCCESS" for r in runs)
        messages = inbox.wait_for(101, timeout=120)
        time.sleep(8)  # a duplicate from the sensors would arrive within two ticks
        notified = [m["message"].split("Run: ")[1].split("\n")[0] for m in inbox.messages]
        assert sorted(notified) == sorted(r["runId"] for r in runs), len(messages)
        time.sleep(6)
        assert len(server.graphql(RUN_TAGS, {"job": "burst"})["runsOrError"]["results"]) == 101  # no late duplicates
