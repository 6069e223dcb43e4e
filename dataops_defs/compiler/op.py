"""One op per flowchart node: it takes its params from the run, then calls the module or the adapter.

Every op outputs `pyarrow.Table`s; adapters that still read or write pandas (those without
`arrow_native`) are converted here, at their boundary. Each op selects of its inputs only the
columns it and the nodes after it read (`plan.py`); the IO manager hands over whole tables,
memory-mapped or in memory, so the columns left out are never touched. A sink's one output,
`written`, carries nothing: it is the asset the sink writes, with the write's metadata.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import dagster as dg
import pyarrow as pa

from adapters.metadata import table_metadata
from adapters.predicates import to_arrow_filter
from adapters.projection import projection
from adapters.registry import adapter_for
from dataops.deadline import time_limit
from dataops.errors import DataOpsError, Where
from dataops.spec import ValidFlowchart
from dataops_defs.compiler.config_schema import config_schema
from dataops_defs.compiler.plan import FlowchartPlan, RunPlan
from dataops_defs.resources import SETTINGS_KEY, RunSettings
from module_library import ModuleSpec, Port
from module_library.arrow_convert import arrow_to_pandas, frame_to_arrow, is_frame

if TYPE_CHECKING:
    import pandas as pd

FLOWCHART_TAG = "dataops/flowchart"
MODULE_TAG = "dataops/module"
NODE_TAG = "dataops/node"
UPSTREAM = "upstream"  # a source's input that carries nothing: the asset it reads, for lineage
WRITTEN = "written"  # a sink's output that carries nothing: the asset it writes


def op_name(flowchart: str, node: str) -> str:
    """Op names are unique across the code location and never a Dagster reserved word."""
    return f"{flowchart}__{node}"


def make_node_op(flowchart: ValidFlowchart, node_id: str, plan: FlowchartPlan) -> dg.OpDefinition:
    """The op for one node; its params are its config, the flowchart's the defaults."""
    spec = flowchart.modules[node_id]
    node = flowchart.nodes[node_id]

    def compute(context, inputs: Mapping[str, Any]) -> Iterator[Any]:
        where = Where(flowchart.name, node_id)
        try:
            run = plan.for_step(context.get_step_execution_context())
            # The work runs under the node's time limit; the outputs are handed over after it.
            settings: RunSettings = getattr(context.resources, SETTINGS_KEY)
            with time_limit(node.timeout or settings.step_timeout):
                events = list(_execute(run, node_id, spec, dict(inputs), where, settings.data_root_resolved))
        except DataOpsError as exc:
            # The user's mistake, told as it is: no traceback of ours or Dagster's behind it.
            exc.located(where)
            raise dg.Failure(
                description=str(exc), metadata={"node": node_id, "module": spec.name}, allow_retries=False
            ) from None
        except MemoryError:  # the process's limit, not a bug: say so, and let `retries` try again
            raise dg.Failure(
                description=f"{where}: the node ran out of memory; give the run more memory, or let fewer rows "
                "or columns reach this node (filter or select earlier)",
                metadata={"node": node_id, "module": spec.name},
            ) from None
        # A subset (one asset of several) runs only the outputs it needs; the others are not handed on.
        selected = context.selected_output_names
        yield from (e for e in events if not isinstance(e, dg.Output) or e.output_name in selected)
        _succeeded(context)

    ins = {p.name: _in(p) for p in spec.inputs}
    # Not required: an output no selected asset needs is not selected, and then not handed on.
    outs = {port: dg.Out(pa.Table, is_required=False) for port in spec.outputs}
    if spec.kind == "source":
        ins[UPSTREAM] = dg.In(dg.Nothing)
    if spec.kind == "sink":
        outs[WRITTEN] = dg.Out(dg.Nothing)
    return dg.OpDefinition(
        name=op_name(flowchart.name, node_id),
        ins=ins,
        outs=outs,
        compute_fn=compute,
        config_schema=config_schema(spec.params, flowchart.params[node_id].model_dump(mode="json", by_alias=True)),
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


def _execute(
    run: RunPlan, node: str, spec: ModuleSpec, inputs: dict[str, Any], where: Where, root: Path
) -> Iterator[Any]:
    params = run.params_of(node)
    metadata: dict[str, Any] = {}
    if spec.kind == "source":
        adapter = adapter_for(spec.format, _path_of(params), where=where)
        needs = run.output_needs(node)  # a set, or a `Wanted` whose optional columns are taken where present
        rows = run.row_filter(node)
        table = _as_table(adapter.read(params, root=root, columns=needs, where=where, rows=rows))  # type: ignore[arg-type]
        if rows is not None and rows.applied:
            read = (
                f"{table.num_rows:,} of {rows.total:,} rows" if rows.total is not None else f"{table.num_rows:,} rows"
            )
            metadata["filter pushed down"] = dg.MetadataValue.md(
                f"{read} read: node `{rows.node}` applied `{rows.applied}` while this file was scanned"
            )
        yield dg.Output(table, "result", metadata=metadata)
    elif spec.kind == "sink":
        table = _as_table(inputs["data"])
        adapter = adapter_for(spec.format, _path_of(params), where=where)
        given = table if getattr(adapter, "arrow_native", False) else arrow_to_pandas(table)
        target = adapter.write(given, params, root=root, where=where)
        yield dg.Output(None, WRITTEN, metadata={"target": dg.MetadataValue.text(target), **table_metadata(table)})
    else:
        for port, value in list(inputs.items()):
            inputs[port], loaded = _projected(value, run.input_needs(node, port))
            if loaded:
                metadata["columns loaded" if len(spec.inputs) == 1 else f"columns loaded ({port})"] = loaded
        frames, extra = spec.run_with_metadata(inputs, params)
        metadata.update({label: dg.MetadataValue.md(text) for label, text in extra.items()})
        pushed = _pushed_down(run, node, spec, params, inputs)
        if pushed:
            metadata["filter pushed down"] = dg.MetadataValue.md(pushed)
        for port, frame in frames.items():
            yield dg.Output(frame, port, metadata=metadata)


def _projected(value: Any, needs: Any) -> tuple[Any, str]:
    """An input (a table, a fan-in list of them, or None) cut to the columns needed, and what was loaded."""
    if needs is None or value is None:
        return value, ""
    if isinstance(value, list):
        cut = [_projected(item, needs) for item in value]
        return [item for item, _ in cut], "; ".join(text for _, text in cut if text)
    if not isinstance(value, pa.Table):
        return value, ""
    available = value.schema.names
    columns = projection(available, needs)
    if columns is None or len(columns) == len(available):
        return value, ""
    return value.select(columns), f"{len(columns)} of {len(available)}: {', '.join(columns)}"


def _pushed_down(run: RunPlan, node: str, spec: ModuleSpec, params: Any, inputs: dict[str, Any]) -> str:
    """What of this filter's condition its source applied while scanning (the same translation)."""
    if spec.row_filter is None or not isinstance(inputs.get("data"), pa.Table):
        return ""
    source = run.feeding_source(node)
    if source is None:
        return ""
    pushed = to_arrow_filter(spec.row_filter(params), inputs["data"].schema)
    if pushed is None:
        return ""
    return f"`{pushed.text}` was applied while `{source}` was read; the whole condition was then applied here"


def _as_table(data: pa.Table | pd.DataFrame) -> pa.Table:
    """What an adapter read, as the Arrow table every op hands on."""
    return frame_to_arrow(data) if is_frame(data) else data


def _path_of(params: Any) -> Path | None:
    """The file path of a source/sink whose format follows the extension (e.g. read_file)."""
    path = getattr(params, "path", None)
    return Path(path) if path else None
