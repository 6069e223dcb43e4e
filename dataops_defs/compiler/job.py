"""Compile a validated flowchart into a Dagster job."""

from __future__ import annotations

from collections import defaultdict

import dagster as dg

from dataops.errors import FlowchartError, Problem, Where
from dataops.settings import get_settings
from dataops.spec import ValidFlowchart
from dataops_defs.compiler.op import FLOWCHART_TAG, make_node_op, op_name


def default_run_config(flowchart: ValidFlowchart) -> dict:
    """The flowchart's params as run config: what the launchpad shows and a plain launch uses."""
    return {
        "ops": {
            op_name(flowchart.name, node): {"config": params.model_dump(mode="json", by_alias=True)}
            for node, params in flowchart.params.items()
        }
    }


def make_flowchart_job(flowchart: ValidFlowchart) -> dg.JobDefinition:
    """One op per node, dependencies from the edges, the params as default run config.

    Raises:
        FlowchartError: Dagster refused the job; validation should have caught it, but one
            flowchart must never take the code location (or `dataops run`) down with a traceback.
    """
    try:
        return _build(flowchart)
    except (dg.DagsterError, RecursionError) as exc:
        raise refused_by_dagster(flowchart, exc) from exc


def refused_by_dagster(flowchart: ValidFlowchart, exc: BaseException) -> FlowchartError:
    """Dagster's refusal of a flowchart's job, located at the flowchart."""
    if isinstance(exc, RecursionError):  # Dagster builds graphs recursively
        return FlowchartError(
            [Problem(Where(flowchart.name, None, "nodes", flowchart.file), "the graph is too deep for Dagster to build")]
        )
    detail = " ".join(str(exc).split())
    return FlowchartError(
        [Problem(Where(flowchart.name, None, None, flowchart.file), f"Dagster cannot build the job: {detail}")]
    )


def _build(flowchart: ValidFlowchart) -> dg.JobDefinition:
    ops = {node: make_node_op(flowchart, node) for node in flowchart.order}
    dependencies: dict[str, dict[str, dg.DependencyDefinition | dg.MultiDependencyDefinition]] = defaultdict(dict)
    for node in flowchart.order:
        by_port = defaultdict(list)
        for wire in flowchart.wires_into(node):
            by_port[wire.target_port].append(
                dg.DependencyDefinition(op_name(flowchart.name, wire.source), wire.source_port)
            )
        for port, deps in by_port.items():
            many = flowchart.modules[node].input(port).many  # type: ignore[union-attr]
            dependencies[op_name(flowchart.name, node)][port] = dg.MultiDependencyDefinition(deps) if many else deps[0]
    graph = dg.GraphDefinition(
        name=flowchart.name,
        node_defs=list(ops.values()),
        dependencies=dict(dependencies),
        description=_description(flowchart),
    )
    return graph.to_job(
        config=default_run_config(flowchart),
        executor_def=executor_for(flowchart.spec.executor),
        tags={FLOWCHART_TAG: flowchart.name},
        metadata={"file": flowchart.file or "", "nodes": len(ops)},
    )


def _description(flowchart: ValidFlowchart) -> str:
    """The flowchart's own description, then where to edit it (the UI renders the link)."""
    link = f"{get_settings().editor_url}/?flowchart={flowchart.name}"
    return f"{flowchart.spec.description or flowchart.name}\n\n[Open in the DataOps editor]({link})"


def executor_for(name: str) -> dg.ExecutorDefinition:
    """The executor a flowchart's `executor:` key names.

    `multiprocess` runs each node in its own process, independent branches in parallel; `celery`
    sends each node to the Celery workers listening on the configured broker and queue. Both hand
    data over through the IO manager's storage, which every process (every machine) must reach.
    """
    if name == "multiprocess":
        # Each node's process forks from a server that imported the code once, instead of a fresh
        # interpreter importing Dagster, pandas and the modules again (measured: 3x faster, docs/deploy.md).
        return dg.multiprocess_executor.configured({"start_method": {"forkserver": {}}}, name="multiprocess")
    if name == "celery":
        from dagster_celery import celery_executor  # only flowcharts on Celery pay for importing it

        settings = get_settings()
        return celery_executor.configured(
            {
                "broker": settings.celery_broker.get_secret_value(),
                "backend": settings.celery_backend.get_secret_value(),
                "config_source": {"task_default_queue": settings.celery_queue},
            },
            name="celery",
        )
    return dg.in_process_executor
