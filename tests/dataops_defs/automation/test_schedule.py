"""Schedules from `triggers.schedule`: cron, timezone, default status, validation first."""

from __future__ import annotations

import dagster as dg
import pytest

from dataops.errors import FlowchartError
from dataops.spec import parse_flowchart
from dataops_defs.automation import make_schedule
from dataops_defs.compiler import make_flowchart_job
from module_library.discovery import discover

discover()
FLOW = "name: daily\nnodes:\n  - {id: load, module: read_csv, params: {path: sales.csv}}\n"


def test_schedule_with_timezone_runs_by_default() -> None:
    flowchart = parse_flowchart(FLOW + "triggers: {schedule: {cron: '0 6 * * *', timezone: Asia/Shanghai}}\n")
    schedule = make_schedule(flowchart, make_flowchart_job(flowchart))
    assert schedule.name == "daily__schedule"
    assert schedule.cron_schedule == "0 6 * * *" and schedule.execution_timezone == "Asia/Shanghai"
    assert schedule.default_status == dg.DefaultScheduleStatus.RUNNING
    context = dg.build_schedule_context(scheduled_execution_time=None)
    request = schedule.evaluate_tick(context).run_requests[0]
    assert request.run_config == {}  # the job's default config: the flowchart's params


def test_shorthand_cron_and_disabled() -> None:
    flowchart = parse_flowchart(FLOW + "enabled: false\ntriggers: {schedule: '@daily'}\n")
    schedule = make_schedule(flowchart, make_flowchart_job(flowchart))
    assert schedule.cron_schedule == "@daily" and schedule.execution_timezone == "UTC"
    assert schedule.default_status == dg.DefaultScheduleStatus.STOPPED


@pytest.mark.parametrize(
    ("triggers", "message"),
    [
        ("{schedule: '0 25 * * *'}", "daily › triggers.schedule.cron: '0 25 * * *' is not a valid cron expression"),
        (
            "{schedule: {cron: '@daily', timezone: Mars/Base}}",
            "daily › triggers.schedule.timezone: unknown timezone 'Mars/Base'",
        ),
        (
            "{watch: {pattern: '../outside/*.csv', node: load}}",
            "daily › triggers.watch.pattern: '../outside/*.csv' must be a pattern relative to the data root",
        ),
        (
            "{watch: {pattern: '/etc/*.csv', node: load}}",
            "triggers.watch.pattern: '/etc/*.csv' must be a pattern relative",
        ),
        (
            "{watch: {pattern: 'in/*.csv', node: lod}}",
            "daily › triggers.watch.node: no node 'lod'; did you mean 'load'?",
        ),
    ],
)
def test_bad_triggers_are_validation_errors(triggers: str, message: str) -> None:
    with pytest.raises(
        FlowchartError,
        match=message.replace("(", r"\(")
        .replace(")", r"\)")
        .replace("*", r"\*")
        .replace(".", r"\.")
        .replace("?", r"\?"),
    ):
        parse_flowchart(FLOW + f"triggers: {triggers}\n")


def test_watch_node_must_be_a_file_source() -> None:
    text = (
        FLOW
        + "  - {id: keep, module: filter_rows, params: {condition: 'x > 1'}}\nedges: [{from: load, to: keep}]\ntriggers: {watch: {pattern: 'in/*.csv', node: keep}}\n"
    )
    with pytest.raises(
        FlowchartError,
        match=r"daily › keep › triggers.watch.node: 'keep' \(filter_rows\) is not a file source node; a watch binds files to one \(sources: load\)",
    ):
        parse_flowchart(text)
