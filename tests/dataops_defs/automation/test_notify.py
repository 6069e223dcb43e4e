"""Notifications: message text from real runs, delivery to a real local HTTP endpoint, retries."""

from __future__ import annotations

import logging
from pathlib import Path

import dagster as dg
import pytest

from dataops.errors import FlowchartError
from dataops.settings import get_settings
from dataops.spec import parse_flowchart
from dataops_defs.automation.notify import Message, compose, deliver, expand, mask
from dataops_defs.compiler import default_run_config, make_flowchart_job
from dataops_defs.resources import make_resources
from module_library.discovery import discover
from tests.support.receiver import receiver

discover()
FLOW = """
name: notified
nodes:
  - {id: load, module: read_csv, params: {path: sales.csv}}
  - {id: keep, module: filter_rows, params: {condition: "价格 > 100"}}
  - {id: save, module: write_csv, params: {path: out/notified.csv}}
edges: [{from: load, to: keep}, {from: keep, to: save}]
notify:
  - {url: "json://127.0.0.1:9/hook", on: [failure, success]}
"""


def run(flowchart, instance, **config):
    run_config = default_run_config(flowchart)
    for op, params in config.items():
        run_config["ops"][f"notified__{op}"]["config"].update(params)
    result = make_flowchart_job(flowchart).execute_in_process(
        run_config=run_config, instance=instance, resources=make_resources(get_settings()), raise_on_error=False
    )
    return instance.get_run_by_id(result.run_id)


def test_success_message_lists_outputs_with_row_counts(workspace: Path) -> None:
    flowchart = parse_flowchart(FLOW)
    with dg.DagsterInstance.get() as instance:
        message = compose(instance, run(flowchart, instance), flowchart, "success")
    assert message.title == "✓ notified succeeded" and message.kind == "success"
    lines = message.body.splitlines()
    assert lines[0] == "Flowchart: notified"
    assert lines[2].startswith("Link: http://127.0.0.1:3000/runs/")
    assert lines[3].startswith("Duration: ")
    out = workspace / "data" / "out" / "notified.csv"
    rows = len(out.read_text(encoding="utf-8").splitlines()) - 1
    assert lines[-1] == f"Output of save: csv file '{out}' ({rows} rows)"


def test_failure_message_names_node_module_and_error(workspace: Path) -> None:
    flowchart = parse_flowchart(FLOW)
    with dg.DagsterInstance.get() as instance:
        message = compose(instance, run(flowchart, instance, keep={"condition": "价钱 > 1"}), flowchart, "failure")
    assert message.title == "✗ notified failed" and message.kind == "failure"
    assert "Failed node: keep (filter_rows)" in message.body
    assert "Error: notified › keep › condition: unknown column '价钱'" in message.body


def test_delivery_to_a_real_endpoint_with_retries() -> None:
    with receiver() as inbox:
        inbox.fail_next = 2
        assert deliver([inbox.url], Message("title 标题", "body 内容", "success"), logging.getLogger("t"), pause=0.01)
        (message,) = inbox.wait_for(1)
    assert message["title"] == "title 标题" and message["message"] == "body 内容" and message["type"] == "success"


def test_undeliverable_is_logged_never_raised(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR):
        assert not deliver(
            ["json://127.0.0.1:9/hook"], Message("t", "b", "failure"), logging.getLogger("t"), pause=0.01
        )
    assert "notification to json://***@127.0.0.1:9/… failed after 3 attempts" in caplog.text


def test_env_references_are_expanded_and_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DINGTALK_TOKEN", "s3cret")
    assert expand("dingtalk://${DINGTALK_TOKEN}/") == "dingtalk://s3cret/"
    assert "s3cret" not in mask(expand("dingtalk://${DINGTALK_TOKEN}/"))


def test_bad_notify_urls_are_validation_errors() -> None:
    with pytest.raises(
        FlowchartError, match=r"notified › notify\[0\]\.url: not a notification URL Apprise understands"
    ):
        parse_flowchart(FLOW.replace("json://127.0.0.1:9/hook", "nonsense"))
    with pytest.raises(
        FlowchartError, match=r"notified › notify\[0\]\.on\[0\]: input should be 'failure' or 'success'"
    ):
        parse_flowchart(FLOW.replace("[failure, success]", "[always]"))
