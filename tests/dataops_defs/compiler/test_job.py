"""Compiler: one op per node inside the flowchart's graph, names, dependencies, params as config defaults."""

from __future__ import annotations

import dagster as dg
import pandas as pd
import pytest

from dataops.settings import get_settings
from dataops.spec import parse_flowchart
from dataops_defs.compiler import make_flowchart_job, node_of, run_config
from dataops_defs.resources import make_resources
from module_library.discovery import discover

discover()

FLOW = """
name: tiny
description: 测试
nodes:
  - {id: input, module: read_csv, params: {path: sales.csv}, label: 读取}
  - {id: type, module: filter_rows, params: {condition: "价格 > 100"}}
  - {id: config, module: select_columns, params: {columns: [城市, 价格]}}
  - {id: class, module: write_csv, params: {path: out/tiny.csv}}
edges:
  - {from: input, to: type}
  - {from: type, to: config}
  - {from: config, to: class}
"""


def _graph(job: dg.JobDefinition) -> dg.GraphDefinition:
    """The flowchart's graph inside its job (the graph behind its multi-asset)."""
    return job.graph.node_named(f"{job.name}__flowchart").definition


def test_one_op_per_node_prefixed_with_the_flowchart_name() -> None:
    job = make_flowchart_job(parse_flowchart(FLOW))
    assert job.name == "tiny"
    assert [n.name for n in job.nodes] == ["tiny__flowchart"]
    assert sorted(n.name for n in _graph(job).nodes) == ["tiny__class", "tiny__config", "tiny__input", "tiny__type"]
    assert job.executor_def is dg.in_process_executor
    op = _graph(job).node_named("tiny__input").definition
    assert op.tags["dataops/module"] == "read_csv" and op.tags["dataops/node"] == "input"
    assert op.description.startswith("读取 — read_csv")


def test_dependencies_follow_the_edges() -> None:
    graph = _graph(make_flowchart_job(parse_flowchart(FLOW)))
    structure = graph.dependency_structure
    upstream = {
        node.name: sorted(out.node_name for out in structure.all_upstream_outputs_from_node(node.name))
        for node in graph.nodes
    }
    assert upstream == {
        "tiny__input": [],
        "tiny__type": ["tiny__input"],
        "tiny__config": ["tiny__type"],
        "tiny__class": ["tiny__config"],
    }


def test_params_are_the_config_defaults_with_the_modules_defaults_filled() -> None:
    flowchart = parse_flowchart(FLOW)
    job = make_flowchart_job(flowchart)
    config = dg.validate_run_config(job, {})["ops"]
    assert config["tiny__flowchart.tiny__input"]["config"] == {
        "path": "sales.csv",
        "encoding": "auto",
        "delimiter": "auto",
        "header": True,
    }
    assert config["tiny__flowchart.tiny__type"]["config"] == {"condition": "价格 > 100"}


def test_run_config_sets_some_params_and_node_of_reads_step_keys() -> None:
    flowchart = parse_flowchart(FLOW)
    config = run_config(flowchart, {"type": {"condition": "价格 > 150"}})
    resolved = dg.validate_run_config(make_flowchart_job(flowchart), config)["ops"]
    assert resolved["tiny__flowchart.tiny__type"]["config"] == {"condition": "价格 > 150"}
    assert resolved["tiny__flowchart.tiny__input"]["config"]["path"] == "sales.csv"
    assert node_of("tiny", "tiny__flowchart.tiny__type") == "type"


def test_execution_end_to_end_with_config_override(workspace) -> None:
    job = make_flowchart_job(parse_flowchart(FLOW))
    config = run_config(parse_flowchart(FLOW), {"type": {"condition": "价格 > 150"}})
    result = job.execute_in_process(run_config=config, resources=make_resources(get_settings()))
    assert result.success
    written = pd.read_csv(workspace / "data" / "out" / "tiny.csv")
    source = pd.read_csv(workspace / "data" / "sales.csv", encoding="gbk")
    expected = source.loc[source["价格"] > 150, ["城市", "价格"]].reset_index(drop=True)
    pd.testing.assert_frame_equal(written, expected)


def test_output_metadata_row_count_schema_preview(workspace) -> None:
    flowchart = parse_flowchart(FLOW)
    result = make_flowchart_job(flowchart).execute_in_process(resources=make_resources(get_settings()))
    handled = [
        e
        for e in result.all_events
        if e.event_type_value == "HANDLED_OUTPUT" and e.step_key == "tiny__flowchart.tiny__config"
    ]
    metadata = handled[0].event_specific_data.metadata
    source = pd.read_csv(workspace / "data" / "sales.csv", encoding="gbk")
    assert metadata["dagster/row_count"].value == int((source["价格"] > 100).sum())
    assert [c.name for c in metadata["dagster/column_schema"].schema.columns] == ["城市", "价格"]
    assert metadata["preview"].value.startswith("| 城市 | 价格 |")
    assert str(workspace / "storage") in metadata["path"].value


def test_edited_launchpad_config_is_validated_and_names_node_and_field(workspace) -> None:
    flowchart = parse_flowchart(FLOW)
    config = run_config(flowchart, {"config": {"columns": []}})
    result = make_flowchart_job(flowchart).execute_in_process(
        run_config=config, resources=make_resources(get_settings()), raise_on_error=False
    )
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert failure.step_key == "tiny__flowchart.tiny__config"
    assert failure.event_specific_data.user_failure_data.description == (
        "tiny › config › params.columns: list should have at least 1 item after validation, not 0"
    )


def test_missing_column_fails_the_run_naming_node_and_column(workspace) -> None:
    flowchart = parse_flowchart(FLOW.replace("价格 > 100", "价钱 > 100"))
    result = make_flowchart_job(flowchart).execute_in_process(
        resources=make_resources(get_settings()), raise_on_error=False
    )
    failure = next(e for e in result.all_events if e.is_step_failure)
    description = failure.event_specific_data.user_failure_data.description
    assert description.startswith("tiny › type › condition: unknown column '价钱' (available: 订单号, 城市, 产品, 价格")
    assert description.endswith("did you mean '价格'?")
    assert not (workspace / "data" / "out" / "tiny.csv").exists()


def test_write_outside_the_data_root_is_refused(workspace) -> None:
    flowchart = parse_flowchart(FLOW.replace("out/tiny.csv", "../escape.csv"))
    result = make_flowchart_job(flowchart).execute_in_process(
        resources=make_resources(get_settings()), raise_on_error=False
    )
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert failure.step_key == "tiny__flowchart.tiny__class"
    assert (
        "tiny › class › path: '../escape.csv' resolves outside the data root"
        in failure.event_specific_data.user_failure_data.description
    )
    assert not (workspace / "escape.csv").exists()


@pytest.mark.parametrize("node_id", ["input", "output", "type", "class", "config", "context", "def"])
def test_reserved_node_ids_compile(node_id: str) -> None:
    text = f"""
name: r
nodes:
  - {{id: {node_id}, module: read_csv, params: {{path: sales.csv}}}}
  - {{id: save, module: write_csv, params: {{path: out/r.csv}}}}
edges:
  - {{from: {node_id}, to: save}}
"""
    job = make_flowchart_job(parse_flowchart(text))
    assert f"r__{node_id}" in {n.name for n in _graph(job).nodes}
