"""Per-node progress lines for `dataops run`, from the run's Dagster events."""

from __future__ import annotations

from typing import Any

import click

from dataops.spec import ValidFlowchart

INTERRUPTED = ("DagsterExecutionInterruptedError", "KeyboardInterrupt")


class Progress:
    """Prints one line per finished node: rows and columns out, or the failure."""

    def __init__(self, flowchart: ValidFlowchart) -> None:
        self.flowchart = flowchart
        self.prefix = f"{flowchart.name}__"
        self.started: dict[str, float] = {}
        self.shape: dict[str, str] = {}
        self.failures: list[str] = []
        self.width = max(len(n) for n in flowchart.nodes)

    def on_event(self, entry: Any) -> None:
        event = entry.dagster_event
        if event is None or not event.step_key:
            return
        node = event.step_key.rpartition(".")[2].removeprefix(self.prefix)  # `<flowchart>.<flowchart>__<node>`
        kind = event.event_type_value
        if kind == "STEP_START":
            self.started[node] = entry.timestamp
        elif kind in ("HANDLED_OUTPUT", "ASSET_MATERIALIZATION"):
            self.shape.setdefault(node, _shape(event))
        elif kind == "STEP_SUCCESS":
            self._line("✓", node, self.shape.get(node, ""), entry.timestamp)
        elif kind == "STEP_FAILURE":
            message = _failure_message(event)
            self._line("✗", node, "failed", entry.timestamp)
            module = self.flowchart.modules[node].name if node in self.flowchart.modules else "?"
            self.failures.append(f"  failing node: {node} ({module})\n  {message}")

    def _line(self, mark: str, node: str, detail: str, at: float) -> None:
        seconds = at - self.started.get(node, at)
        module = self.flowchart.modules[node].name if node in self.flowchart.modules else ""
        click.echo(f"  {mark} {node:<{self.width}}  {module:<16} {detail:<28} {seconds:6.2f} s")


def _shape(event: Any) -> str:
    data = event.event_specific_data
    metadata = getattr(data, "metadata", None)
    if metadata is None and hasattr(data, "materialization"):
        metadata = data.materialization.metadata
    metadata = metadata or {}
    rows = metadata.get("dagster/row_count")
    schema = metadata.get("dagster/column_schema")
    if rows is None:
        return ""
    columns = len(schema.schema.columns) if schema is not None else 0
    return f"{rows.value:,} rows × {columns} cols"


def _failure_message(event: Any) -> str:
    data = event.event_specific_data
    user = getattr(data, "user_failure_data", None)
    if user is not None and user.description:
        return user.description
    error = data.error
    if error.cls_name in INTERRUPTED:
        return "interrupted (Ctrl-C, or the run was stopped) before the node finished"
    while error.cause is not None and "DagsterExecutionStepExecutionError" in error.cls_name:
        error = error.cause
    return error.to_string()
