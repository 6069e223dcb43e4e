"""Every flowchart compiles on its own; name clashes make the later file broken."""

from __future__ import annotations

import dataclasses
import json
import os

import dagster as dg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dataops.errors import FlowchartError
from dataops.settings import get_settings
from dataops.spec import parse_flowchart
from dataops_defs.compiler import assets_of, compile_all, make_flowchart_job
from dataops_defs.compiler.broken import BROKEN_TAG
from dataops_defs.resources import make_resources
from dataops_defs.snapshot import FlowchartSource
from module_library.discovery import discover
from module_library.registry import get_module

discover()


def _resources() -> dict[str, object]:
    """The resources the code location binds (the ops need the run settings)."""
    return make_resources(get_settings())


GOOD = "name: {name}\nnodes:\n  - {{id: a, module: read_csv, params: {{path: x.csv}}}}\n"
DUP = """
name: dup
nodes:
  - {id: load, module: read_csv, params: {path: sales.csv}}
  - {id: u, module: union}
edges:
  - {from: load, to: u}
  - {from: load, to: u}
"""


def test_duplicate_names_break_the_second_file_only() -> None:
    results = compile_all(
        [FlowchartSource("a.yaml", GOOD.format(name="same")), FlowchartSource("b.yaml", GOOD.format(name="same"))]
    )
    assert [r.job.name for r in results] == ["same", "same__invalid_2"]
    assert results[0].error is None
    assert (
        str(results[1].error)
        == "b.yaml: same › name: the name 'same' is used by a.yaml already; job names must be unique"
    )


def test_unparseable_file_is_named_after_the_file() -> None:
    (result,) = compile_all([FlowchartSource("flowcharts/9 weird-name.yaml", "nodes: [")])
    assert result.job.name == "f_9_weird_name"
    assert "invalid YAML" in result.job.description


def test_a_duplicate_edge_makes_a_broken_job_and_the_location_still_loads() -> None:
    results = compile_all([FlowchartSource("good.yaml", GOOD.format(name="good")), FlowchartSource("dup.yaml", DUP)])
    assert [r.error is None for r in results] == [True, False]
    assert str(results[1].error) == (
        "dup.yaml: dup › u › edges[1]: duplicate edge load.result → u.data (edges[0] is the same); remove one"
    )
    definitions = dg.Definitions(assets=assets_of(results), jobs=[r.job for r in results], resources=_resources())
    jobs = {job.name: job for job in definitions.resolve_all_job_defs()}
    assert jobs["dup"].tags[BROKEN_TAG] == "true" and "good" in jobs


def test_op_names_meeting_across_flowcharts_break_the_later_file_only() -> None:
    """`a` with node `b__c` and `a__b` with node `c` both make the op `a__b__c`: Dagster refused the location."""
    first = "name: a\nnodes:\n  - {id: b__c, module: read_csv, params: {path: x.csv}}\n"
    second = "name: a__b\nnodes:\n  - {id: c, module: read_csv, params: {path: x.csv}}\n"
    third = "name: a__b__c\nnodes:\n  - {id: d, module: read_csv, params: {path: x.csv}}\n"
    results = compile_all([FlowchartSource(f"{n}.yaml", t) for n, t in [("1", first), ("2", second), ("3", third)]])
    assert [str(r.error) for r in results] == [
        "None",
        "2.yaml: a__b › c › id: Dagster names this op 'a__b__c', which is already the op of node 'b__c' of "
        "flowchart 'a' (1.yaml); op names (<flowchart>__<node>) must be unique across flowcharts: rename the node",
        "3.yaml: a__b__c › name: Dagster names this job 'a__b__c', which is already the op of node 'b__c' of "
        "flowchart 'a' (1.yaml); op names (<flowchart>__<node>) must be unique across flowcharts: rename the flowchart",
    ]
    jobs = dg.Definitions(
        assets=assets_of(results), jobs=[r.job for r in results], resources=_resources()
    ).resolve_all_job_defs()
    assert sorted(job.name for job in jobs if job.name != "__ASSET_JOB") == ["a", "a__b", "a__b__c__invalid_2"]


def test_a_broken_job_avoids_names_taken_by_valid_ones() -> None:
    """The broken job `x` would have the op `x__invalid_flowchart`, which a valid flowchart has already."""
    valid = "name: x\nnodes:\n  - {id: invalid_flowchart, module: read_csv, params: {path: x.csv}}\n"
    results = compile_all([FlowchartSource("a.yaml", valid), FlowchartSource("b.yaml", "name: x\nnodes: [")])
    assert [r.job.name for r in results] == ["x", "x__invalid_2"]
    dg.Definitions(
        assets=assets_of(results), jobs=[r.job for r in results], resources=_resources()
    ).resolve_all_job_defs()


def test_a_job_dagster_refuses_is_the_flowchart_error() -> None:
    """Past validation (here: a wire added to a valid flowchart), Dagster's refusal is located, not raised raw."""
    flowchart = parse_flowchart(DUP.replace("  - {from: load, to: u}\n", "", 1), file="dup.yaml")
    twice = dataclasses.replace(flowchart, wires=(*flowchart.wires, flowchart.wires[0]))
    with pytest.raises(
        FlowchartError,
        match=r"^dup.yaml: dup: Dagster cannot build the job: Duplicate dependencies on node \"dup__load\" "
        r"output \"result\" used in the same MultiDependencyDefinition\.$",
    ):
        make_flowchart_job(twice)


