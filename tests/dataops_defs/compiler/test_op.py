"""Ops for the port kinds: several outputs, fan-in, optional inputs, and module metadata on outputs."""

from __future__ import annotations

import dagster as dg
import pandas as pd

from dataops.settings import get_settings
from dataops.spec import parse_flowchart
from dataops_defs.compiler import make_flowchart_job
from dataops_defs.resources import make_resources
from module_library.discovery import discover

discover()

FLOW = """
name: ports
nodes:
  - {id: load, module: read_csv, params: {path: sales.csv}}
  - {id: split, module: split_rows, params: {condition: "价格 > 100"}}
  - {id: both, module: union}
  - {id: query, module: sql_query, params: {query: "SELECT count(*) AS n FROM data"}}
  - {id: profile, module: describe}
  - {id: save, module: write_csv, params: {path: out/count.csv}}
edges:
  - {from: load, to: split}
  - {from: split.matched, to: both}
  - {from: split.unmatched, to: both}
  - {from: both, to: query}
  - {from: both, to: profile}
  - {from: query, to: save}
"""


def test_ins_and_outs_follow_the_ports() -> None:
    job = make_flowchart_job(parse_flowchart(FLOW))
    split = job.graph.node_named("ports__flowchart").definition.node_named("ports__split").definition
    assert sorted(split.output_dict) == ["matched", "unmatched"]
    query = job.graph.node_named("ports__flowchart").definition.node_named("ports__query").definition
    assert query.input_dict["other"].has_default_value and query.input_dict["other"].default_value is None
    assert not query.input_dict["data"].has_default_value
    both = job.graph.node_named("ports__flowchart").definition.node_named("ports__both").definition
    assert both.input_dict["data"].dagster_type.kind.value == "LIST"


def test_split_union_and_optional_input_run(workspace) -> None:
    flowchart = parse_flowchart(FLOW)
    result = make_flowchart_job(flowchart).execute_in_process(resources=make_resources(get_settings()))
    assert result.success
    source = pd.read_csv(workspace / "data" / "sales.csv", encoding="gbk")
    assert pd.read_csv(workspace / "data" / "out" / "count.csv")["n"].tolist() == [len(source)]
    matched = result.output_for_node("ports__flowchart.ports__split", "matched")  # steps hand over Arrow tables
    assert matched.num_rows == int((source["价格"] > 100).sum())
    both = result.output_for_node("ports__flowchart.ports__both")
    assert both.num_rows == len(source)
    assert both["订单号"].to_pylist()[: matched.num_rows] == matched["订单号"].to_pylist()


def test_module_metadata_is_attached_to_the_output(workspace) -> None:
    result = make_flowchart_job(parse_flowchart(FLOW)).execute_in_process(resources=make_resources(get_settings()))
    outputs = [
        e
        for e in result.all_events
        if e.event_type_value == "STEP_OUTPUT" and e.step_key == "ports__flowchart.ports__profile"
    ]
    histograms = outputs[0].event_specific_data.metadata["histograms"]
    assert isinstance(histograms, dg.MarkdownMetadataValue)
    assert "![价格](data:image/png;base64," in histograms.value
