"""A validated flowchart as a Dagster graph: one op per node, dependencies from the edges."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

import dagster as dg

from dataops.spec import ValidFlowchart
from dataops_defs.compiler.op import UPSTREAM, WRITTEN, make_node_op, op_name
from dataops_defs.compiler.plan import FlowchartPlan


def graph_name(flowchart: str) -> str:
    """The flowchart's graph: not the job's name, which Dagster gives the job's own graph."""
    return f"{flowchart}__flowchart"


def input_name(node: str) -> str:
    """A source's graph input (node ids may be words Dagster reserves, e.g. `input`)."""
    return f"{node}__{UPSTREAM}"


def output_name(node: str) -> str:
    """A sink's graph output."""
    return f"{node}__{WRITTEN}"


def view_name(node: str) -> str:
    """The graph output of a node whose output nothing in the flowchart reads."""
    return f"{node}__view"


def unread_nodes(flowchart: ValidFlowchart) -> list[str]:
    """Nodes (sinks aside) none of whose outputs another node reads."""
    read = {wire.source for wire in flowchart.wires}
    return [
        n
        for n in flowchart.order
        if n not in read and flowchart.modules[n].kind != "sink" and flowchart.modules[n].outputs
    ]


def make_flowchart_graph(flowchart: ValidFlowchart, *, reading: Collection[str] = ()) -> dg.GraphDefinition:
    """The graph of the flowchart's ops; each sink's `written` is a graph output.

    Args:
        reading: Source nodes whose data is an asset of the code location: each gets a graph
            input (carrying nothing) which the asset maps to the key it reads.
    """
    op_names = {node: op_name(flowchart.name, node) for node in flowchart.order}
    plan = FlowchartPlan(flowchart, op_names)
    ops = [make_node_op(flowchart, node, plan) for node in flowchart.order]
    dependencies: dict[str, dict[str, dg.DependencyDefinition | dg.MultiDependencyDefinition]] = defaultdict(dict)
    for node in flowchart.order:
        by_port = defaultdict(list)
        for wire in flowchart.wires_into(node):
            by_port[wire.target_port].append(dg.DependencyDefinition(op_names[wire.source], wire.source_port))
        for port, deps in by_port.items():
            many = flowchart.modules[node].input(port).many  # type: ignore[union-attr]
            dependencies[op_names[node]][port] = dg.MultiDependencyDefinition(deps) if many else deps[0]
    sinks = [node for node in flowchart.order if flowchart.modules[node].kind == "sink"]
    # Every op of a graph-backed asset must lead to an output: a node nothing reads (a `describe`
    # to look at, a branch left open) is a graph output of its own, so the flowchart runs whole,
    # as drawn, and its failure stops no other branch's writes.
    views = unread_nodes(flowchart)
    return dg.GraphDefinition(
        name=graph_name(flowchart.name),
        node_defs=ops,
        dependencies=dict(dependencies),
        input_mappings=[
            dg.InputMapping(
                graph_input_name=input_name(node), mapped_node_name=op_names[node], mapped_node_input_name=UPSTREAM
            )
            for node in flowchart.order
            if node in reading
        ],
        output_mappings=[
            dg.OutputMapping(
                graph_output_name=output_name(node), mapped_node_name=op_names[node], mapped_node_output_name=WRITTEN
            )
            for node in sinks
        ]
        + [
            dg.OutputMapping(
                graph_output_name=view_name(node),
                mapped_node_name=op_names[node],
                mapped_node_output_name=flowchart.modules[node].outputs[0],
            )
            for node in views
        ],
        description=flowchart.spec.description or flowchart.name,
    )
