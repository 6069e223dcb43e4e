"""Flowcharts as assets in a real `dagster dev`, through GraphQL: lineage across flowcharts, a chain
run once per upstream update by declarative automation, one asset materialized alone, and a
user error shown as its message without a traceback."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pandas as pd
import pytest

from tests.support.dagster_server import DagsterServer, dagster_dev

# A writes mid/a.csv; B reads it (after_upstream) and writes mid/b.csv; C reads that (after_upstream).
A = """
name: a
nodes:
  - {id: load, module: read_csv, params: {path: sales.csv}}
  - {id: big, module: filter_rows, params: {condition: "价格 > 100"}}
  - {id: save, module: write_csv, params: {path: mid/a.csv}}
  - {id: cities, module: select_columns, params: {columns: [城市]}}
  - {id: save_cities, module: write_parquet, params: {path: mid/cities.parquet}}
edges: [{from: load, to: big}, {from: big, to: save}, {from: load, to: cities}, {from: cities, to: save_cities}]
"""
B = """
name: b
triggers: {after_upstream: true}
nodes:
  - {id: load, module: read_csv, params: {path: mid/a.csv}}
  - {id: save, module: write_csv, params: {path: mid/b.csv}}
edges: [{from: load, to: save}]
"""
C = B.replace("name: b", "name: c").replace("mid/b.csv", "mid/c.csv").replace("mid/a.csv", "mid/b.csv")
WRONG = """
name: wrong
nodes:
  - {id: load, module: read_csv, params: {path: sales.csv}}
  - {id: keep, module: filter_rows, params: {condition: "价钱 > 100"}}
  - {id: save, module: write_csv, params: {path: mid/wrong.csv}}
