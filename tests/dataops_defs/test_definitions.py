"""Smoke: the whole Definitions load and every job resolves (Dagster's cross-job checks run); assets and lineage."""

from __future__ import annotations

import shutil
from pathlib import Path

import dagster as dg

from dataops.flowcharts import FlowchartSource
from dataops_defs import defs
from dataops_defs.definitions import build_definitions
from tests.conftest import PROJECT


def test_every_example_flowchart_is_a_resolvable_job(workspace: Path) -> None:
    examples = sorted(p for p in (PROJECT / "flowcharts").iterdir() if p.suffix in (".yaml", ".yml", ".json"))
    for path in examples:
        shutil.copy(path, workspace / "flowcharts" / path.name)
    definitions = defs()
    repository = definitions.get_repository_def()
    jobs = [job for job in repository.get_all_jobs() if job.name != "__ASSET_JOB"]
    assert len(jobs) == len(examples)
    for job in jobs:
        assert job.tags.get("dataops/broken") is None, job.description
        assert repository.get_job(job.name).graph.nodes
    assert isinstance(definitions.resources["io_manager"], dg.ConfigurableIOManager)


def test_a_broken_flowchart_does_not_hide_the_others(workspace: Path) -> None:
    shutil.copy(PROJECT / "flowcharts" / "sales_by_city.yaml", workspace / "flowcharts")
    (workspace / "flowcharts" / "bad.yaml").write_text("name: bad\nnodes:\n  - {id: a, module: nope}\n")
    (workspace / "flowcharts" / "garbage.json").write_text("{not json")
    repository = defs().get_repository_def()
    names = {job.name for job in repository.get_all_jobs()}
    assert names == {"sales_by_city", "bad", "garbage", "__ASSET_JOB"}
    bad = repository.get_job("bad")
    assert bad.tags["dataops/broken"] == "true"
    assert "bad › a › module: unknown module 'nope'" in bad.description
    result = bad.execute_in_process(raise_on_error=False)
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert "unknown module 'nope'" in failure.event_specific_data.user_failure_data.description


def test_plugin_problems_are_hinted_on_broken_jobs(workspace: Path) -> None:
    (workspace / "plugins" / "mine.py").write_text("def oops(:\n")
    (workspace / "flowcharts" / "uses.yaml").write_text("name: uses\nnodes:\n  - {id: a, module: my_step}\n")
    job = defs().get_repository_def().get_job("uses")
    assert "plugin problem:" in job.description and "mine.py: line 1: syntax error" in job.description


UPSTREAM = """
name: up
nodes:
  - {id: load, module: read_csv, params: {path: sales.csv}}
  - {id: big, module: filter_rows, params: {condition: "价格 > 100"}}
  - {id: save, module: write_csv, params: {path: mid/big.csv}}
  - {id: all, module: write_parquet, params: {path: mid/all.parquet}}
edges: [{from: load, to: big}, {from: big, to: save}, {from: load, to: all}]
"""
DOWNSTREAM = """
name: down
triggers: {after_upstream: true}
nodes:
  - {id: load, module: read_csv, params: {path: mid/big.csv}}
  - {id: save, module: write_sql, params: {url: "sqlite:///warehouse.sqlite", table: big}}
edges: [{from: load, to: save}]
"""


def _assets(*texts: str) -> dg.Definitions:
    return build_definitions([FlowchartSource(f"{i}.yaml", text) for i, text in enumerate(texts)])


def test_sinks_are_assets_with_keys_kinds_and_group_and_sources_are_their_lineage(workspace: Path) -> None:
    graph = _assets(UPSTREAM, DOWNSTREAM).get_repository_def().asset_graph
    big, table, sales = (
        dg.AssetKey(["file", "mid", "big.csv"]),
        dg.AssetKey(["table", "warehouse.sqlite", "main", "big"]),
        dg.AssetKey(["file", "sales.csv"]),
    )
    assert set(graph.get_all_asset_keys()) == {big, dg.AssetKey(["file", "mid", "all.parquet"]), table, sales}
    assert graph.get(big).group_name == "up" and graph.get(big).kinds == {"csv", "file"}
    assert graph.get(table).group_name == "down" and graph.get(table).kinds == {"sqlite", "table"}
    assert graph.get(table).parent_keys == {big}  # down's source reads what up's sink writes
    assert graph.get(big).parent_keys == {sales} and not graph.get(sales).is_executable  # an external input
    assert graph.get(table).automation_condition.get_label() == "after_upstream"
    assert graph.get(big).automation_condition is None