# The fuzzer: random graphs of real modules (a source, fan-in, several outputs, an optional input,
# two inputs, a sink), with duplicate edges, self-loops, back edges and names whose ops meet.
MODULES: dict[str, dict] = {
    "read_csv": {"path": "sales.csv"},
    "union": {},
    "split_rows": {"condition": "价格 > 100"},
    "sql_query": {"query": "SELECT * FROM data"},
    "join": {"on": ["城市"]},
    "filter_rows": {"condition": "true"},
    "write_csv": {"path": "out/fuzz.csv"},
}
NODE_IDS = ["load", "u", "x__y", "y", "invalid_flowchart", "load__x", "b", "c", "d", "e"]
NAMES = ["fz", "good", "good__load", "fz__x", "fz__x__y", "good__save__x"]


@st.composite
def flowcharts(draw: st.DrawFn, file: str) -> FlowchartSource:
    count = draw(st.integers(1, 6))
    ids = draw(st.lists(st.sampled_from(NODE_IDS), min_size=count, max_size=count, unique=True))
    if count > 1 and draw(st.integers(0, 9)) == 0:
        ids[-1] = ids[0]
    modules = [draw(st.sampled_from(list(MODULES))) for _ in range(count)]
    if draw(st.integers(0, 4)):  # mostly a source first, so that the backbone can feed the rest
        modules[0] = "read_csv"
    specs = [get_module(m) for m in modules]
    edges = []
    for i, spec in enumerate(specs):  # a backbone that feeds every required input from an earlier node
        feeders = [j for j in range(i) if specs[j].outputs]
        for port in [p for p in spec.inputs if not p.optional or draw(st.booleans())] if feeders else []:
            j = draw(st.sampled_from(feeders))
            ins = [p.name for p in spec.inputs]
            edges.append({"from": _end(draw, ids[j], specs[j].outputs), "to": _end(draw, ids[i], [port.name], ins)})
    for _ in range(draw(st.sampled_from([0, 0, 1, 2, 3]))):  # anything: self-loops, back edges, wrong or unknown ports
        j, i = draw(st.integers(0, count - 1)), draw(st.integers(0, count - 1))
        ins = [p.name for p in specs[i].inputs]
        wrong = [*(p.name for p in specs[j].inputs), *specs[i].outputs, "nope"]
        source = _end(draw, ids[j], specs[j].outputs or wrong)
        target = (
            _end(draw, ids[i], ins or wrong, ins)
            if draw(st.integers(0, 4))
            else f"{ids[i]}.{draw(st.sampled_from(wrong))}"
        )
        edges.append({"from": source, "to": target})
    if edges and draw(st.booleans()):
        edges.insert(draw(st.integers(0, len(edges))), draw(st.sampled_from(edges)))  # the same edge twice
    nodes = [{"id": n, "module": m, "params": MODULES[m]} for n, m in zip(ids, modules, strict=True)]
    document = {"name": draw(st.sampled_from(NAMES)), "nodes": nodes, "edges": edges}
    return FlowchartSource(file, json.dumps(document, ensure_ascii=False))


def _end(draw: st.DrawFn, node: str, ports: list[str], all_ports: list[str] | None = None) -> str:
    """`node.port`, or just `node` when that is unambiguous (and sometimes when it is not)."""
    named = len(all_ports or ports) > 1 or draw(st.booleans())
    return f"{node}.{draw(st.sampled_from(ports))}" if named or draw(st.integers(0, 9)) == 0 else node


GOOD_FLOWCHART = (
    "name: good\nnodes:\n  - {id: load, module: read_csv, params: {path: sales.csv}}\n"
    "  - {id: save, module: write_csv, params: {path: out/good.csv}}\nedges:\n  - {from: load, to: save}\n"
)


@settings(max_examples=int(os.environ.get("DATAOPS_FUZZ_EXAMPLES", 150)), deadline=None)
@given(
    fuzzed=st.lists(st.integers(), min_size=1, max_size=2).flatmap(
        lambda n: st.tuples(*(flowcharts(f"fz{i}.json") for i in range(len(n))))
    )
)
def test_any_graph_is_a_job_or_a_broken_job_and_the_location_always_loads(fuzzed: tuple[FlowchartSource, ...]) -> None:
    compiled = compile_all([FlowchartSource("good.yaml", GOOD_FLOWCHART), *fuzzed])
    definitions = dg.Definitions(assets=assets_of(compiled), jobs=[c.job for c in compiled], resources=_resources())
    jobs = {
        job.name: job for job in definitions.resolve_all_job_defs() if job.name != "__ASSET_JOB"
    }  # cross-job checks
    assert sorted(jobs) == sorted(c.job.name for c in compiled)
    assert compiled[0].error is None and BROKEN_TAG not in jobs["good"].tags
    for result, source in zip(compiled[1:], fuzzed, strict=True):
        job = definitions.resolve_job_def(result.job.name)
        if result.error is None:
            assert BROKEN_TAG not in job.tags
            assert len(job.graph.node_defs[0].node_defs) == len(result.flowchart.order)
            continue
        text = str(result.error)
        assert job.tags[BROKEN_TAG] == "true" and text in job.description
        assert all(str(p).startswith(f"{source.file}: ") for p in result.error.problems), text
        # Validation, not Dagster, must find what is wrong: the fallbacks stay unused.
        assert "Dagster cannot build" not in text and "a bug in DataOps" not in text, text
