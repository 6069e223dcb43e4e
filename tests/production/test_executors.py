"""The `executor:` key (`executor_for` in dataops_defs/compiler/job.py): in_process, multiprocess and
Celery give the same output for a branching flowchart; Celery steps run on two real workers."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import dagster as dg
import pandas as pd
import pytest

from bench.executors import branch_data, branches_flowchart
from dataops.settings import get_settings
from dataops.spec import parse_flowchart
from dataops_defs.compiler import make_flowchart_job
from dataops_defs.compiler.job import executor_for
from module_library.discovery import discover
from tests.production.support import celery_workers, deploy_home, instance_at
from tests.support.dagster_server import PROJECT

discover()
ROWS = 1_000_000


def test_executor_for_each_name(monkeypatch: pytest.MonkeyPatch) -> None:
    assert executor_for("in_process") is dg.in_process_executor
    assert executor_for("multiprocess").name == "multiprocess"  # forkserver configured; the test below runs it
    monkeypatch.setenv("DATAOPS_CELERY_BROKER", "redis://127.0.0.1:6379/0")
    get_settings.cache_clear()
    try:
        celery = executor_for("celery")
    finally:
        get_settings.cache_clear()
    assert celery.name == "celery"
    assert celery.config_schema.as_field().is_required is False  # configured: nothing to fill in the launchpad


def test_the_flowchart_key_picks_the_executor() -> None:
    text = branches_flowchart("multiprocess", "big.csv", "out/b.csv")
    assert make_flowchart_job(parse_flowchart(text)).executor_def.name == "multiprocess"
    assert make_flowchart_job(parse_flowchart(text.replace("multiprocess", "in_process"))).executor_def is (
        dg.in_process_executor
    )


def test_branches_give_the_same_output_on_every_executor(
    workspace: Path, instance_db: str, broker: str, tmp_path: Path
) -> None:
    source = branch_data(workspace / "data" / "branches.csv", ROWS)
    queue = f"test_{uuid.uuid4().hex[:8]}"
    env = {
        **{k: v for k, v in os.environ.items() if k.startswith("DATAOPS_")},
        "DAGSTER_HOME": str(deploy_home(tmp_path / "home")),
        "DATAOPS_POSTGRES_URL": instance_db,
        "DATAOPS_STORAGE_ROOT": (tmp_path / "shared").as_uri(),  # an fsspec URL every worker reaches
        "DATAOPS_CELERY_BROKER": broker,
        "DATAOPS_CELERY_BACKEND": "rpc://",
        "DATAOPS_CELERY_QUEUE": queue,
    }
    seconds, run_ids = {}, {}
    with celery_workers(2, env, queue, tmp_path / "logs") as workers:
        for executor in ("in_process", "multiprocess", "celery"):
            flowchart = workspace / "flowcharts" / f"{executor}.yaml"
            flowchart.write_text(branches_flowchart(executor, source.name, f"out/{executor}.csv"), encoding="utf-8")
            started = time.perf_counter()
            result = subprocess.run(
                [sys.executable, "-m", "dataops.cli.main", "run", str(flowchart)],
                cwd=workspace,
                env={**os.environ, **env, "PYTHONPATH": str(PROJECT)},
                capture_output=True,
                text=True,
                timeout=300,
            )
            seconds[executor] = time.perf_counter() - started
            assert result.returncode == 0, f"{executor}:\n{result.stdout}\n{result.stderr}"
            lines = result.stdout.splitlines()
            run_ids[executor] = lines[0].split()[3]
            assert sorted(line.split()[1] for line in lines[1:-1]) == sorted(
                [f"read_{i}" for i in range(4)] + [f"agg_{i}" for i in range(4)] + ["all", "save"]
            ), result.stdout  # progress lines for every node, whichever process ran it
    expected = pd.read_csv(workspace / "data" / "out" / "in_process.csv")
    assert len(expected) == 80
    for executor in ("multiprocess", "celery"):
        # DuckDB aggregates floats on several threads: std may differ in the last bits between runs.
        got = pd.read_csv(workspace / "data" / "out" / f"{executor}.csv")
        pd.testing.assert_frame_equal(got, expected, check_exact=False, rtol=1e-12, obj=executor)
    with instance_at(env["DAGSTER_HOME"], instance_db) as instance:
        hosts = {
            entry.dagster_event.engine_event_data.metadata["Celery worker"].value
            for entry in instance.all_logs(run_ids["celery"], of_type=dg.DagsterEventType.ENGINE_EVENT)
            if "in celery worker" in entry.message
        }
    assert {host.split("@")[0] for host in hosts} == set(workers)  # both workers took steps
    assert (tmp_path / "shared" / run_ids["celery"]).is_dir()  # intermediates under the file:// root
    print("wall seconds:", {k: round(v, 1) for k, v in seconds.items()})