edges: [{from: load, to: keep}, {from: keep, to: save}]
"""

ASSETS = """
query {
  assetNodes { assetKey { path } groupName kinds isExecutable jobNames dependencyKeys { path } }
}
"""
RUNS = """
query {
  runsOrError(limit: 100) { ... on Runs { results { runId jobName status assetSelection { path } } } }
}
"""
MATERIALIZE = """
mutation($params: ExecutionParams!) {
  launchPipelineExecution(executionParams: $params) {
    __typename
    ... on LaunchRunSuccess { run { runId } }
    ... on PythonError { message }
  }
}
"""
FAILURE = """
query($id: ID!) {
  runOrError(runId: $id) { ... on Run { status eventConnection { events {
    __typename
    ... on ExecutionStepFailureEvent { stepKey failureMetadata { description } error { message stack cause { message } } }
  } } } }
}
"""


@pytest.fixture
def server(workspace: Path):
    for name, text in {"a": A, "b": B, "c": C, "wrong": WRONG}.items():
        (workspace / "flowcharts" / f"{name}.yaml").write_text(text, encoding="utf-8")
    env = {k: os.environ[k] for k in os.environ if k.startswith(("DATAOPS_", "DAGSTER_HOME"))}
    env["DATAOPS_SENSOR_INTERVAL"] = "1"
    with dagster_dev(env, workspace / "dagster.log") as running:
        running.wait_for_jobs({"a", "b", "c", "wrong"})
        yield running


def _key(path: str) -> list[str]:
    return ["file", *path.split("/")]


def _runs_of(server: DagsterServer, key: list[str]) -> list[dict]:
    runs = server.graphql(RUNS)["runsOrError"]["results"]
    return [r for r in runs if {"path": key} in (r["assetSelection"] or [])]


def _wait_for(server: DagsterServer, key: list[str], count: int, timeout: float = 300) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        runs = _runs_of(server, key)
        if len(runs) >= count and all(r["status"] in ("SUCCESS", "FAILURE") for r in runs):
            return runs
        time.sleep(1)
    raise AssertionError(
        f"{count} run(s) of {key} expected, got {_runs_of(server, key)}; log:\n{server.log.read_text()[-3000:]}"
    )


def test_outputs_are_assets_and_a_flowcharts_output_feeds_the_next(server: DagsterServer) -> None:
    nodes = {"/".join(n["assetKey"]["path"]): n for n in server.graphql(ASSETS)["assetNodes"]}
    assert set(nodes) == {
        "file/sales.csv",
        "file/mid/a.csv",
        "file/mid/cities.parquet",
        "file/mid/b.csv",
        "file/mid/c.csv",
        "file/mid/wrong.csv",
    }
    a, b = nodes["file/mid/a.csv"], nodes["file/mid/b.csv"]
    assert a["groupName"] == "a" and set(a["kinds"]) == {"csv", "file"} and "a" in a["jobNames"]
    assert a["dependencyKeys"] == [{"path": ["file", "sales.csv"]}]
    assert b["dependencyKeys"] == [{"path": _key("mid/a.csv")}]  # B's source reads what A's sink writes
    assert nodes["file/mid/c.csv"]["dependencyKeys"] == [{"path": _key("mid/b.csv")}]
    assert not nodes["file/sales.csv"]["isExecutable"]  # an input no flowchart writes: external


def test_updating_a_runs_b_then_c_exactly_once(server: DagsterServer, workspace: Path) -> None:
    assert server.wait_for_run(server.launch("a"))["status"] == "SUCCESS"
    # Dagster may request C in B's run (C's input is about to be updated): once each, either way.
    assert [r["status"] for r in _wait_for(server, _key("mid/b.csv"), 1)] == ["SUCCESS"]
    assert [r["status"] for r in _wait_for(server, _key("mid/c.csv"), 1)] == ["SUCCESS"]
    time.sleep(8)  # several automation ticks later: nothing runs again (no loop, no repeat)
    assert len(_runs_of(server, _key("mid/b.csv"))) == 1 and len(_runs_of(server, _key("mid/c.csv"))) == 1
    expected = pd.read_csv(workspace / "data" / "mid" / "a.csv")
    pd.testing.assert_frame_equal(pd.read_csv(workspace / "data" / "mid" / "c.csv"), expected)


def test_one_asset_is_materialized_alone_running_only_its_nodes(server: DagsterServer, workspace: Path) -> None:
    job = server.jobs()["a"]
    params = {
        "selector": {
            "repositoryLocationName": job["location"],
            "repositoryName": job["repository"],
            "pipelineName": "a",
            "assetSelection": [{"path": _key("mid/cities.parquet")}],
        },
        "runConfigData": {},
    }
    launched = server.graphql(MATERIALIZE, {"params": params})["launchPipelineExecution"]
    assert launched["__typename"] == "LaunchRunSuccess", launched
    run = server.wait_for_run(launched["run"]["runId"])
    assert run["status"] == "SUCCESS"
    assert {s["stepKey"] for s in run["stepStats"]} == {
        "a__flowchart.a__load",
        "a__flowchart.a__cities",
        "a__flowchart.a__save_cities",
    }
    assert (workspace / "data" / "mid" / "cities.parquet").exists() and not (
        workspace / "data" / "mid" / "a.csv"
    ).exists()


def test_a_user_error_reaches_the_ui_as_its_message_without_a_traceback(server: DagsterServer) -> None:
    run_id = server.launch("wrong")
    server.wait_for_run(run_id)
    events = server.graphql(FAILURE, {"id": run_id})["runOrError"]["eventConnection"]["events"]
    failure = next(e for e in events if e["__typename"] == "ExecutionStepFailureEvent")
    assert failure["stepKey"] == "wrong__flowchart.wrong__keep"
    assert failure["failureMetadata"]["description"].startswith("wrong › keep › condition: unknown column '价钱'")
    assert failure["error"]["cause"] is None  # no chained framework or module traceback
    assert "wrong › keep › condition: unknown column '价钱'" in failure["error"]["message"]
