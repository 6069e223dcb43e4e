"""group_aggregate over typed data: SQL's result types (exact decimal sums), keys and picked values
keep their types, null keys form the last group, no `by` gives one grand-total row."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pyarrow as pa
import pytest

from dataops.errors import ModuleError
from module_library.registry import get_module
from tests.module_library.builtin.typed import TYPED, assert_types_kept, moment, result
from tests.support.modules import param_error


def test_grand_total_sums_decimals_exactly() -> None:
    total = result(
        "group_aggregate",
        {"aggregations": [{"column": "金额", "function": "sum", "as": "s"}, {"function": "size", "as": "rows"}]},
    )
    assert total.schema == pa.schema([("s", pa.decimal128(38, 2)), ("rows", pa.int64())])
    assert total.to_pylist() == [{"s": Decimal("100845.55"), "rows": 4}]


def test_group_keys_keep_their_types_and_null_groups_come_last() -> None:
    out = result("group_aggregate", {"by": ["名称", "类别"], "aggregations": [{"column": "金额", "function": "sum"}]})
    assert_types_kept(out, ["名称", "类别"])
    assert out.column("名称").to_pylist() == ["乙", "甲", "甲", None]
    assert out.column("类别").to_pylist() == ["b", "a", None, "a"]
    assert out.column("金额_sum").to_pylist() == [Decimal("0.01"), Decimal("100840.04"), Decimal("5.50"), None]


def test_each_function_over_typed_columns() -> None:
    aggregations = [
        {"column": "日期", "function": "min", "as": "最早"},
        {"column": "时间", "function": "max", "as": "最晚"},
        {"column": "名称", "function": "first", "as": "首"},
        {"column": "列表", "function": "last", "as": "末"},
        {"column": "金额", "function": "mean", "as": "均"},
        {"column": "类别", "function": "count_distinct", "as": "种"},
        {"column": "结构", "function": "count", "as": "数"},
        {"column": "n", "function": "sum", "as": "和"},
        {"column": "价格", "function": "median", "as": "中"},
    ]
    out = result("group_aggregate", {"by": ["日期"], "aggregations": aggregations})
    types = {f.name: f.type for f in out.schema}
    assert types["日期"] == types["最早"] == pa.date32()
    assert types["最晚"] == TYPED.schema.field("时间").type and types["首"] == pa.string_view()
    assert types["末"] == pa.list_(pa.int64()) and types["均"] == pa.float64()
    assert types["种"] == types["数"] == types["和"] == pa.int64()
    rows = out.to_pylist()
    assert [r["日期"] for r in rows] == [datetime.date(1994, 1, 1), datetime.date(1995, 6, 30), None]
    first = rows[0]
    assert (first["最晚"], first["首"], first["末"], first["和"], first["种"], first["数"]) == (
        moment(1, 8),
        "甲",
        [3],
        5,
        1,
        2,
    )
    assert first["均"] == pytest.approx((100840.04 + 5.5) / 2) and first["中"] == pytest.approx(2.75)


def test_errors_name_the_field() -> None:
    with pytest.raises(ModuleError, match=r"^by: unknown column '名' .*did you mean '名称'\?$"):
        result("group_aggregate", {"by": ["名"], "aggregations": [{"function": "size"}]})
    assert "checks › node_1 › params: output column names repeat: size" in param_error(
        "group_aggregate", {"aggregations": [{"function": "size"}, {"function": "size"}]}
    )


def test_aggregate_an_expression_without_deriving_a_column() -> None:
    """TPC-H Q1's sums of l_extendedprice * (1 - l_discount) in one node: exact decimals, SQL's types."""
    params = {
        "by": ["名称"],
        "aggregations": [
            {"expression": "金额 * (1 - 0.05)", "function": "sum", "as": "净额"},
            {"expression": "CASE WHEN 类别 = 'a' THEN 1 ELSE 0 END", "function": "sum", "as": "a_rows"},
        ],
    }
    out = result("group_aggregate", params)
    assert pa.types.is_decimal(out.schema.field("净额").type)
    assert out.column("净额").to_pylist() == [Decimal("0.0095"), Decimal("95803.2630"), None]
    assert out.column("a_rows").to_pylist() == [0, 1, 1]
    spec = get_module("group_aggregate")
    assert spec.columns_read(spec.params.model_validate(params)) == {"data": ["名称", "金额", "类别"]}


def test_aggregated_expressions_are_checked_when_the_flowchart_is_read() -> None:
    def error(aggregation: dict) -> str:
        return param_error("group_aggregate", {"aggregations": [aggregation]})

    assert "an aggregated 'expression' needs 'as'" in error({"expression": "a * 2", "function": "sum"})
    assert "give 'column' or 'expression', not both" in error(
        {"column": "a", "expression": "a", "function": "sum", "as": "x"}
    )
    assert "only one expression is allowed (found ';')" in error(
        {"expression": "1; DROP TABLE t", "function": "sum", "as": "x"}
    )
    with pytest.raises(ModuleError, match=r"^aggregations: unknown column '金' .*did you mean '金额'\?$"):
        result("group_aggregate", {"aggregations": [{"expression": "金 * 2", "function": "sum", "as": "x"}]})
