"""Compile a validated flowchart into its Dagster job (and multi-asset), and address its steps and config."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import dagster as dg

from dataops.errors import FlowchartError, Problem, Where
from dataops.settings import get_settings
from dataops.spec import ValidFlowchart
from dataops_defs.compiler.assets import external_asset, make_asset_job, make_flowchart_assets, targets_of
from dataops_defs.compiler.graph import graph_name, make_flowchart_graph
from dataops_defs.compiler.keys import Target
from dataops_defs.compiler.op import FLOWCHART_TAG, op_name
from dataops_defs.resources import make_resources


def run_config(flowchart: ValidFlowchart, params: Mapping[str, Mapping[str, Any]]) -> dict[str, Any]:
    """Run config giving these nodes these params; every other node runs the flowchart's (its config defaults)."""
    ops = {op_name(flowchart.name, node): {"config": dict(values)} for node, values in params.items()}
    return {"ops": {graph_name(flowchart.name): {"ops": ops}}}


def node_of(flowchart: str, step_key: str) -> str:
    """The node a step of the flowchart's job runs (steps are `<flowchart>__flowchart.<flowchart>__<node>`)."""
    return step_key.rpartition(".")[2].removeprefix(f"{flowchart}__")


def make_flowchart_job(flowchart: ValidFlowchart, resources: Mapping[str, Any] | None = None) -> dg.JobDefinition:
    """The flowchart's job on its own (`dataops run`, tests): what it reads is external; the
    resources are `make_resources(get_settings())` unless given.

    Raises:
        FlowchartError: Dagster refused the job; validation should have caught it, but one
            flowchart must never take the code location (or `dataops run`) down with a traceback.
    """
    try:
        targets = targets_of(flowchart, str(get_settings().data_root_resolved))
        written = {t.key for t in targets.writes.values()}
        reads = {node: t for node, t in targets.reads.items() if t.key not in written}
        assets, job = make_flowchart_defs(flowchart, targets.writes, {n: t.key for n, t in reads.items()})
        externals = {t.key: external_asset(t) for t in reads.values()}
        defs = dg.Definitions(
            assets=[*([assets] if assets else []), *externals.values()],
            jobs=[job],
            resources=make_resources(get_settings()) if resources is None else resources,
        )
        return defs.resolve_job_def(flowchart.name)
    except (dg.DagsterError, RecursionError) as exc:
        raise refused_by_dagster(flowchart, exc) from exc


def make_flowchart_defs(
    flowchart: ValidFlowchart, writes: Mapping[str, Target], reads: Mapping[str, dg.AssetKey]
) -> tuple[dg.AssetsDefinition | None, dg.JobDefinition | dg.UnresolvedAssetJobDefinition]:
    """The flowchart's multi-asset and its asset job; a flowchart writing nothing has no asset, only a job.

    Both nest the nodes' ops in the flowchart's graph, so steps and run config have one shape.
    """
    description = _description(flowchart)
    executor = executor_for(flowchart.spec.executor)
    if writes:
        assets = make_flowchart_assets(flowchart, writes, reads)
        return assets, make_asset_job(flowchart, assets, executor, description)
    outer = dg.GraphDefinition(
        name=flowchart.name, node_defs=[make_flowchart_graph(flowchart)], description=description
    )
    job = outer.to_job(
        executor_def=executor,
        tags={FLOWCHART_TAG: flowchart.name},
        metadata={"file": flowchart.file or "", "nodes": len(flowchart.order)},
    )
    return None, job


def refused_by_dagster(flowchart: ValidFlowchart, exc: BaseException) -> FlowchartError:
    """Dagster's refusal of a flowchart's job, located at the flowchart."""
    if isinstance(exc, RecursionError):  # Dagster builds graphs recursively
        return FlowchartError(
            [
                Problem(
                    Where(flowchart.name, None, "nodes", flowchart.file), "the graph is too deep for Dagster to build"
                )
            ]
        )
    detail = " ".join(str(exc).split())
    return FlowchartError(
        [Problem(Where(flowchart.name, None, None, flowchart.file), f"Dagster cannot build the job: {detail}")]
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