def test_a_cycle_of_flowcharts_keeps_the_first_dependency_only(workspace: Path) -> None:
    back = (
        "name: back\nnodes:\n  - {id: load, module: read_csv, params: {path: mid/big.csv}}\n"
        "  - {id: save, module: write_csv, params: {path: sales.csv}}\nedges: [{from: load, to: save}]\n"
    )
    graph = _assets(UPSTREAM, back).get_repository_def().asset_graph
    sales, big = dg.AssetKey(["file", "sales.csv"]), dg.AssetKey(["file", "mid", "big.csv"])
    assert graph.get(big).parent_keys == {sales}  # up, first in order, reads what back writes
    assert graph.get(sales).parent_keys == set()  # back reading up's output would close the cycle


def test_two_flowcharts_writing_one_file_break_the_later_one_only(workspace: Path) -> None:
    other = UPSTREAM.replace("name: up", "name: other").replace("mid/all.parquet", "mid/other.parquet")
    repository = _assets(UPSTREAM, other).get_repository_def()
    job = repository.get_job("other")
    assert job.tags["dataops/broken"] == "true"
    assert "other › save › params: flowchart 'up' writes the file mid/big.csv already" in job.description
    assert repository.get_job("up").tags.get("dataops/broken") is None


def test_one_asset_of_several_runs_only_the_nodes_it_needs(workspace: Path) -> None:
    definitions = _assets(UPSTREAM)
    job = definitions.resolve_job_def("up")
    result = job.execute_in_process(
        asset_selection=[dg.AssetKey(["file", "mid", "all.parquet"])], instance=dg.DagsterInstance.ephemeral()
    )
    assert result.success
    steps = {e.step_key for e in result.all_events if e.event_type_value == "STEP_SUCCESS"}
    assert steps == {"up__flowchart.up__load", "up__flowchart.up__all"}
    assert (workspace / "data" / "mid" / "all.parquet").exists() and not (
        workspace / "data" / "mid" / "big.csv"
    ).exists()
    written = result.asset_materializations_for_node("up__flowchart")
    assert [m.asset_key for m in written] == [dg.AssetKey(["file", "mid", "all.parquet"])]
    assert written[0].metadata["dagster/row_count"].value > 0 and "dagster/column_schema" in written[0].metadata


def test_dataops_run_builds_its_job_once_from_the_validated_flowchart(workspace: Path, monkeypatch) -> None:
    from dataops.spec import parse_flowchart
    from dataops_defs import standalone
    from module_library.discovery import discover

    discover()
    flowchart = parse_flowchart(UPSTREAM)
    recon = standalone.reconstructable_job(flowchart)

    def again(*args: object, **kwargs: object) -> None:
        raise AssertionError("plugins discovered or the text parsed a second time")

    monkeypatch.setattr(standalone, "discover", again)
    monkeypatch.setattr(standalone, "parse_flowchart", again)
    job = recon.get_definition()  # what `dataops run` executes in its own process
    assert job.name == "up" and job.resource_defs.keys() >= {"io_manager", "dataops_settings"}


BRANCHES = """
name: branches
nodes:
  - {id: load, module: read_csv, params: {path: sales.csv}}
  - {id: save, module: write_csv, params: {path: out/copy.csv}}
  - {id: missing, module: read_csv, params: {path: no_such_file.csv}}
edges: [{from: load, to: save}]
"""


def test_a_node_nothing_reads_is_a_view_asset_and_its_failure_stops_no_write(workspace: Path) -> None:
    definitions = _assets(BRANCHES)
    view = dg.AssetKey(["view", "branches", "missing"])
    assert view in set(definitions.get_repository_def().asset_graph.get_all_asset_keys())
    result = definitions.resolve_job_def("branches").execute_in_process(
        instance=dg.DagsterInstance.ephemeral(), raise_on_error=False
    )
    assert not result.success
    assert [e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"] == [
        "branches__flowchart.branches__missing"
    ]
    assert (workspace / "data" / "out" / "copy.csv").read_text(encoding="utf-8").count("\n") > 1
