"""The Arrow IO manager: round trip, column projection, run-scoped paths; outputs held in memory and
stored only when a re-execution could need them (a failed node's inputs, checkpoints of long holds)."""

from __future__ import annotations

import threading
import time

import dagster as dg
import pandas as pd
import pyarrow as pa
import pytest
from upath import UPath

from adapters import io_manager
from adapters.io_manager import ArrowIOManager
from dataops.settings import get_settings
from dataops.spec import parse_flowchart
from dataops_defs.compiler import make_flowchart_job
from dataops_defs.resources import make_resources
from module_library import ModuleParams, module, registry
from module_library.arrow_convert import arrow_to_pandas
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
    def full(table, path, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(io_manager, "write_table", full)


CHAIN = """
name: chain
nodes:
  - {id: load, module: read_csv, params: {path: sales.csv}}
  - {id: keep, module: filter_rows, params: {condition: "价格 > 100"}}
  - {id: step, module: filter_rows, params: {condition: "%s"}}
  - {id: save, module: write_csv, params: {path: out/chain.csv}}
edges: [{from: load, to: keep}, {from: keep, to: step}, {from: step, to: save}]
"""


def _stored(root) -> list[tuple[str, ...]]:
    return sorted(p.relative_to(root).parts[1:] for p in root.rglob("*") if p.is_file())


def test_a_run_that_succeeds_stores_no_intermediate(workspace) -> None:
    flowchart = parse_flowchart(CHAIN % "数量 > 1")
    result = make_flowchart_job(flowchart).execute_in_process(resources=make_resources(get_settings()))
    assert result.success
    assert (workspace / "data" / "out" / "chain.csv").is_file()
    assert _stored(workspace / "storage") == []  # every output was used up in memory


def test_a_failed_node_leaves_exactly_its_inputs_stored(workspace) -> None:
    flowchart = parse_flowchart(CHAIN % "nope > 1")
    result = make_flowchart_job(flowchart).execute_in_process(
        resources=make_resources(get_settings()), raise_on_error=False
    )
    assert not result.success
    assert _stored(workspace / "storage") == [("chain__flowchart.chain__keep", "result.arrow")]  # what a re-execution needs
    stored = io_manager.read_table(UPath(next((workspace / "storage").rglob("result.arrow"))))
    assert stored.equals(result.output_for_node("chain__flowchart.chain__keep"))


def test_an_output_held_long_is_checkpointed_while_its_consumer_runs(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(io_manager, "CHECKPOINT_MIN_SECONDS", 0.05)
    seen: list[bool] = []

    @dg.op
    def make() -> pa.Table:
        return pa.table({"n": [1, 2, 3]})

    @dg.op
    def use(table: pa.Table) -> None:  # a long step: a process killed now still leaves its input on disk
        deadline = time.monotonic() + 10
        while not list(tmp_path.rglob("make/result.arrow")) and time.monotonic() < deadline:
            time.sleep(0.02)
        seen.append(bool(list(tmp_path.rglob("make/result.arrow"))))

    @dg.job(resource_defs={"io_manager": ArrowIOManager(base_dir=str(tmp_path))})
    def job() -> None:
        use(make())

    assert job.execute_in_process().success
    assert seen == [True]
    assert not list(tmp_path.rglob("*.tmp"))


def test_an_abandoned_checkpoint_leaves_no_file(tmp_path) -> None:
    abandon = threading.Event()
    abandon.set()
    target = UPath(tmp_path) / "step" / "result.arrow"
    with pytest.raises(io_manager.Abandoned):
        io_manager.write_table(pa.table({"n": [1]}), target, abandon=abandon)
    assert [p.name for p in target.parent.iterdir()] == []


def test_outputs_of_ops_that_say_nothing_are_stored_at_the_end(tmp_path) -> None:
    @dg.op
    def make() -> pd.DataFrame:
        return _frame()

    @dg.op
    def use(frame: pa.Table) -> None:
        assert not list(tmp_path.rglob("make/result.arrow")), "held in memory while the run goes on"

    @dg.job(resource_defs={"io_manager": ArrowIOManager(base_dir=str(tmp_path))})
    def job() -> None:
        use(make())

    assert job.execute_in_process().success
    assert [f.relative_to(tmp_path).parts[1:] for f in tmp_path.rglob("*.arrow")] == [("make", "result.arrow")]


def test_an_output_nobody_consumes_is_never_written(tmp_path) -> None:
    @dg.op
    def make() -> pa.Table:
        return pa.table({"n": [1]})

    @dg.job(resource_defs={"io_manager": ArrowIOManager(base_dir=str(tmp_path))})
    def job() -> None:
        make()

    result = job.execute_in_process()
    assert result.success
    handled = next(e for e in result.all_events if e.event_type_value == "HANDLED_OUTPUT")
    assert handled.event_specific_data.metadata["dagster/row_count"].value == 1  # the UI still sees the table
    assert not list(tmp_path.rglob("*.arrow"))


def test_a_failed_store_at_the_end_is_reported(tmp_path, monkeypatch) -> None:
    _failing_write(monkeypatch)

    @dg.op
    def make() -> pa.Table:
        return pa.table({"n": [1]})

    @dg.op
    def use(table: pa.Table) -> None:
        raise RuntimeError("the consumer broke")

    @dg.job(resource_defs={"io_manager": ArrowIOManager(base_dir=str(tmp_path))})
    def job() -> None:
        use(make())

    result = job.execute_in_process(raise_on_error=False)
    assert not result.success
    teardown = [e for e in result.all_events if e.event_type_value == "ENGINE_EVENT" and "Teardown" in (e.message or "")]
    assert teardown and "could not store the outputs a re-execution would need" in str(
        teardown[0].event_specific_data.error
    )
    assert "No space left on device" in str(teardown[0].event_specific_data.error)
