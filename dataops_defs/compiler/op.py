"""One op per flowchart node: it validates its config, then calls the module or the adapter.

Every op outputs `pyarrow.Table`s; adapters that still read or write pandas (those without
`arrow_native`) are converted here, at their boundary.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd
import pyarrow as pa
from adapters.pushdown import MODULE_TAG, NODE_TAG, ProjectionPlan
from pydantic import BaseModel

from adapters.metadata import table_metadata
from adapters.predicates import to_arrow_filter
from adapters.registry import adapter_for
from dataops.deadline import time_limit
from dataops.errors import DataOpsError, FlowchartError, Where
from dataops.spec import ValidFlowchart, validate_params
from dataops_defs.compiler.config_schema import config_schema
from dataops_defs.resources import SETTINGS_KEY, RunSettings
from module_library import ModuleSpec, Port
from module_library.arrow_convert import arrow_to_pandas, frame_to_arrow

FLOWCHART_TAG = "dataops/flowchart"


def op_name(flowchart: str, node: str) -> str:
    """Op names are unique across the code location and never a Dagster reserved word."""
    return f"{flowchart}__{node}"


def make_node_op(flowchart: ValidFlowchart, node_id: str) -> dg.OpDefinition:
    """The op for one node; node params arrive as its config."""
    spec = flowchart.modules[node_id]
    node = flowchart.nodes[node_id]

    def compute(context, inputs: Mapping[str, Any]) -> Iterator[Any]:
        where = Where(flowchart.name, node_id)
        try:
            params = _params(flowchart.name, node_id, spec, context.op_config)
            # The work runs under the node's time limit; the outputs are handed over after it.
            settings: RunSettings = getattr(context.resources, SETTINGS_KEY)
            with time_limit(node.timeout or settings.step_timeout):
                root = settings.data_root_resolved
                events = list(_execute(context, spec, params, dict(inputs), where, flowchart.name, root))
        except DataOpsError as exc:
            exc.located(where)
            raise dg.Failure(
                description=str(exc), metadata={"node": node_id, "module": spec.name}, allow_retries=False
            ) from exc
        except MemoryError as exc:  # the process's limit, not a bug: say so, and let `retries` try again
            raise dg.Failure(
                description=f"{where}: the node ran out of memory; give the run more memory, or let fewer rows "
                "or columns reach this node (filter or select earlier)",
                metadata={"node": node_id, "module": spec.name},
            ) from exc
        yield from events
        _succeeded(context)

    return dg.OpDefinition(
        name=op_name(flowchart.name, node_id),
        ins={p.name: _in(p) for p in spec.inputs},
        outs={port: dg.Out(pa.Table) for port in spec.outputs},
        compute_fn=compute,
        config_schema=config_schema(spec.params),
        description=f"{node.label or node_id} — {spec.name}: {spec.description}",
        tags={MODULE_TAG: spec.name, NODE_TAG: node_id, FLOWCHART_TAG: flowchart.name},
        retry_policy=dg.RetryPolicy(max_retries=node.retries, delay=1) if node.retries else None,
        required_resource_keys={"io_manager", SETTINGS_KEY},
    )


def _succeeded(context: Any) -> None:
    """Tell the IO manager this node is done with its inputs: held outputs nobody else needs are dropped."""
    manager = context.resources.io_manager
    if hasattr(manager, "step_succeeded"):
        manager.step_succeeded(context.node_handle.name)


def _in(port: Port) -> dg.In:
    """Fan-in ports take a list; an optional port defaults to None when no edge feeds it."""
    if port.optional:
        return dg.In(dg.Any, default_value=None)
    return dg.In(dg.List[dg.Any] if port.many else dg.Any)


def _params(flowchart: str, node: str, spec: ModuleSpec, config: Any) -> BaseModel:
    params, problems = validate_params(flowchart, node, spec.name, spec.params, config or {})
    if problems:
        raise FlowchartError(problems)
    assert params is not None
    return params


def _execute(
    context: Any, spec: ModuleSpec, params: Any, inputs: dict[str, Any], where: Where, flowchart: str, root: Path
) -> Iterator[Any]:
    if spec.kind == "source":
        adapter = adapter_for(spec.format, _path_of(params), where=where)
        plan = ProjectionPlan(context.get_step_execution_context())
        needs = plan.output_needs(context.op.name)  # a set, or a `Wanted` whose optional columns are taken where present
        rows = plan.row_filter(context.op.name)
        table = _as_table(adapter.read(params, root=root, columns=needs, where=where, rows=rows))
        metadata = {}
        if rows is not None and rows.applied:
            read = f"{table.num_rows:,} of {rows.total:,} rows" if rows.total is not None else f"{table.num_rows:,} rows"
            metadata["filter pushed down"] = dg.MetadataValue.md(
                f"{read} read: node `{rows.node}` applied `{rows.applied}` while this file was scanned"
            )
        yield dg.Output(table, "result", metadata=metadata)
    elif spec.kind == "sink":
        table = _as_table(inputs["data"])
        adapter = adapter_for(spec.format, _path_of(params), where=where)
        given = table if getattr(adapter, "arrow_native", False) else arrow_to_pandas(table)
        target = adapter.write(given, params, root=root, where=where)
        yield dg.AssetMaterialization(
            asset_key=dg.AssetKey(["dataops", flowchart, where.node or spec.name]),
            description=f"{spec.name} wrote {target}",
            metadata={"target": dg.MetadataValue.text(target), **table_metadata(table)},
        )
    else:
        frames, extra = spec.run_with_metadata(inputs, params)
        metadata = {label: dg.MetadataValue.md(text) for label, text in extra.items()}
        pushed = _pushed_down(context, spec, params, inputs)
        if pushed:
            metadata["filter pushed down"] = dg.MetadataValue.md(pushed)
        for port, frame in frames.items():
            yield dg.Output(frame, port, metadata=metadata)


def _pushed_down(context: Any, spec: ModuleSpec, params: Any, inputs: dict[str, Any]) -> str:
    """What of this filter's condition its source applied while scanning (the same translation)."""
    if spec.row_filter is None or not isinstance(inputs.get("data"), pa.Table):
        return ""
    source = ProjectionPlan(context.get_step_execution_context()).feeding_source(context.op.name)
    if source is None:
        return ""
    pushed = to_arrow_filter(spec.row_filter(params), inputs["data"].schema)
    if pushed is None:
        return ""
    node = source.removeprefix(f"{context.op.tags.get(FLOWCHART_TAG, '')}__")
    return f"`{pushed.text}` was applied while `{node}` was read; the whole condition was then applied here"


def _as_table(data: pa.Table | pd.DataFrame) -> pa.Table:
    """What an adapter read, as the Arrow table every op hands on."""
    return frame_to_arrow(data) if isinstance(data, pd.DataFrame) else data


def _path_of(params: Any) -> Path | None:
    """The file path of a source/sink whose format follows the extension (e.g. read_file)."""
    path = getattr(params, "path", None)
    return Path(path) if path else None
