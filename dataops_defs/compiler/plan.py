"""Projection and predicate pushdown, planned from the validated flowchart.

Which columns any downstream node can ever need, per edge, and which filter a source may apply
while it reads. Each consumer's module says what it needs of its inputs given what its own
consumers need (`ModuleSpec.input_needs`); sinks and undeclared modules need everything. The
params are the run's (the launchpad's or `--set` edits included), validated once per run; nodes
a subset run leaves out are no consumers. `DATAOPS_PROJECTION=off` turns the mechanism off
(every node gets every column, every source every row): the baseline for benchmarks and for the
tests that prove outputs do not depend on it.
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from typing import Any

from pydantic import BaseModel

from adapters.predicates import RowFilter
from dataops.errors import FlowchartError
from dataops.settings import get_settings
from dataops.spec import ValidFlowchart, validate_params
from module_library import Needs, Wanted
from module_library.needs import required

_RUNS_KEPT = 8  # plans of recent runs per flowchart (a process runs one, a test several)


class FlowchartPlan:
    """A flowchart's pushdown planner: one `RunPlan` per run, built on its first step's call."""

    def __init__(self, flowchart: ValidFlowchart, op_names: dict[str, str]) -> None:
        self.flowchart = flowchart
        self.op_names = op_names  # node id -> op name
        self._runs: OrderedDict[str, RunPlan] = OrderedDict()

    def for_step(self, step_context: Any) -> RunPlan:
        """The plan of the step's run: its nodes and their params, as the run resolved them."""
        run_id = step_context.run_id
        plan = self._runs.get(run_id)
        if plan is None:
            plan = self._runs[run_id] = RunPlan(self.flowchart, *self._run_params(step_context))
            while len(self._runs) > _RUNS_KEPT:
                self._runs.popitem(last=False)
        return plan

    def _run_params(self, step_context: Any) -> tuple[dict[str, BaseModel], dict[str, FlowchartError]]:
        """Each node of this run with its params (run config over the flowchart's; checked here once),
        and why the params of some are invalid (each such node fails with it; the others plan without it)."""
        parent = step_context.node_handle.parent
        prefix = f"{parent}." if parent is not None else ""
        ops = step_context.resolved_run_config.ops
        params: dict[str, BaseModel] = {}
        invalid: dict[str, FlowchartError] = {}
        for node, name in self.op_names.items():
            config = ops.get(prefix + name)
            if config is None:
                continue  # not in this run (a subset)
            spec = self.flowchart.modules[node]
            model, problems = validate_params(self.flowchart.name, node, spec.name, spec.params, config.config or {})
            if problems:
                invalid[node] = FlowchartError(problems)
            else:
                assert model is not None
                params[node] = model
        return params, invalid


class RunPlan:
    """Column needs and row filters for one run, memoised per node."""

    def __init__(
        self, flowchart: ValidFlowchart, params: dict[str, BaseModel], invalid: dict[str, FlowchartError]
    ) -> None:
        self.flowchart = flowchart
        self.params = params
        self.invalid = invalid
        self.enabled = get_settings().projection
        self.readers: dict[str, list[tuple[str, str]]] = defaultdict(list)  # node -> (consumer, port)
        self.feeders: dict[str, list[str]] = defaultdict(list)  # node -> nodes feeding it
        for wire in flowchart.wires:
            if {wire.source, wire.target} <= params.keys() | invalid.keys():
                self.readers[wire.source].append((wire.target, wire.target_port))
                self.feeders[wire.target].append(wire.source)
        self._outputs: dict[str, Needs] = {}

    def params_of(self, node: str) -> BaseModel:
        """The node's params in this run.

        Raises:
            FlowchartError: the run gave the node invalid params (an edited launchpad config).
        """
        if node in self.invalid:
            raise self.invalid[node]
        return self.params[node]

    def input_needs(self, node: str, port: str) -> Needs:
        """What `node` needs on input `port` (everything, when its params are invalid: it fails anyway)."""
        spec = self.flowchart.modules[node]
        if not self.enabled or spec.kind == "sink" or node not in self.params:
            return None
        return spec.input_needs(self.params[node], self.output_needs(node)).get(port)

    def output_needs(self, node: str) -> Needs:
        """Union of what every consumer of any output of `node` needs (None: all)."""
        if node not in self._outputs:
            self._outputs[node] = None  # a guard; the graph is acyclic
            wanted: set[str] = set()
            must: set[str] = set()
            readers = self.readers[node]
            for consumer, port in readers:
                needs = self.input_needs(consumer, port)
                if needs is None:
                    break
                wanted |= needs
                must |= required(needs)
            else:
                self._outputs[node] = Wanted(wanted, must) if readers else None
        return self._outputs[node]

    def row_filter(self, node: str) -> RowFilter | None:
        """The condition of the one node that reads `node`'s output, when that node keeps only rows
        where it holds (`filter_rows`); None when several nodes read the output, or any other."""
        readers = self.readers[node]
        if not self.enabled or len(readers) != 1:
            return None
        consumer = readers[0][0]
        spec = self.flowchart.modules[consumer]
        if spec.row_filter is None or consumer not in self.params:
            return None
        return RowFilter(spec.row_filter(self.params[consumer]), consumer)

    def feeding_source(self, node: str) -> str | None:
        """The source node whose only reader is `node` (which may then have been filtered while read)."""
        feeders = self.feeders[node]
        if len(feeders) != 1:
            return None
        source = feeders[0]
        if self.flowchart.modules[source].kind == "source" and self.row_filter(source):
            return source
        return None
