"""The Arrow IO manager: round trip, metadata, column projection, run-scoped paths."""

from __future__ import annotations

import dagster as dg
import pandas as pd
import pytest

from adapters.io_manager import ArrowIOManager
from dataops.settings import get_settings
from dataops.spec import parse_flowchart
from dataops_defs.compiler import make_flowchart_job
from dataops_defs.resources import make_resources
from module_library import ModuleParams, module, registry
from module_library.discovery import discover

discover()
SEEN: dict[str, list[str]] = {}


class PeekParams(ModuleParams):
    column: str


@pytest.fixture
def peek_module():
    """A module that reads one column and records which columns it was handed."""

    @module(category="test", params=PeekParams, reads=lambda p: [p.column])
    def peek(data: pd.DataFrame, params: PeekParams) -> pd.DataFrame:
        SEEN["columns"] = list(data.columns)
        return data

    yield
    registry.unregister("peek")


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "城市": ["北京", None, "上海"],
            "n": pd.array([1, None, 3], dtype="Int64"),
            "x": [1.5, 2.5, None],
            "flag": [True, False, True],
            "when": pd.to_datetime(["2026-01-01", None, "2026-03-01"]),
        }
    )


def test_round_trip_keeps_values_and_dtypes(tmp_path) -> None:
    manager = ArrowIOManager(base_dir=str(tmp_path))

    @dg.op
    def make() -> pd.DataFrame:
        return _frame()

    @dg.op
    def check(frame: pd.DataFrame) -> None:
        pd.testing.assert_frame_equal(frame, _frame())

    @dg.job(resource_defs={"io_manager": manager})
    def round_trip() -> None:
        check(make())

    result = round_trip.execute_in_process()
    assert result.success
    files = list(tmp_path.rglob("*.arrow"))
    assert [f.relative_to(tmp_path).parts[1:] for f in files] == [("make", "result.arrow")]
    assert files[0].relative_to(tmp_path).parts[0] == result.run_id
    assert not list(tmp_path.rglob("*.tmp"))


def test_next_step_loads_only_the_columns_it_reads(workspace, peek_module) -> None:
    flowchart = parse_flowchart(
        """
name: projection
nodes:
  - {id: load, module: read_csv, params: {path: sales.csv}}
  - {id: peek, module: peek, params: {column: 城市}}
edges:
  - {from: load, to: peek}
"""
    )
    result = make_flowchart_job(flowchart).execute_in_process(resources=make_resources(get_settings()))
    assert result.success
    assert SEEN["columns"] == ["城市"]
    all_columns = pd.read_csv(workspace / "data" / "sales.csv", encoding="gbk", nrows=1).columns
    assert len(all_columns) == 7


def test_a_missing_declared_column_loads_everything_so_the_module_can_say_what_exists(workspace, peek_module) -> None:
    flowchart = parse_flowchart(
        """
name: projection
nodes:
  - {id: load, module: read_csv, params: {path: sales.csv}}
  - {id: peek, module: peek, params: {column: nope}}
edges:
  - {from: load, to: peek}
"""
    )
    make_flowchart_job(flowchart).execute_in_process(resources=make_resources(get_settings()))
    assert len(SEEN["columns"]) == 7
