"""Projection pushdown: outputs never depend on it, and it reads fewer columns where it can."""

from __future__ import annotations

import datetime
import decimal
import shutil
from pathlib import Path

import dagster as dg
import pandas as pd
import pyarrow as pa
import pyarrow.feather
import pyarrow.parquet
import pytest

import adapters.csv as csv_adapter
from dataops.flowcharts import load_flowchart
from dataops.settings import get_settings
from dataops.spec import parse_flowchart
from dataops_defs.compiler import make_flowchart_job
from dataops_defs.resources import make_resources
from module_library.discovery import discover
from module_library.registry import get_module
from module_library.tables import keep
from tests.conftest import PROJECT

discover()
EXAMPLES = sorted(p.name for p in (PROJECT / "flowcharts").iterdir() if p.suffix in (".yaml", ".yml", ".json"))

# Every module that declares what it reads, chained so that each narrows or passes columns on,
# ending in a group_aggregate: with projection the source reads only what this chain can need.
EVERYDAY = """
name: everyday
nodes:
  - {id: load, module: read_csv, params: {path: sales.csv}}
  - {id: load_again, module: read_csv, params: {path: sales.csv}}
  - {id: both, module: union}
  - {id: text, module: string_transform, params: {columns: [城市], operation: strip}}
  - {id: typed, module: cast_types, params: {types: {数量: float}, errors: "null"}}
  - {id: dated, module: parse_dates, params: {columns: [日期], errors: "null"}}
  - {id: unique, module: deduplicate, params: {subset: [订单号]}}
  - {id: complete, module: drop_nulls, params: {subset: [城市]}}
  - {id: filled, module: fill_nulls, params: {values: {价格: 0}}}
  - {id: no_outliers, module: drop_outliers, params: {columns: [价格]}}
  - {id: checks, module: validate_rows, params: {rules: [{name: positive, condition: "数量 > 0"}]}}
  - {id: split, module: split_rows, params: {condition: "价格 > 100"}}
  - {id: again, module: union}
  - {id: first, module: limit_rows, params: {n: 1000}}
  - {id: some, module: sample_rows, params: {fraction: 0.9, seed: 1}}
  - {id: scaled, module: normalize, params: {columns: [价格]}}
  - {id: banded, module: bin_column, params: {column: 价格, bins: 4, as: 档}}
  - {id: renamed, module: rename_columns, params: {mapping: {城市: city}}}
  - {id: dropped, module: drop_columns, params: {columns: [订单号]}}
  - id: totals
    module: group_aggregate
    params: {by: [city, 档], aggregations: [{column: 价格, function: sum}, {function: size}]}
  - {id: save, module: write_csv, params: {path: out/everyday.csv}}
edges:
  - {from: load, to: both}
  - {from: load_again, to: both}
  - {from: both, to: text}
  - {from: text, to: typed}
  - {from: typed, to: dated}
  - {from: dated, to: unique}
  - {from: unique, to: complete}
  - {from: complete, to: filled}
  - {from: filled, to: no_outliers}
  - {from: no_outliers, to: checks}
  - {from: checks.valid, to: split}
  - {from: split.matched, to: again}
  - {from: split.unmatched, to: again}
  - {from: again, to: first}
  - {from: first, to: some}
  - {from: some, to: scaled}
  - {from: scaled, to: banded}
  - {from: banded, to: renamed}
  - {from: renamed, to: dropped}
  - {from: dropped, to: totals}
  - {from: totals, to: save}
"""


@pytest.fixture
def projection(workspace: Path, monkeypatch: pytest.MonkeyPatch):
    """Switch DATAOPS_PROJECTION for the next run."""

    def switch(mode: str) -> None:
        monkeypatch.setenv("DATAOPS_PROJECTION", mode)
        get_settings.cache_clear()

    return switch


