"""The Arrow IO manager: round trip, metadata, column projection, run-scoped paths, background writes."""

from __future__ import annotations

import threading

import dagster as dg
import pandas as pd
import pyarrow as pa
import pytest

from adapters import io_manager
from adapters.arrow_convert import arrow_to_pandas
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
    def check(frame: pa.Table) -> None:  # steps hand over Arrow; pandas' dtypes come back from its metadata
        pd.testing.assert_frame_equal(arrow_to_pandas(frame), _frame())

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


def _failing_write(monkeypatch: pytest.MonkeyPatch) -> None:
    def full(table, path):
        raise OSError("No space left on device")

    monkeypatch.setattr(io_manager, "write_table", full)


@pytest.mark.parametrize("consumed", [True, False])
def test_a_failed_background_write_fails_the_run(tmp_path, monkeypatch, consumed) -> None:
    _failing_write(monkeypatch)

    @dg.op
    def make() -> pd.DataFrame:
        return _frame()

    @dg.op
    def use(frame: pd.DataFrame) -> None:
        assert len(frame) == 3

    @dg.job(resource_defs={"io_manager": ArrowIOManager(base_dir=str(tmp_path))}, executor_def=dg.in_process_executor)
    def job() -> None:
        if consumed:
            use(make())
        else:
            make()

    result = job.execute_in_process(raise_on_error=False)
    assert not result.success
    failure = next(e for e in result.all_events if e.is_step_failure)
    assert "No space left on device" in str(failure.event_specific_data.error)
    assert failure.step_key == ("use" if consumed else "make")


def test_the_next_step_gets_what_the_file_holds_while_it_is_written(tmp_path, monkeypatch) -> None:
    release = threading.Event()
    real_write = io_manager.write_table

    def slow(table, path):
        release.wait(10)
        real_write(table, path)

    monkeypatch.setattr(io_manager, "write_table", slow)
    seen: list[pa.Table] = []

    @dg.op
    def make() -> pd.DataFrame:
        return _frame().set_index("n")  # the index is dropped on the way, as the file drops it

    @dg.op
    def use(frame: pa.Table) -> pa.Table:
        seen.append(frame)
        assert not list(tmp_path.rglob("make/result.arrow")), "the write should still be pending"
        release.set()
        return frame

    @dg.job(resource_defs={"io_manager": ArrowIOManager(base_dir=str(tmp_path))})
    def job() -> None:
        use(make())

    assert job.execute_in_process().success
    from_file = pa.ipc.open_file(pa.memory_map(str(next(tmp_path.rglob("make/result.arrow"))))).read_all()
    assert seen[0].equals(from_file)
    pd.testing.assert_frame_equal(arrow_to_pandas(seen[0]), _frame().set_index("n").reset_index(drop=True))
