"""Reloading Dagster: the one reload (editor saves, the dev watcher, `dataops reload`) against a real `dagster dev`."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from dataops.editor.dagster_client import DagsterClient, JobHandle
from dataops.editor.http import ApiError
from dataops.errors import DataOpsError
from dataops.hotplug import graphql, reload_dagster, reload_locations, start_watcher
from tests.support.dagster_server import PROJECT, dagster_dev, free_port

NEW = "name: hot_new\nnodes:\n  - {id: load, module: read_csv, params: {path: sales.csv}}\n"


def test_an_unreachable_dagster_is_reported_not_raised() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    outcome = reload_dagster(url)
    assert outcome.ok is False and outcome.location is None
    assert outcome.message.startswith(f"cannot reach the Dagster UI at {url}: ")
    with pytest.raises(DataOpsError, match=f"^cannot reach the Dagster UI at {url}: "):
        reload_locations(url)


def test_reload_watch_and_launch_against_a_running_dagster(workspace: Path) -> None:
    shutil.copy(PROJECT / "flowcharts" / "sales_by_city.yaml", workspace / "flowcharts")
    env = {k: v for k, v in os.environ.items() if k.startswith(("DATAOPS_", "DAGSTER_HOME"))}
    with dagster_dev(env, workspace / "dagster.log") as server:
        server.wait_for_jobs({"sales_by_city"})

        outcome = reload_dagster(server.url)
        assert outcome.ok, outcome
        assert outcome.message == "code location reloaded" and outcome.location

        with pytest.raises(DataOpsError, match=r"^Dagster GraphQL error: Cannot query field 'nope'"):
            graphql(server.url, "query { nope }")

        # The watcher reloads after a flowchart appears: its job is listed without any other reload.
        _, stop = start_watcher([workspace / "flowcharts"], server.url)
        try:
            time.sleep(1)  # the watcher is watching
            (workspace / "flowcharts" / "hot_new.yaml").write_text(NEW, encoding="utf-8")
            server.wait_for_jobs({"hot_new"}, timeout=30)
        finally:
            stop.set()

        # The editor launches through DagsterGraphQLClient.submit_job_execution.
        client = DagsterClient(server.url)
        handle = client.find_job("sales_by_city")
        assert handle is not None
        assert server.wait_for_run(client.launch(handle))["status"] == "SUCCESS"
        with pytest.raises(ApiError, match=r"^Dagster did not launch 'nope': .*nope"):
            client.launch(JobHandle(handle.location, handle.repository, "nope"))
