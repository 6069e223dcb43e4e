"""Graph checks for the port kinds: several outputs, fan-in, optional inputs."""

from __future__ import annotations

import pytest

from dataops.errors import FlowchartError
from dataops.spec import Wire, parse_flowchart
from module_library.discovery import discover

discover()

HEAD = """
name: ports
nodes:
  - {id: load, module: read_csv, params: {path: sales.csv}}
  - {id: more, module: read_csv, params: {path: customers.csv}}
  - {id: split, module: split_rows, params: {condition: "价格 > 100"}}
  - {id: both, module: union}
  - {id: query, module: sql_query, params: {query: "SELECT * FROM data"}}
edges:
"""


def problems(edges: str) -> list[str]:
    with pytest.raises(FlowchartError) as info:
        parse_flowchart(HEAD + edges)
    return [str(p) for p in info.value.problems]


def test_named_outputs_fan_in_and_an_unconnected_optional_input() -> None:
    flowchart = parse_flowchart(
        HEAD
        + """
  - {from: load, to: split}
  - {from: split.matched, to: both}
  - {from: split.unmatched, to: both.data}
  - {from: both, to: query}
"""
    )
    assert flowchart.wires_into("both") == [
        Wire("split", "matched", "both", "data"),
        Wire("split", "unmatched", "both", "data"),
    ]
    assert flowchart.wires_into("query") == [Wire("both", "result", "query", "data")]


def test_an_optional_input_may_be_connected_by_name() -> None:
    flowchart = parse_flowchart(
        HEAD
        + """
  - {from: load, to: split}
  - {from: split.matched, to: both}
  - {from: both, to: query}
  - {from: more, to: query.other}
"""
    )
    assert Wire("more", "result", "query", "other") in flowchart.wires


def test_a_node_with_several_outputs_needs_the_port_named() -> None:
    found = problems(
        """
  - {from: load, to: split}
  - {from: split, to: both}
  - {from: both, to: query}
"""
    )
    assert (
        "<flowchart>: ports › split › edges[1].from: 'split' (split_rows) has several outputs; name one: "
        "'split.matched', 'split.unmatched'"
    ) in found


def test_required_inputs_still_need_an_edge() -> None:
    found = problems(
        """
  - {from: load, to: split}
  - {from: split.matched, to: both}
  - {from: more, to: query.other}
"""
    )
    assert found == ["<flowchart>: ports › query › data: input 'data' has no incoming edge"]


def test_a_duplicate_edge_is_an_error_naming_the_edge_and_the_node() -> None:
    """Listed twice into a fan-in port, it used to pass validation and make Dagster refuse the job."""
    found = problems(
        """
  - {from: load, to: split}
  - {from: split.matched, to: both}
  - {from: split.matched, to: both.data}
  - {from: both, to: query}
  - {from: both, to: query}
"""
    )
    assert found == [
        "<flowchart>: ports › both › edges[2]: duplicate edge split.matched → both.data (edges[1] is the same); "
        "remove one",
        "<flowchart>: ports › query › edges[4]: duplicate edge both.result → query.data (edges[3] is the same); "
        "remove one",
    ]
