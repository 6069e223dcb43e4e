"""Compile a validated flowchart into a Dagster job."""

from __future__ import annotations

from collections import defaultdict

import dagster as dg

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
    """One op per node, dependencies from the edges, the params as default run config."""
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
        description=flowchart.spec.description,
    )
    return graph.to_job(
        config=default_run_config(flowchart),
        executor_def=dg.in_process_executor,
        tags={FLOWCHART_TAG: flowchart.name},
        metadata={"file": flowchart.file or "", "nodes": len(ops)},
    )
