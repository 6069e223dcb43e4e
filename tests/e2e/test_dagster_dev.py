"""End to end through a real `dagster dev`: the examples are jobs, launches succeed, errors are readable."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pandas as pd
import pytest

from tests.support.dagster_server import PROJECT, dagster_dev

EXAMPLES = ("sales_by_city.yaml", "orders_with_customers.json")


@pytest.fixture
def server(workspace: Path):
    for name in EXAMPLES:
        shutil.copy(PROJECT / "flowcharts" / name, workspace / "flowcharts" / name)
    (workspace / "flowcharts" / "broken.yaml").write_text("name: broken_one\nnodes:\n  - {id: a, module: nope}\n")
    env = {k: os.environ[k] for k in os.environ if k.startswith(("DATAOPS_", "DAGSTER_HOME"))}
    with dagster_dev(env, workspace / "dagster.log") as running:
        yield running


def test_examples_are_jobs_and_a_launch_succeeds(server, workspace: Path) -> None:
    jobs = server.wait_for_jobs({"sales_by_city", "orders_with_customers", "broken_one"})
    assert jobs["sales_by_city"]["description"].startswith("按城市汇总销售额")
    assert "unknown module 'nope'" in jobs["broken_one"]["description"]

    run = server.wait_for_run(server.launch("sales_by_city"))
    assert run["status"] == "SUCCESS"
    assert {s["stepKey"] for s in run["stepStats"]} == {
        f"sales_by_city__flowchart.sales_by_city__{n}" for n in ("load", "valid", "revenue", "by_city", "rank", "save")
    }
    counts = {
        e["stepKey"]: next(m["intValue"] for m in e["metadataEntries"] if m["label"] == "dagster/row_count")
        for e in run["eventConnection"]["events"]
        if e["__typename"] == "HandledOutputEvent"
    }
    assert counts["sales_by_city__flowchart.sales_by_city__load"] == 240
    assert counts["sales_by_city__flowchart.sales_by_city__by_city"] == 6
    assert len(pd.read_csv(workspace / "data" / "out" / "sales_by_city.csv")) == 6


def test_a_run_uses_the_flowchart_version_it_was_launched_with(server, workspace: Path) -> None:
    server.wait_for_jobs({"sales_by_city"})
    # The file changes on disk (broken, even) after the code location loaded: the run still
    # executes the pinned version from the code location's reconstruction metadata.
    (workspace / "flowcharts" / "sales_by_city.yaml").write_text("name: sales_by_city\nnodes: [oops\n")
    run = server.wait_for_run(server.launch("sales_by_city"))
    assert run["status"] == "SUCCESS"


def test_failures_name_the_node(server) -> None:
    server.wait_for_jobs({"orders_with_customers", "broken_one"})
    config = {
        "ops": {
            "orders_with_customers__flowchart": {
                "ops": {"orders_with_customers__big": {"config": {"condition": "价钱 > 100"}}}
            }
        }
    }
    run = server.wait_for_run(server.launch("orders_with_customers", config))
    assert run["status"] == "FAILURE"
    failure = next(e for e in run["eventConnection"]["events"] if e["__typename"] == "ExecutionStepFailureEvent")
    assert failure["stepKey"] == "orders_with_customers__flowchart.orders_with_customers__big"
    assert failure["failureMetadata"]["description"].startswith(
        "orders_with_customers › big › condition: unknown column '价钱'"
    )

    broken = server.wait_for_run(server.launch("broken_one"))
    assert broken["status"] == "FAILURE"
    failure = next(e for e in broken["eventConnection"]["events"] if e["__typename"] == "ExecutionStepFailureEvent")
    assert "unknown module 'nope'" in failure["failureMetadata"]["description"]