def _outputs(workspace: Path, job: dg.JobDefinition) -> dict[str, bytes]:
    """Run the job and return every file its sinks wrote, by name."""
    out = workspace / "data" / "out"
    shutil.rmtree(out, ignore_errors=True)
    result = job.execute_in_process(resources=make_resources(get_settings()), raise_on_error=False)
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    return {str(p.relative_to(out)): p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("example", EXAMPLES)
def test_each_example_writes_the_same_bytes_with_projection_on_and_off(workspace, projection, example) -> None:
    (workspace / "data" / "inbox").mkdir(exist_ok=True)
    shutil.copy(workspace / "data" / "sales.csv", workspace / "data" / "inbox" / "example.csv")
    job = make_flowchart_job(load_flowchart(PROJECT / "flowcharts" / example))
    projection("on")
    with_projection = _outputs(workspace, job)
    projection("off")
    assert _outputs(workspace, job) == with_projection
    assert with_projection


def test_every_declared_module_keeps_its_output_with_projection(workspace, projection, monkeypatch) -> None:
    asked = _spy_on_csv_sources(monkeypatch)
    job = make_flowchart_job(parse_flowchart(EVERYDAY))
    projection("on")
    with_projection = _outputs(workspace, job)
    assert [sorted(columns) for columns in asked] == [sorted(["订单号", "城市", "价格", "数量", "日期"])] * 2
    projection("off")
    assert _outputs(workspace, job) == with_projection
    assert list(with_projection) == ["everyday.csv"]


def _spy_on_csv_sources(monkeypatch: pytest.MonkeyPatch) -> list[list[str] | None]:
    """The `columns` every CSV read is asked for, in order."""
    asked: list[list[str] | None] = []
    original = csv_adapter.CsvAdapter._read

    def spy(self, path, params, columns):
        asked.append(columns)
        return original(self, path, params, columns)

    monkeypatch.setattr(csv_adapter.CsvAdapter, "_read", spy)
    return asked


def test_the_source_and_the_hand_offs_read_fewer_columns(workspace, projection, monkeypatch) -> None:
    asked = _spy_on_csv_sources(monkeypatch)
    job = make_flowchart_job(load_flowchart(PROJECT / "flowcharts" / "sales_by_city.yaml"))
    projection("on")
    result = job.execute_in_process(resources=make_resources(get_settings()))
    all_columns = list(pd.read_csv(workspace / "data" / "sales.csv", encoding="gbk", nrows=1).columns)
    assert sorted(asked[0]) == sorted(["城市", "价格", "数量", "订单号"]) and len(all_columns) == 7
    loaded = [e.event_specific_data.metadata for e in result.all_events if e.event_type_value == "STEP_OUTPUT"]
    assert "4 of 5: 订单号, 城市, 价格, 金额" in [m["columns loaded"].value for m in loaded if "columns loaded" in m]
    projection("off")
    asked.clear()
    result = job.execute_in_process(resources=make_resources(get_settings()))
    assert asked == [None]
    loaded = [e.event_specific_data.metadata for e in result.all_events if e.event_type_value == "STEP_OUTPUT"]
    assert not [m for m in loaded if "columns loaded" in m]


@pytest.mark.parametrize(
    ("module", "params", "downstream", "needs"),
    [
        ("drop_columns", {"columns": ["a"]}, {"x"}, {"a", "x"}),
        ("rename_columns", {"mapping": {"a": "b"}}, {"b", "x"}, {"a", "x"}),
        ("cast_types", {"types": {"a": "int"}}, {"x"}, {"a", "x"}),
        ("limit_rows", {"n": 3}, {"x"}, {"x"}),
        ("sample_rows", {"n": 3}, {"x"}, {"x"}),
        ("split_rows", {"condition": "a > 1"}, {"x"}, {"a", "x"}),
        ("deduplicate", {"subset": ["a"]}, {"x"}, {"a", "x"}),
        ("deduplicate", {}, {"x"}, None),  # duplicates are whole rows: every column counts
        ("drop_nulls", {"subset": ["a"]}, {"x"}, {"a", "x"}),
        ("drop_nulls", {}, {"x"}, None),
        ("fill_nulls", {"values": {"a": 0}, "strategy": "forward", "columns": ["b"]}, {"x"}, {"a", "b", "x"}),
        ("union", {}, {"x"}, {"x"}),
        ("parse_dates", {"columns": ["a"]}, {"x"}, {"a", "x"}),
        ("normalize", {"columns": ["a"]}, {"x"}, {"a", "x"}),
        ("one_hot_encode", {"columns": ["a"]}, {"x"}, {"a", "x"}),
        ("bin_column", {"column": "a", "bins": 2}, {"a_bin", "x"}, {"a", "x"}),
        ("drop_outliers", {"columns": ["a"]}, {"x"}, {"a", "x"}),
        ("validate_rows", {"rules": [{"name": "r", "condition": "a > 0"}]}, {"broken_rules", "x"}, {"a", "x"}),
        ("string_transform", {"columns": ["a"], "operation": "strip"}, {"x"}, {"a", "x"}),
        ("describe", {}, {"x"}, None),
        ("sql_query", {"query": "SELECT a FROM data"}, {"a"}, None),
    ],
)
def test_module_needs(module: str, params: dict, downstream: set[str], needs: set[str] | None) -> None:
    spec = get_module(module)
    found = spec.input_needs(spec.params.model_validate(params), frozenset(downstream))
    assert found[spec.inputs[0].name] == (None if needs is None else frozenset(needs))
    assert spec.input_needs(spec.params.model_validate(params), None)[spec.inputs[0].name] is None


def _wide_csv(path: Path, rows: int, *, late: str | None = None) -> None:
    lines = ["a,b,c,d,e"] + [f"{i},{i * 2},x{i},{i % 7},y" for i in range(rows)]
    if late is not None:
        lines.append(late)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _read(path: Path, columns: list[str] | None) -> pd.DataFrame:
    from adapters.registry import adapter_for
    from adapters.source_params import ReadCsvParams
    from module_library.arrow_convert import arrow_to_pandas

    return arrow_to_pandas(adapter_for("csv").read(ReadCsvParams(path=path.name), root=path.parent, columns=columns))


def test_a_narrow_projection_streams_and_gives_the_threaded_readers_table(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(csv_adapter, "STREAM_BLOCK_BYTES", 1024)  # many blocks
    _wide_csv(tmp_path / "wide.csv", 3000)
    streamed = []
    original = csv_adapter._read_streaming
    monkeypatch.setattr(csv_adapter, "_read_streaming", lambda *a: streamed.append(1) or original(*a))
    narrow = _read(tmp_path / "wide.csv", ["b", "a"])
    assert streamed == [1]
    pd.testing.assert_frame_equal(narrow, _read(tmp_path / "wide.csv", None)[["a", "b"]])
    _read(tmp_path / "wide.csv", ["a", "b", "c"])  # three of five: the threaded reader
    assert streamed == [1]


@pytest.mark.parametrize("late", ["1.5,2,x,3,y", "4,5,x,6,", "7,,x,not a number,y"])
def test_a_type_that_changes_after_the_first_block_reads_as_the_threaded_reader_reads_it(
    tmp_path, monkeypatch, late
) -> None:
    monkeypatch.setattr(csv_adapter, "STREAM_BLOCK_BYTES", 1024)
    _wide_csv(tmp_path / "late.csv", 3000, late=late)
    narrow = _read(tmp_path / "late.csv", ["a", "d"])
    everything = _read(tmp_path / "late.csv", None)
    pd.testing.assert_frame_equal(narrow, everything[["a", "d"]])
    assert pa.types.is_floating(pa.array(narrow["a"]).type) == ("." in late.split(",")[0])


def test_each_side_of_a_join_is_projected_to_the_columns_it_has() -> None:
    from adapters.projection import projection
    from module_library.registry import get_module

    spec = get_module("join")
    params = spec.params.model_validate({"left_on": ["o_orderkey"], "right_on": ["l_orderkey"]})
    needs = spec.input_needs(params, frozenset({"o_orderdate", "l_extendedprice", "o_orderkey"}))
    orders = ["o_orderkey", "o_custkey", "o_orderdate", "o_comment"]
    lineitem = ["l_orderkey", "l_extendedprice", "l_discount", "l_comment"]
    assert projection(orders, needs["left"]) == ["o_orderkey", "o_orderdate"]
    assert projection(lineitem, needs["right"]) == ["l_orderkey", "l_extendedprice"]
    assert projection(lineitem[1:], needs["right"]) is None  # a missing key: everything, for the error's listing


PUSHED = """
name: pushed
nodes:
  - {id: lines, module: read_parquet, params: {path: lines.parquet}}
  - {id: recent, module: filter_rows, params: {condition: "day >= DATE '2026-01-01' + INTERVAL 10 DAY AND lower(城市) <> 'x'"}}
  - {id: save, module: write_parquet, params: {path: out/recent.parquet}}
edges: [{from: lines, to: recent}, {from: recent, to: save}]
"""


def test_a_filter_reading_a_parquet_source_alone_is_applied_while_scanning(workspace: Path) -> None:
    days = [datetime.date(2026, 1, 1) + datetime.timedelta(days=i % 40) for i in range(4000)]
    table = pa.table(
        {
            "day": pa.array(days),
            "price": pa.array([decimal.Decimal(i) / 100 for i in range(4000)], pa.decimal128(15, 2)),
            "城市": pa.array(["北京", "X", "上海很长很长的名字超过十二字节"] * 1333 + ["北京"]).cast(pa.string_view()),
        }
    )
    pa.parquet.write_table(table, workspace / "data" / "lines.parquet", row_group_size=500)
    result = make_flowchart_job(parse_flowchart(PUSHED)).execute_in_process(resources=make_resources(get_settings()))
    assert result.success
    written = pa.parquet.read_table(workspace / "data" / "out" / "recent.parquet")
    wanted = pa.compute.and_(
        pa.compute.greater_equal(table["day"], pa.scalar(datetime.date(2026, 1, 11))),
        pa.compute.not_equal(table["城市"].cast(pa.string()), "X"),
    )
    expected = keep(table, wanted)  # pyarrow cannot filter string views itself
    assert written.schema == table.schema and written.equals(expected)
    handled = {e.step_key: e.event_specific_data.metadata for e in result.all_events if e.event_type_value == "STEP_OUTPUT"}
    assert handled["pushed__flowchart.pushed__lines"]["filter pushed down"].value == (
        f"{int(sum(d >= datetime.date(2026, 1, 11) for d in days)):,} of 4,000 rows read: node `recent` applied "
        "`day >= DATE '2026-01-11'` while this file was scanned"
    )
    assert handled["pushed__flowchart.pushed__recent"]["filter pushed down"].value.startswith("`day >= DATE '2026-01-11'` was applied while `lines`")
    stored = {e.step_key: e.event_specific_data.metadata for e in result.all_events if e.event_type_value == "HANDLED_OUTPUT"}
    assert stored["pushed__flowchart.pushed__recent"]["dagster/row_count"].value == expected.num_rows


def test_a_filter_reading_an_arrow_file_alone_is_applied_while_scanning(workspace: Path) -> None:
    table = pa.table({"n": pa.array(range(1000)), "名": pa.array([f"v{i}" for i in range(1000)]).cast(pa.string_view())})
    pa.feather.write_feather(table, workspace / "data" / "n.arrow", chunksize=100)
    flowchart = parse_flowchart(
        """
name: arrow_pushed
nodes:
  - {id: load, module: read_arrow, params: {path: n.arrow}}
  - {id: big, module: filter_rows, params: {condition: "n >= 900 AND n % 2 = 0"}}
  - {id: save, module: write_parquet, params: {path: out/big.parquet}}
edges: [{from: load, to: big}, {from: big, to: save}]
"""
    )
    result = make_flowchart_job(flowchart).execute_in_process(resources=make_resources(get_settings()))
    assert result.success
    written = pa.parquet.read_table(workspace / "data" / "out" / "big.parquet")
    assert written.schema == table.schema and written["n"].to_pylist() == list(range(900, 1000, 2))
    outputs = {e.step_key: e.event_specific_data.metadata for e in result.all_events if e.event_type_value == "STEP_OUTPUT"}
    assert outputs["arrow_pushed__flowchart.arrow_pushed__load"]["filter pushed down"].value.startswith("100 of 1,000 rows read")
