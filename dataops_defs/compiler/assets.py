"""A flowchart as a graph-backed multi-asset: each sink's file or table an asset, the nodes ops inside.

The asset job of the flowchart's name runs it whole (`dataops run`, launches, schedules, watches);
materializing some of its assets runs only the nodes they need (`can_subset`). A source reading
an asset of the code location depends on it (lineage); one reading anything else reads an
external asset, declared once by `external_asset`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import dagster as dg

from dataops.settings import get_settings
from dataops.spec import ValidFlowchart
from dataops_defs.compiler.graph import input_name, make_flowchart_graph, output_name, unread_nodes, view_name
from dataops_defs.compiler.keys import Target, target_of
from dataops_defs.compiler.op import FLOWCHART_TAG

# `triggers.after_upstream`: once per update of any asset the flowchart reads, when none of them
# is being written and the flowchart is not running already. Unlike `eager()` it neither runs
# a never-written output at once nor waits for inputs nothing has written (external files).
AFTER_UPSTREAM = (
    dg.AutomationCondition.any_deps_updated().since_last_handled()
    & ~dg.AutomationCondition.any_deps_in_progress()
    & ~dg.AutomationCondition.in_progress()
).with_label("after_upstream")


@dataclass(frozen=True)
class Targets:
    """What a flowchart reads (source node -> target) and writes (sink node -> target)."""

    reads: dict[str, Target]
    writes: dict[str, Target]


def targets_of(flowchart: ValidFlowchart, root: str) -> Targets:
    """The files and tables the flowchart's sources read and its sinks write."""
    reads: dict[str, Target] = {}
    writes: dict[str, Target] = {}
    for node in flowchart.order:
        target = target_of(flowchart, node, root)
        if target is not None:
            (writes if flowchart.modules[node].kind == "sink" else reads)[node] = target
    return Targets(reads, writes)


def make_flowchart_assets(
    flowchart: ValidFlowchart, writes: Mapping[str, Target], reads: Mapping[str, dg.AssetKey]
) -> dg.AssetsDefinition:
    """The multi-asset: one asset per sink, depending on the assets `reads` maps source nodes to."""
    graph = make_flowchart_graph(flowchart, reading=reads.keys())
    condition = AFTER_UPSTREAM if flowchart.spec.triggers and flowchart.spec.triggers.after_upstream else None
    out = output_name
    views = unread_nodes(flowchart)
    return dg.AssetsDefinition.from_graph(
        graph,
        keys_by_input_name={input_name(node): key for node, key in reads.items()},
        keys_by_output_name={
            **{out(node): target.key for node, target in writes.items()},
            **{view_name(node): view_key(flowchart, node) for node in views},
        },
        group_name=flowchart.name,
        descriptions_by_output_name={
            **{
                out(node): f"{target.description}, written by node {node} of {flowchart.name}"
                for node, target in writes.items()
            },
            **{
                view_name(node): f"the output of node {node} of {flowchart.name}, which no node reads (not stored)"
                for node in views
            },
        },
        tags_by_output_name={
            **{out(node): {f"dagster/kind/{kind}": "" for kind in target.kinds} for node, target in writes.items()},
            **{view_name(node): {"dagster/kind/arrow": ""} for node in views},
        },
        metadata_by_output_name={
            name(node): {"flowchart": flowchart.name, "node": node, "file": flowchart.file or ""}
            for name, nodes in ((out, list(writes)), (view_name, views))
            for node in nodes
        },
        automation_conditions_by_output_name={out(node): condition for node in writes} if condition else None,
        can_subset=True,
    )


def view_key(flowchart: ValidFlowchart, node: str) -> dg.AssetKey:
    """The asset of a node nothing reads: `["view", <flowchart>, <node>]`."""
    return dg.AssetKey(["view", flowchart.name, node])


def make_asset_job(
    flowchart: ValidFlowchart, assets: dg.AssetsDefinition, executor: dg.ExecutorDefinition, description: str
) -> dg.UnresolvedAssetJobDefinition:
    """The flowchart's job: all its assets, under the flowchart's name."""
    return dg.define_asset_job(
        flowchart.name,
        selection=dg.AssetSelection.assets(assets),
        description=description,
        tags={FLOWCHART_TAG: flowchart.name},
        metadata={"file": flowchart.file or "", "nodes": len(flowchart.order)},
        executor_def=executor,
    )


def external_asset(target: Target) -> dg.AssetSpec:
    """A file or table no flowchart writes, as the Catalog shows it."""
    return dg.AssetSpec(
        target.key, description=f"{target.description} (read, written by no flowchart)", kinds=set(target.kinds)
    )


def make_after_upstream_sensor(assets: list[dg.AssetsDefinition]) -> dg.AutomationConditionSensorDefinition:
    """The sensor evaluating `after_upstream` (declarative automation), running from the start."""
    return dg.AutomationConditionSensorDefinition(
        "dataops_after_upstream",
        target=dg.AssetSelection.assets(*assets),
        default_status=dg.DefaultSensorStatus.RUNNING,
        minimum_interval_seconds=get_settings().sensor_interval,
        description="Runs flowcharts with triggers.after_upstream once per update of an asset they read.",
    )
