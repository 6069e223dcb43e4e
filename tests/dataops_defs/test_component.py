"""`dataops.FlowchartComponent` in a dg defs folder, and `dg` itself on a project using it and on this project."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import pandas as pd
import pytest
import yaml
from dagster.components.core.component_tree import ComponentTreeException
from dagster.components.testing import DefsFolderSandbox, create_defs_folder_sandbox

from dataops import FlowchartComponent
from dataops.errors import FlowchartError
from tests.conftest import PROJECT

EXAMPLE = PROJECT / "examples" / "dg_project"
ORDERS = "订单号,城市,金额\n1,上海,120.5\n2,北京,80\n3,上海,42.25\n"


def _flowchart(name: str = "revenue", by_key: str = "by") -> dict[str, Any]:
    return {
        "name": name,
        "nodes": [
            {"id": "load", "module": "read_csv", "params": {"path": "orders.csv"}},
            {
                "id": "by_city",
                "module": "group_aggregate",
                "params": {by_key: ["城市"], "aggregations": [{"column": "金额", "function": "sum", "as": "销售额"}]},
            },
            {"id": "save", "module": "write_csv", "params": {"path": f"out/{name}.csv"}},
        ],
        "edges": [{"from": "load", "to": "by_city"}, {"from": "by_city", "to": "save"}],
    }


@pytest.fixture
def sandbox(workspace: Path) -> Iterator[DefsFolderSandbox]:
    (workspace / "data" / "orders.csv").write_text(ORDERS, encoding="utf-8")
    with create_defs_folder_sandbox() as box:
        yield box


def _declare(sandbox: DefsFolderSandbox, name: str, attributes: dict[str, Any]) -> Path:
    contents = {"type": "dataops.FlowchartComponent", "attributes": attributes}
    return sandbox.scaffold_component(FlowchartComponent, defs_path=name, defs_yaml_contents=contents)


def test_an_inline_flowchart_runs_as_its_job(sandbox: DefsFolderSandbox, workspace: Path) -> None:
    path = _declare(sandbox, "revenue", {"flowchart": _flowchart()})
    with sandbox.load_component_and_build_defs(defs_path=path) as (component, defs):
        assert isinstance(component, FlowchartComponent)
        result = defs.resolve_job_def("revenue").execute_in_process(instance=dg.DagsterInstance.ephemeral())
    assert result.success
    ops = {event.step_key.rpartition(".")[2] for event in result.all_events if event.step_key}  # one op per node
    assert ops == {"revenue__load", "revenue__by_city", "revenue__save"}
    written = pd.read_csv(workspace / "data" / "out" / "revenue.csv")
    assert dict(zip(written["城市"], written["销售额"], strict=True)) == {"上海": 162.75, "北京": 80.0}


def test_a_file_and_a_folder_of_flowcharts(sandbox: DefsFolderSandbox, workspace: Path) -> None:
    folder = sandbox.defs_folder_path / "shared"
    folder.mkdir()
    (folder / "a.yaml").write_text(yaml.safe_dump(_flowchart("first"), allow_unicode=True), encoding="utf-8")
    (folder / "b.json").write_text(json.dumps(_flowchart("second"), ensure_ascii=False), encoding="utf-8")
    (folder / "broken.yaml").write_text("name: broken_one\nnodes:\n  - {id: a, module: nope}\n")
    one = _declare(sandbox, "one", {"path": "../shared/a.yaml"})
    with sandbox.load_component_and_build_defs(defs_path=one) as (_, defs):
        assert [job.name for job in defs.jobs or []] == ["first"]
    many = _declare(sandbox, "many", {"path": "../shared"})
    with sandbox.load_component_and_build_defs(defs_path=many) as (_, defs):
        jobs = {job.name: job for job in defs.jobs or []}
    # In a folder, as in the project's flowcharts folder, a broken file is a broken job of its own.
    assert set(jobs) == {"first", "second", "broken_one"}
    assert "broken_one › a › module: unknown module 'nope'" in (jobs["broken_one"].description or "")


def test_an_invalid_flowchart_names_flowchart_node_and_field(sandbox: DefsFolderSandbox) -> None:
    path = _declare(sandbox, "typo", {"flowchart": _flowchart(by_key="byy")})
    with pytest.raises(ComponentTreeException) as caught:
        with sandbox.load_component_and_build_defs(defs_path=path):
            pass
    error = caught.value.__cause__
    assert isinstance(error, FlowchartError)
    assert str(error) == (
        f"{path / 'defs.yaml'}: revenue › by_city › params.byy: unknown param 'byy'; did you mean 'by'? "
        "(group_aggregate expects: by, aggregations)"
    )


def test_dg_scaffold_writes_a_starter_flowchart(sandbox: DefsFolderSandbox, workspace: Path) -> None:
    path = sandbox.scaffold_component(FlowchartComponent, defs_path="daily_orders")
    assert yaml.safe_load((path / "defs.yaml").read_text()) == {
        "type": "dataops_defs.component.FlowchartComponent",
        "attributes": {"path": "flowchart.yaml"},
    }
    (workspace / "data" / "daily_orders.csv").write_text(ORDERS, encoding="utf-8")
    with sandbox.load_component_and_build_defs(defs_path=path) as (_, defs):
        assert defs.resolve_job_def("daily_orders").execute_in_process(instance=dg.DagsterInstance.ephemeral()).success
    assert (workspace / "data" / "out" / "daily_orders.csv").read_text(encoding="utf-8").startswith("订单号,城市,金额")


def test_components_read_the_same_input_and_each_others_outputs(sandbox: DefsFolderSandbox) -> None:
    _declare(sandbox, "one", {"flowchart": _flowchart("first")})
    _declare(sandbox, "two", {"flowchart": _flowchart("second")})
    downstream = _flowchart("third")
    downstream["nodes"][0]["params"]["path"] = "out/first.csv"  # what `first` writes
    _declare(sandbox, "three", {"flowchart": downstream})
    with sandbox.build_all_defs() as defs:  # one set of resources: Definitions.merge accepts them
        graph = defs.resolve_asset_graph()
        assert {job.name for job in defs.resolve_all_job_defs()} >= {"first", "second", "third"}
    orders, first, third = (
        dg.AssetKey(["file", *p.split("/")]) for p in ("orders.csv", "out/first.csv", "out/third.csv")
    )
    assert graph.get(first).parent_keys == {orders} and graph.get(orders).is_external
    assert graph.get(third).parent_keys == {first} and graph.get(first).is_materializable


@pytest.mark.parametrize(
    ("attributes", "message"),
    [
        ({}, "give exactly one of 'flowchart' (inline) or 'path' (a file or folder)"),
        ({"flowchart": _flowchart(), "path": "x.yaml"}, "give exactly one of 'flowchart'"),
        ({"path": "missing.yaml"}, "path: 'missing.yaml' is neither a flowchart file nor a folder"),
    ],
)
def test_flowchart_or_path(sandbox: DefsFolderSandbox, attributes: dict[str, Any], message: str) -> None:
    path = _declare(sandbox, "odd", attributes)
    with pytest.raises(Exception, match=r"Error while (building|loading)") as caught:
        with sandbox.load_component_and_build_defs(defs_path=path):
            pass
    chain: list[str] = []
    error: BaseException | None = caught.value
    while error is not None:
        chain.append(str(error))
        error = error.__cause__ or error.__context__
    assert any(message in text for text in chain), chain


# ---- `dg` as a user runs it: subprocesses, in this project and in a dg project using the component.


def _dg(args: list[str], cwd: Path, workspace: Path, pythonpath: list[Path]) -> subprocess.CompletedProcess[str]:
    dg_cli = Path(sys.executable).with_name("dg")
    env = {k: v for k, v in os.environ.items() if k != "DAGSTER_HOME"}
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in pythonpath)
    env["DAGSTER_HOME"] = str(workspace / "dagster_home")
    return subprocess.run(
        [str(dg_cli), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.fixture
def dg_project(workspace: Path) -> Path:
    """A copy of examples/dg_project (made by `create-dagster project`), its data in the workspace."""
    project = workspace / "dg_project"
    shutil.copytree(EXAMPLE, project, ignore=shutil.ignore_patterns(".venv", "__pycache__", "*.egg-info", "data"))
    shutil.copytree(EXAMPLE / "data", workspace / "data", dirs_exist_ok=True)
    return project


def test_dg_lists_the_component(dg_project: Path, workspace: Path) -> None:
    result = _dg(["list", "components", "--json"], dg_project, workspace, [dg_project / "src", PROJECT])
    assert result.returncode == 0, result.stderr
    listed = {entry["key"]: entry for entry in json.loads(result.stdout)["items"]}
    assert listed["dataops.FlowchartComponent"]["summary"].startswith("DataOps flowcharts as Dagster definitions")


@pytest.mark.parametrize(
    ("right", "wrong", "message"),
    [
        (
            "  flowchart:",
            "  flowchat:",
            "attributes.flowchat Additional properties are not allowed ('flowchat' was unexpected)",
        ),
        (
            "          by: [城市]",
            "          byy: [城市]",
            "attributes.flowchart.nodes.1.params.byy Additional properties are not allowed ('byy' was unexpected)",
        ),
    ],
)
def test_dg_check_yaml_names_file_and_line_of_a_wrong_param(
    dg_project: Path, workspace: Path, right: str, wrong: str, message: str
) -> None:
    defs_yaml = dg_project / "src" / "dg_project" / "defs" / "revenue" / "defs.yaml"
    text = defs_yaml.read_text(encoding="utf-8")
    line = text.splitlines().index(right) + 1
    defs_yaml.write_text(text.replace(right, wrong), encoding="utf-8")
    result = _dg(["check", "yaml"], dg_project, workspace, [dg_project / "src", PROJECT])
    assert result.returncode != 0
    assert f"{defs_yaml}:{line} - dataops.FlowchartComponent {message}" in result.stdout + result.stderr


def test_dg_check_and_list_defs_in_this_project(workspace: Path) -> None:
    shutil.copy(PROJECT / "flowcharts" / "sales_by_city.yaml", workspace / "flowcharts")
    checked = _dg(["check", "defs"], PROJECT, workspace, [PROJECT])
    assert checked.returncode == 0, checked.stderr
    assert "All definitions loaded successfully." in checked.stdout + checked.stderr
    listed = _dg(["list", "defs", "--json"], PROJECT, workspace, [PROJECT])
    assert listed.returncode == 0, listed.stderr
    defs = json.loads(listed.stdout)
    assert "sales_by_city" in {job["name"] for job in defs["jobs"]}
