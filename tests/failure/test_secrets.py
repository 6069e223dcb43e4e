"""A secret planted in the environment, used through `${VAR}` by database URLs and a notification
URL, appears nowhere the run leaves text: CLI output, event log, run config, job snapshot, the
Dagster home and the intermediates, nor the notification sent about the failure."""

from __future__ import annotations

import json
import logging
import uuid
from pathlib import Path

import dagster as dg
import pytest
from dagster._serdes import serialize_value
from sqlalchemy.engine import make_url

from dataops.flowcharts import load_flowchart
from dataops.settings import get_settings
from dataops_defs.automation.notify import make_notify_sensors
from dataops_defs.compiler import make_flowchart_job
from module_library.discovery import discover
from tests.failure.runs import run_id_of
from tests.support.dagster_server import free_port
from tests.support.receiver import receiver

SECRET = f"pl4nted-{uuid.uuid4().hex}"
REFERENCE = "${DATAOPS_SECRET_TEST}"
FAILING = """
name: secretive
nodes:
  - {{id: load, module: read_csv, params: {{path: sales.csv}}}}
  - {{id: save, module: write_csv, params: {{path: out/sales_copy.csv}}}}
  - id: offline
    module: read_sql
    params:
      url: "postgresql+psycopg2://reader:${{DATAOPS_SECRET_TEST}}@127.0.0.1:{closed}/sales?password=${{DATAOPS_SECRET_TEST}}"
      query: SELECT 1
  - id: fake_password
    module: read_sql
    params: {{url: "sqlite://reader:${{DATAOPS_SECRET_TEST}}@/warehouse.sqlite", table: targets}}
edges: [{{from: load, to: save}}]
notify:
  - {{url: "json://reader:${{DATAOPS_SECRET_TEST}}@127.0.0.1:{port}/hook", on: [failure]}}
"""
WORKING = """
name: secretive
nodes:
  - {{id: query, module: read_sql, params: {{url: "{url}", query: "SELECT 42 AS answer"}}}}
  - {{id: save, module: write_csv, params: {{path: out/answer.csv}}}}
edges: [{{from: query, to: save}}]
"""


def leaks(instance: dg.DagsterInstance, run_id: str, workspace: Path) -> list[str]:
    """Where the secret shows: what the instance keeps about the run, and any file the run wrote."""
    run = instance.get_run_by_id(run_id)
    texts = {
        "event log": "\n".join(serialize_value(entry) for entry in instance.all_logs(run_id)),
        "run config": json.dumps(run.run_config, ensure_ascii=False),
        "run tags": json.dumps(run.tags, ensure_ascii=False),
        "job snapshot": serialize_value(instance.get_job_snapshot(run.job_snapshot_id)),
    }
    # The reference is stored, never its value: params are the ops' config defaults (job snapshot),
    # the run config holds only what a run changes.
    assert REFERENCE in texts["job snapshot"]
    found = [where for where, text in texts.items() if SECRET in text]
    for folder in ("dagster_home", "storage", "data"):
        found += [str(p) for p in (workspace / folder).rglob("*") if p.is_file() and SECRET.encode() in p.read_bytes()]
    return found


def test_a_planted_secret_is_masked_in_failures_and_notifications(
    workspace: Path, flowchart, cli, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    with receiver() as hook:
        port = hook.server.server_address[1]
        file = flowchart("secretive", FAILING.format(closed=free_port(), port=port))
        result = cli("run", "flowcharts/secretive.yaml", DATAOPS_SECRET_TEST=SECRET)
        assert result.returncode == 1, result.stderr
        assert "cannot connect to postgresql+psycopg2://reader:***@127.0.0.1" in result.stderr
        assert "/sales?password=***" in result.stderr
        assert "Invalid SQLite URL: sqlite://reader:***@" in result.stderr
        assert SECRET not in result.stdout + result.stderr

        monkeypatch.setenv("DATAOPS_SECRET_TEST", SECRET)
        discover(get_settings().plugins)
        valid = load_flowchart(file)
        job = make_flowchart_job(valid)
        _, on_failure = make_notify_sensors([valid], {job.name: job})
        run_id = run_id_of(result)
        with dg.DagsterInstance.get() as instance, caplog.at_level(logging.DEBUG):
            failed = instance.get_records_for_run(run_id, of_type=dg.DagsterEventType.RUN_FAILURE).records
            context = dg.build_run_status_sensor_context(
                sensor_name=on_failure.name,
                dagster_event=failed[0].event_log_entry.dagster_event,
                dagster_instance=instance,
                dagster_run=instance.get_run_by_id(run_id),
            ).for_run_failure()
            on_failure(context)  # delivered with the secret as the basic-auth password
            found = leaks(instance, run_id, workspace)
        messages = hook.wait_for(1)

    assert len(messages) == 1 and "Failed node: offline (read_sql)" in messages[0]["message"]
    found += [f"notification {m}" for m in messages if SECRET in json.dumps(m, ensure_ascii=False)]
    found += ["logs"] if SECRET in caplog.text else []
    assert found == []


def test_a_working_database_password_is_not_stored(workspace: Path, flowchart, cli, postgres_url: str) -> None:
    """PostgreSQL with trust authentication takes any password: the secret is really sent."""
    server = make_url(postgres_url)
    url = f"{server.drivername}://{server.username}:{REFERENCE}@{server.host}:{server.port}/{server.database}"
    flowchart("secretive", WORKING.format(url=url))
    result = cli("run", "flowcharts/secretive.yaml", DATAOPS_SECRET_TEST=SECRET)
    assert result.returncode == 0, result.stderr
    assert (workspace / "data" / "out" / "answer.csv").read_text(encoding="utf-8").splitlines() == ["answer", "42"]
    assert SECRET not in result.stdout + result.stderr
    with dg.DagsterInstance.get() as instance:
        assert leaks(instance, run_id_of(result), workspace) == []
