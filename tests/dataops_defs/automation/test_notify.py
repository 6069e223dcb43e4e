"""Notifications: message text from real runs, delivery to a real local HTTP endpoint, retries."""

from __future__ import annotations

import logging
import time
import uuid
from pathlib import Path

import dagster as dg
import pytest

from dataops.errors import DataOpsError, FlowchartError
from dataops.settings import get_settings
from dataops.spec import parse_flowchart
from dataops_defs.automation.notify import Message, compose, deliver, expand, mask
from dataops_defs.compiler import make_flowchart_job, run_config
from dataops_defs.resources import make_resources
from module_library.discovery import discover
from tests.support.receiver import receiver

discover()
LOG = logging.getLogger("t")
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
    result = make_flowchart_job(flowchart).execute_in_process(
        run_config=run_config(flowchart, config), instance=instance, resources=make_resources(get_settings()), raise_on_error=False
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
        sent = deliver({"n › notify[0].url": inbox.url}, Message("title 标题", "body 内容", "success"), LOG, pause=0.01)
        assert sent
        (message,) = inbox.wait_for(1)
    assert message["title"] == "title 标题" and message["message"] == "body 内容" and message["type"] == "success"


def test_undeliverable_is_logged_never_raised(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.ERROR):
        assert not deliver({"n › notify[0].url": "json://127.0.0.1:9/hook"}, Message("t", "b", "failure"), LOG, pause=0.01)
    assert "notification to json://***@127.0.0.1:9/… failed after 3 attempts" in caplog.text


def test_env_references_are_expanded_and_masked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAOPS_SECRET_DINGTALK_TOKEN", "s3cret")
    assert expand("dingtalk://${DATAOPS_SECRET_DINGTALK_TOKEN}/") == "dingtalk://s3cret/"
    assert "s3cret" not in mask(expand("dingtalk://${DATAOPS_SECRET_DINGTALK_TOKEN}/"))
    monkeypatch.setenv("DINGTALK_TOKEN", "s3cret")
    with pytest.raises(DataOpsError, match=r"\$\{DINGTALK_TOKEN\} is not an allowed variable; .*DATAOPS_ALLOWED_ENV"):
        expand("dingtalk://${DINGTALK_TOKEN}/")


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch):
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def test_the_daemons_database_url_cannot_be_sent_anywhere(
    settings_env: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """The issue's leak: json://127.0.0.1:PORT/x?:leak=${DATAOPS_POSTGRES_URL} delivered the URL."""
    database = f"postgresql://dagster:{uuid.uuid4().hex}@db.internal/dagster"
    settings_env.setenv("DATAOPS_POSTGRES_URL", database)
    with receiver() as inbox, caplog.at_level(logging.INFO):
        leak = inbox.url + "?:leak=${DATAOPS_POSTGRES_URL}"
        with pytest.raises(FlowchartError, match=r"notified › notify\[0\]\.url: \$\{DATAOPS_POSTGRES_URL\} is not an "):
            parse_flowchart(FLOW.replace("json://127.0.0.1:9/hook", leak))
        # a URL that skipped validation is refused when sending
        assert not deliver({"notified › notify[0].url": leak}, Message("t", "b", "failure"), LOG, pause=0.01)
        time.sleep(0.5)
        assert inbox.messages == []
    assert (
        "notified › notify[0].url: not sent: ${DATAOPS_POSTGRES_URL} is not an allowed variable; DATAOPS_* "
        "variables configure the instance and are never expanded" in caplog.text
    )
    assert database not in caplog.text


def test_an_allowed_secret_is_masked_in_the_message(
    settings_env: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    secret = f"s3cret-{uuid.uuid4().hex}"
    settings_env.setenv("DATAOPS_SECRET_API_TOKEN", secret)
    with receiver() as inbox, caplog.at_level(logging.DEBUG):
        url = inbox.url + "?:token=${DATAOPS_SECRET_API_TOKEN}"  # sent as a field to the receiver, as asked
        message = Message(f"failed {secret}", f"Error: cannot connect with {secret}", "failure")
        assert deliver({"n › notify[0].url": url}, message, LOG, pause=0.01)
        (received,) = inbox.wait_for(1)
    assert received["title"] == "failed ***" and received["message"] == "Error: cannot connect with ***"
    assert received["token"] == secret
    assert "JSON Payload:" in caplog.text and secret not in caplog.text  # Apprise's own debug log too


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("json://169.254.169.254/latest/meta-data", r"host '169.254.169.254' is a link-local or cloud metadata"),
        ("json://[fe80::1]:8080/x", r"host 'fe80::1' is a link-local or cloud metadata address"),
        ("jsons://metadata.google.internal/x", r"host 'metadata.google.internal' is a cloud metadata service"),
        ("xml://2852039166/x", r"host '2852039166' resolves to 169.254.169.254"),
        ("mailto://user:pw@example.com?smtp=169.254.169.254", r"host '169.254.169.254' is a link-local"),
        ("syslog://", r"syslog:// acts on the server itself and is not allowed"),
    ],
)
def test_notifications_may_not_reach_metadata_or_local_services(url: str, message: str) -> None:
    with pytest.raises(FlowchartError, match=rf"notified › notify\[0\]\.url: {message}"):
        parse_flowchart(FLOW.replace("json://127.0.0.1:9/hook", url))


def test_a_host_from_the_environment_is_checked_when_sending(
    settings_env: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    settings_env.setenv("DATAOPS_SECRET_HOOK_HOST", "169.254.169.254")
    url = "json://${DATAOPS_SECRET_HOOK_HOST}/hook"
    assert parse_flowchart(FLOW.replace("json://127.0.0.1:9/hook", url))  # literal parts pass
    with caplog.at_level(logging.ERROR):
        assert not deliver({"notified › notify[0].url": url}, Message("t", "b", "failure"), LOG, pause=0.01)
    assert "notified › notify[0].url: not sent: host '***' is a link-local or cloud metadata address" in caplog.text
    assert "169.254.169.254" not in caplog.text


def test_the_operator_can_narrow_notification_hosts_and_schemes(settings_env: pytest.MonkeyPatch) -> None:
    settings_env.setenv("DATAOPS_OUTBOUND_HOSTS", "hooks.example.com")
    with pytest.raises(FlowchartError, match=r"host '127.0.0.1' is not in DATAOPS_OUTBOUND_HOSTS \(hooks.example.com\)"):
        parse_flowchart(FLOW)
    settings_env.setenv("DATAOPS_OUTBOUND_HOSTS", "127.0.0.1")
    settings_env.setenv("DATAOPS_OUTBOUND_SCHEMES", "jsons,mailtos")
    get_settings.cache_clear()
    with pytest.raises(FlowchartError, match=r"json:// is not in DATAOPS_OUTBOUND_SCHEMES \(jsons, mailtos\)"):
        parse_flowchart(FLOW)


def test_bad_notify_urls_are_validation_errors() -> None:
    with pytest.raises(
        FlowchartError, match=r"notified › notify\[0\]\.url: not a notification URL Apprise understands"
    ):
        parse_flowchart(FLOW.replace("json://127.0.0.1:9/hook", "nonsense"))
    with pytest.raises(
        FlowchartError, match=r"notified › notify\[0\]\.on\[0\]: input should be 'failure' or 'success'"
    ):
        parse_flowchart(FLOW.replace("[failure, success]", "[always]"))
