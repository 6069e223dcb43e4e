"""Every Arrow module over a table of each type: decimals, dates, zoned timestamps, string views,
dictionaries, lists, structs, Chinese names and nulls pass through untouched and keep their type."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pyarrow as pa
import pytest

from module_library.registry import get_module
from tests.support.modules import discover  # noqa: F401  (registers the built-ins)

ZONE = "Asia/Shanghai"
TYPED = pa.table(
    {
        "金额": pa.array([Decimal("100840.04"), Decimal("0.01"), None, Decimal("5.50")], pa.decimal128(15, 2)),
        "日期": pa.array([datetime.date(1994, 1, 1), None, datetime.date(1995, 6, 30), datetime.date(1994, 1, 1)]),
        "时间": pa.array([datetime.datetime(2026, 1, 1, 8), None, datetime.datetime(2026, 1, 2), None], pa.timestamp("us", ZONE)),
        "名称": pa.array(["甲", "乙", None, "甲"], pa.string_view()),
        "类别": pa.array(["a", "b", "a", None]).dictionary_encode(),
        "列表": pa.array([[1, 2], None, [], [3]]),
        "结构": pa.array([{"x": 1}, {"x": None}, None, {"x": 4}]),
        "n": pa.array([1, 2, 3, 4], pa.int64()),
    }
)


def run(name: str, params: dict, **inputs: pa.Table) -> dict[str, pa.Table]:
    spec = get_module(name)
    return spec.run(inputs, spec.params.model_validate(params))


def assert_types_kept(table: pa.Table, columns: list[str] | None = None) -> None:
    for name in columns or table.column_names:
        if name in TYPED.column_names:
            assert table.schema.field(name).type == TYPED.schema.field(name).type, name


@pytest.mark.parametrize(
    ("module", "params", "rows"),
    [
        ("filter_rows", {"condition": "日期 >= DATE '1994-01-01' AND 金额 > 1"}, 2),
        ("sort_rows", {"by": ["金额"], "descending": True}, 4),
        ("sort_rows", {"by": ["名称", "日期", "类别"]}, 4),
        ("limit_rows", {"n": 2}, 2),
        ("sample_rows", {"n": 3}, 3),
        ("select_columns", {"columns": ["结构", "金额", "名称", "类别", "列表", "时间"]}, 4),
        ("drop_columns", {"columns": ["n"]}, 4),
        ("derive_column", {"name": "净额", "expression": "金额 * (1 - 0.05)"}, 4),
        ("deduplicate", {"subset": ["日期"]}, 3),
        ("drop_nulls", {"subset": ["金额"]}, 3),
        ("window", {"partition_by": ["名称"], "order_by": ["n"], "functions": [{"function": "row_number", "as": "rn"}]}, 4),
    ],
)
def test_untouched_columns_keep_their_types(module: str, params: dict, rows: int) -> None:
    out = run(module, params, data=TYPED)["result"]
    assert out.num_rows == rows
    assert_types_kept(out)


def test_split_and_union_keep_every_type() -> None:
    parts = run("split_rows", {"condition": "名称 = '甲'"}, data=TYPED)
    assert [parts["matched"].num_rows, parts["unmatched"].num_rows] == [2, 2]
    both = run("union", {}, data=[parts["matched"], parts["unmatched"]])["result"]
    assert both.num_rows == 4 and both.schema == TYPED.schema


def test_rename_keeps_types() -> None:
    out = run("rename_columns", {"mapping": {"金额": "amount"}}, data=TYPED)["result"]
    assert out.schema.field("amount").type == pa.decimal128(15, 2)
    assert_types_kept(out)


def test_decimal_arithmetic_never_overflows_and_sums_are_exact() -> None:
    derived = run("derive_column", {"name": "v", "expression": "金额 * (1 - 金额)"}, data=TYPED)["result"]
    assert pa.types.is_decimal(derived.schema.field("v").type)
    total = run(
        "group_aggregate",
        {"aggregations": [{"column": "金额", "function": "sum", "as": "s"}, {"function": "size", "as": "rows"}]},
        data=TYPED,
    )["result"]
    assert total.schema.field("s").type == pa.decimal128(38, 2)
    assert total.to_pylist() == [{"s": Decimal("100845.55"), "rows": 4}]


def test_group_keys_keep_their_types_and_null_groups_come_last() -> None:
    out = run(
        "group_aggregate",
        {"by": ["名称", "类别"], "aggregations": [{"column": "金额", "function": "sum"}]},
        data=TYPED,
    )["result"]
    assert_types_kept(out, ["名称", "类别"])
    assert out.column("名称").to_pylist() == ["乙", "甲", "甲", None]


def test_join_keeps_types_and_both_keys() -> None:
    right = pa.table({"key": pa.array(["甲", "乙"], pa.string_view()), "区": ["东", "西"]})
    out = run("join", {"how": "left", "left_on": ["名称"], "right_on": ["key"]}, left=TYPED, right=right)["result"]
    assert out.column_names == [*TYPED.column_names, "key", "区"]
    assert out.column("区").to_pylist() == ["东", "西", None, "东"]
    assert_types_kept(out)
    assert out.schema.field("key").type == pa.string_view()


def test_timestamps_keep_their_zone_through_duckdb() -> None:
    out = run("deduplicate", {}, data=TYPED)["result"]
    assert out.schema.field("时间").type == pa.timestamp("us", ZONE)
