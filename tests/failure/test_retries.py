"""`retries: 2` on a node whose module fails twice, then works: the run succeeds, and its events
show each attempt."""

from __future__ import annotations

from pathlib import Path

import dagster as dg

from tests.failure.runs import run_id_of, step_events

FLAKY = '''
from pathlib import Path

from module_library import module

COUNTER = Path({counter!r})


@module(category="faults")
def flaky(data, params):
    """Fail on the first two calls (a network blip, say), work on the third."""
    attempt = int(COUNTER.read_text()) + 1 if COUNTER.exists() else 1
    COUNTER.write_text(str(attempt))
    if attempt <= 2:
        raise ConnectionError(f"attempt {{attempt}}: the service did not answer")
    return data.assign(attempt=attempt)
'''
FLOW = """
name: retried
nodes:
  - {id: load, module: read_csv, params: {path: sales.csv}}
  - {id: call, module: flaky, retries: 2}
  - {id: save, module: write_csv, params: {path: out/retried.csv}}
edges: [{from: load, to: call}, {from: call, to: save}]
"""


def test_a_node_that_fails_twice_succeeds_on_its_third_attempt(
    workspace: Path, plugin, flowchart, cli, tmp_path: Path
) -> None:
    counter = tmp_path / "attempts.txt"
    plugin("flaky", FLAKY.format(counter=str(counter)))
    flowchart("retried", FLOW)
    result = cli("run", "flowcharts/retried.yaml")
    assert result.returncode == 0, result.stderr
    assert counter.read_text() == "3"
    saved = (workspace / "data" / "out" / "retried.csv").read_text(encoding="utf-8").splitlines()
    assert saved[0].endswith(",attempt") and saved[1].endswith(",3")
    with dg.DagsterInstance.get() as instance:
        events = [
            kind
            for kind, step in step_events(instance, run_id_of(result))
            if step.rpartition(".")[2] == "retried__call"
        ]
    assert events.count("STEP_UP_FOR_RETRY") == 2
    assert events.count("STEP_RESTARTED") == 2
    assert events.count("STEP_SUCCESS") == 1 and "STEP_FAILURE" not in events


def test_a_user_error_is_not_retried(workspace: Path, flowchart, cli) -> None:
    """A bad param fails the same way each time: the node fails at once, retries or not."""
    flowchart(
        "retried",
        FLOW.replace("module: flaky, retries: 2", "module: filter_rows, retries: 2, params: {condition: 价钱 > 1}"),
    )
    result = cli("run", "flowcharts/retried.yaml")
    assert result.returncode == 1
    assert "retried › call › condition: unknown column '价钱'" in result.stderr
    with dg.DagsterInstance.get() as instance:
        events = [
            kind
            for kind, step in step_events(instance, run_id_of(result))
            if step.rpartition(".")[2] == "retried__call"
        ]
    assert "STEP_UP_FOR_RETRY" not in events and events.count("STEP_FAILURE") == 1
