"""A Dagster run (as GraphQL returns it) seen per flowchart node: state, error, output previews."""

from __future__ import annotations

import re
from typing import Any

from dataops.editor.models import Column, NodePreview, NodeState, NodeStatus, OutputPreview, RunStatus

FINISHED = frozenset({"SUCCESS", "FAILURE", "CANCELED"})
_STEP_STATES: dict[str, NodeState] = {
    "IN_PROGRESS": "running",
    "SUCCESS": "succeeded",
    "FAILURE": "failed",
    "SKIPPED": "skipped",
}
_CELL_SPLIT = re.compile(r"(?<!\\)\|")


def run_status(run: dict[str, Any], url: str) -> RunStatus:
    """Every step of the run as its node's state; steps not started are queued (or not run, when over)."""
    flowchart = run["jobName"]
    finished = run["status"] in FINISHED
    states = {s["stepKey"]: _STEP_STATES.get(s["status"], "running") for s in run.get("stepStats") or []}
    plan = [s["key"] for s in (run.get("executionPlan") or {}).get("steps") or []]
    errors = _failures(run)
    counts, columns = _outputs(run)
    nodes = {}
    for step in dict.fromkeys([*plan, *states]):
        state = states.get(step) or ("not_run" if finished else "queued")
        nodes[_node(flowchart, step)] = NodeStatus(
            state=state, error=errors.get(step), row_count=counts.get(step), columns=columns.get(step, {})
        )
    return RunStatus(
        run_id=run["runId"],
        flowchart=flowchart,
        status=run["status"],
        finished=finished,
        url=url,
        error=_run_failure(run),
        nodes=nodes,
    )


def node_preview(run: dict[str, Any], node: str, url: str) -> NodePreview | None:
    """The outputs one node produced in the run (a sink shows what it wrote), or None for an unknown node."""
    status = run_status(run, url).nodes.get(node)
    if status is None:
        return None
    outputs = [
        _output(event.get("outputName") or "written", event["metadataEntries"])
        for event in _events(run)
        if _node(run["jobName"], event.get("stepKey") or "") == node
        and event["__typename"] in ("HandledOutputEvent", "MaterializationEvent")
    ]
    return NodePreview(run_id=run["runId"], node=node, state=status.state, error=status.error, outputs=outputs)


def node_step(run: dict[str, Any], node: str) -> str | None:
    """The step key of `node` in the run (the folder its kept outputs are in), or None."""
    steps = [s["key"] for s in (run.get("executionPlan") or {}).get("steps") or []]
    steps += [s["stepKey"] for s in run.get("stepStats") or []]
    return next((step for step in steps if _node(run["jobName"], step) == node), None)


def handed_ports(run: dict[str, Any], node: str) -> list[str]:
    """The outputs `node` handed out as tables in the run (a sink's write is not one), in order."""
    ports = [
        event.get("outputName") or ""
        for event in _events(run)
        if event["__typename"] == "HandledOutputEvent" and _node(run["jobName"], event.get("stepKey") or "") == node
    ]
    return list(dict.fromkeys(p for p in ports if p))


def parse_markdown_table(text: str) -> tuple[list[str], list[list[str]], str | None]:
    """Header, rows and trailing note of the `preview` Markdown that adapters.metadata writes."""
    lines = [line for line in text.splitlines() if line.strip()]
    table = [line for line in lines if line.startswith("|")]
    notes = [line.strip().strip("_") for line in lines if not line.startswith("|")]
    cells = [[_unescape(c.strip()) for c in _CELL_SPLIT.split(line.strip())[1:-1]] for line in table]
    header = cells[0] if cells else []
    return header, cells[2:], "; ".join(notes) or None


def _output(port: str, entries: list[dict[str, Any]]) -> OutputPreview:
    by_label = {e["label"]: e for e in entries}
    rows_entry = by_label.get("dagster/row_count", {})
    schema = (by_label.get("dagster/column_schema") or {}).get("schema") or {}
    header, rows, note = parse_markdown_table((by_label.get("preview") or {}).get("mdStr") or "")
    return OutputPreview(
        port=port,
        row_count=rows_entry.get("intValue"),
        columns=[Column(name=c["name"], type=c["type"]) for c in schema.get("columns", [])],
        header=header,
        rows=rows,
        note=note,
    )


def _events(run: dict[str, Any]) -> list[dict[str, Any]]:
    return (run.get("eventConnection") or {}).get("events") or []


def _failures(run: dict[str, Any]) -> dict[str, str]:
    found = {}
    for event in _events(run):
        if event["__typename"] == "ExecutionStepFailureEvent":
            description = (event.get("failureMetadata") or {}).get("description")
            found[event["stepKey"]] = description or (event.get("error") or {}).get("message") or "failed"
    return found


def _outputs(run: dict[str, Any]) -> tuple[dict[str, int], dict[str, dict[str, list[str]]]]:
    """Per step: the row count of its first output, and the column names of each output."""
    counts: dict[str, int] = {}
    columns: dict[str, dict[str, list[str]]] = {}
    for event in _events(run):
        step = event.get("stepKey")
        if event["__typename"] not in ("HandledOutputEvent", "MaterializationEvent") or not step:
            continue
        for entry in event.get("metadataEntries") or []:
            if entry["label"] == "dagster/row_count" and entry.get("intValue") is not None:
                counts.setdefault(step, entry["intValue"])
            if entry["label"] == "dagster/column_schema" and entry.get("schema"):
                port = event.get("outputName") or "written"
                columns.setdefault(step, {})[port] = [c["name"] for c in entry["schema"]["columns"]]
    return counts, columns


def _run_failure(run: dict[str, Any]) -> str | None:
    for event in _events(run):
        if event["__typename"] == "RunFailureEvent":
            error = (event.get("error") or {}).get("message")
            return error.strip() if error else event.get("message")
    return None


def _node(flowchart: str, step: str) -> str:
    """The node of a step: steps are `<flowchart>.<flowchart>__<node>` (the op inside the flowchart's graph)."""
    return step.rpartition(".")[2].removeprefix(f"{flowchart}__")


def _unescape(cell: str) -> str:
    return cell.replace("\\|", "|")
