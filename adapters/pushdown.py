"""Projection and predicate pushdown: which columns any downstream node can ever need, per edge,
and which filter a source may apply while it reads.

Walks the running job's graph from a node to the sinks. Each consumer's module says what it
needs of its inputs given what its own consumers need (`ModuleSpec.input_needs`); sinks and
undeclared modules need everything. The params come from the run's resolved config, so a
launchpad or `--set` edit changes the projection with it. `DATAOPS_PROJECTION=off` turns the
whole mechanism off (every node gets every column, every source every row): the baseline for
benchmarks and for the tests that prove outputs do not depend on it.
"""

from __future__ import annotations

from typing import Any

import dagster as dg

from adapters.predicates import RowFilter
from dataops.settings import get_settings
from module_library import ModuleSpec, Needs, Wanted
from module_library.needs import required
from module_library.registry import MODULES

MODULE_TAG = "dataops/module"
NODE_TAG = "dataops/node"


class ProjectionPlan:
    """Column needs for one run of one job, memoised per node."""

    def __init__(self, step_context: Any) -> None:
        self.job: dg.JobDefinition = step_context.job_def
        self.structure = self.job.graph.dependency_structure
        self.ops_config = step_context.resolved_run_config.ops
        self._outputs: dict[str, Needs] = {}
        self.enabled = get_settings().projection

    def module(self, op_name: str) -> ModuleSpec | None:
        return MODULES.get(self.job.graph.node_named(op_name).definition.tags.get(MODULE_TAG, ""))

    def params(self, op_name: str, spec: ModuleSpec) -> Any | None:
        config = self.ops_config.get(op_name)
        try:
            return spec.params.model_validate(config.config if config else {})
        except ValueError:
            return None  # the op reports its own invalid config; load everything meanwhile

    def input_needs(self, op_name: str, port: str) -> Needs:
        """What node `op_name` needs on input `port`."""
        spec = self.module(op_name) if self.enabled else None
        if spec is None or spec.kind == "sink":
            return None
        params = self.params(op_name, spec)
        if params is None:
            return None
        return spec.input_needs(params, self.output_needs(op_name)).get(port)

    def output_needs(self, op_name: str) -> Needs:
        """Union of what every consumer of any output of `op_name` needs (None: all)."""
        if op_name not in self._outputs:
            self._outputs[op_name] = None  # a guard; the graph is acyclic
            wanted: set[str] = set()
            must: set[str] = set()
            consumers = self.structure.output_to_downstream_inputs_for_node(op_name)
            inputs = [i for downstream in consumers.values() for i in downstream]
            for node_input in inputs:
                needs = self.input_needs(node_input.node_name, node_input.input_name)
                if needs is None:
                    break
                wanted |= needs
                must |= required(needs)
            else:
                self._outputs[op_name] = Wanted(wanted, must) if inputs else None
        return self._outputs[op_name]

    def row_filter(self, op_name: str) -> RowFilter | None:
        """The condition of the one node that reads `op_name`'s output, when that node keeps only
        rows where it holds (`filter_rows`); None when several nodes read the output, or any other."""
        if not self.enabled:
            return None
        consumers = [i for inputs in self.structure.output_to_downstream_inputs_for_node(op_name).values() for i in inputs]
        if len(consumers) != 1:
            return None
        consumer = consumers[0].node_name
        spec = self.module(consumer)
        if spec is None or spec.row_filter is None:
            return None
        params = self.params(consumer, spec)
        if params is None:
            return None
        node = self.job.graph.node_named(consumer).definition.tags.get(NODE_TAG, consumer)
        return RowFilter(spec.row_filter(params), node)

    def feeding_source(self, op_name: str) -> str | None:
        """The source op whose only reader is `op_name` (which may then have been filtered while read)."""
        upstream = [
            output.node_name
            for outputs in self.structure.input_to_upstream_outputs_for_node(op_name).values()
            for output in outputs
        ]
        if len(upstream) != 1:
            return None
        spec = self.module(upstream[0])
        return upstream[0] if spec is not None and spec.kind == "source" and self.row_filter(upstream[0]) else None

