"""Reshape modules: pivot and unpivot against pandas references."""

from __future__ import annotations

from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from pandas.testing import assert_frame_equal

from dataops.errors import ModuleError
from module_library.registry import get_module
from tests.module_library.builtin.typed import TYPED, moment, result
from tests.support.modules import param_error, run_module

LONG = pd.DataFrame(
    {
        "城市": ["北京", "北京", "上海", "上海", "北京", None],
        "产品": ["茶叶", "丝绸", "茶叶", None, "茶叶", "丝绸"],
        "金额": [10.0, 20.0, 30.0, 40.0, 5.0, 7.0],
        "备注": ["a", "b", "c", "d", "e", "f"],
    }
)


def test_pivot_sums_into_sorted_value_columns() -> None:
    out = run_module("pivot", {"index": ["城市"], "columns": "产品", "values": "金额"}, data=LONG)
    reference = (
        LONG.dropna(subset=["产品"])
        .pivot_table(index="城市", columns="产品", values="金额", aggfunc="sum", dropna=False, sort=True)
        .reset_index()
    )
    reference.columns.name = None
    expected = pd.DataFrame(
        {"城市": ["上海", "北京", np.nan], "丝绸": [np.nan, 20.0, 7.0], "茶叶": [30.0, 15.0, np.nan]}
    ).astype({"城市": "str"})
    assert_frame_equal(out, expected)
    assert_frame_equal(out, reference)


def test_pivot_count_fills_missing_cells_with_zero() -> None:
    out = run_module(
        "pivot", {"index": ["城市"], "columns": "产品", "values": "金额", "aggregation": "count"}, data=LONG
    )
    assert out["丝绸"].tolist() == [0, 1, 1] and out["茶叶"].tolist() == [1, 2, 0]


def test_pivot_integer_values_stay_integer_with_null_gaps() -> None:
    data = pd.DataFrame({"k": ["a", "a", "b"], "p": [2026, 2025, 2026], "v": [1, 2, 3]})
    out = run_module("pivot", {"index": ["k"], "columns": "p", "values": "v", "aggregation": "max"}, data=data)
    expected = pd.DataFrame({"k": ["a", "b"], "2025": pd.array([2, None], dtype="Int64"), "2026": [1, 3]})
    assert_frame_equal(out, expected.astype({"2026": "Int64"}))


def test_pivot_sums_integers_per_cell_as_int64() -> None:
    data = pd.DataFrame({"k": ["a", "a", "b", "a"], "p": ["x", "y", "x", "x"], "v": [1, 2, 3, 4]})
    out = run_module("pivot", {"index": ["k"], "columns": "p", "values": "v"}, data=data)
    expected = pd.DataFrame({"k": ["a", "b"], "x": [5, 3], "y": pd.array([2, None], dtype="Int64")})
    assert_frame_equal(out, expected.astype({"x": "Int64"}))


def test_pivot_empty_input_gives_the_index_columns() -> None:
    out = run_module("pivot", {"index": ["城市"], "columns": "产品", "values": "金额"}, data=LONG.iloc[:0])
    assert_frame_equal(out, LONG[["城市"]].iloc[:0])


def test_pivot_reads_only_its_columns() -> None:
    spec = get_module("pivot")
    params = spec.params.model_validate({"index": ["城市"], "columns": "产品", "values": "金额"})
    assert spec.columns_read(params) == {"data": ["城市", "产品", "金额"]}


def test_pivot_errors() -> None:
    with pytest.raises(ModuleError, match=r"^values: unknown column '金' .*did you mean '金额'\?$"):
        run_module("pivot", {"index": ["城市"], "columns": "产品", "values": "金"}, data=LONG)
    with pytest.raises(ModuleError, match=r"^aggregation: cannot mean '备注'"):
        run_module("pivot", {"index": ["城市"], "columns": "产品", "values": "备注", "aggregation": "mean"}, data=LONG)
    clash = LONG.assign(产品=["城市"] * 6)
    with pytest.raises(
        ModuleError, match="the value '城市' of '产品' would become a column named like an index column"
    ):
        run_module("pivot", {"index": ["城市"], "columns": "产品", "values": "金额"}, data=clash)
    assert "checks › node_1 › params: '城市' has two roles" in param_error(
        "pivot", {"index": ["城市"], "columns": "城市", "values": "金额"}
    )
    assert "checks › node_1 › params.aggregation: input should be 'sum', 'mean'" in param_error(
        "pivot", {"index": ["城市"], "columns": "产品", "values": "金额", "aggregation": "total"}
    )


WIDE = pd.DataFrame({"城市": ["北京", "上海"], "一月": [1.0, np.nan], "二月": [3.0, 4.0]})


def test_unpivot_matches_melt() -> None:
    out = run_module("unpivot", {"id_columns": ["城市"]}, data=WIDE)
    assert_frame_equal(out, WIDE.melt(id_vars=["城市"], var_name="variable", value_name="value"))


def test_unpivot_chosen_columns_and_names() -> None:
    params = {"id_columns": ["城市"], "value_columns": ["二月"], "variable_name": "月份", "value_name": "销量"}
    out = run_module("unpivot", params, data=WIDE)
    expected = pd.DataFrame({"城市": ["北京", "上海"], "月份": ["二月", "二月"], "销量": [3.0, 4.0]})
    assert_frame_equal(out, expected)
    spec = get_module("unpivot")
    assert spec.columns_read(spec.params.model_validate(params)) == {"data": ["城市", "二月"]}


def test_unpivot_mixed_types_become_text() -> None:
    data = pd.DataFrame({"id": [1, 2], "n": [5, None], "s": ["x", "y"]})
    out = run_module("unpivot", {"id_columns": ["id"]}, data=data)
    expected = pd.Series(["5.0", np.nan, "x", "y"], dtype="str", name="value")
    assert_frame_equal(out[["value"]], expected.to_frame())


def test_unpivot_empty_input_and_errors() -> None:
    out = run_module("unpivot", {"id_columns": ["城市"]}, data=WIDE.iloc[:0])
    assert list(out.columns) == ["城市", "variable", "value"] and out.empty
    with pytest.raises(ModuleError, match=r"^id_columns: unknown column '城' .*did you mean '城市'\?$"):
        run_module("unpivot", {"id_columns": ["城"]}, data=WIDE)
    assert "checks › node_1 › params: '城市' is an id column" in param_error(
        "unpivot", {"id_columns": ["城市"], "value_name": "城市"}
    )


# Typed data (tests/module_library/builtin/typed.py)


def test_pivot_typed_index_and_decimal_cells() -> None:
    out = result("pivot", {"index": ["名称"], "columns": "类别", "values": "金额"})
    assert out.schema == pa.schema(
        [("名称", pa.string_view()), ("a", pa.decimal128(38, 2)), ("b", pa.decimal128(38, 2))]
    )
    assert out.to_pylist() == [
        {"名称": "乙", "a": None, "b": Decimal("0.01")},
        {"名称": "甲", "a": Decimal("100840.04"), "b": None},
        {"名称": None, "a": None, "b": None},
    ]
    by_date = result("pivot", {"index": ["日期"], "columns": "名称", "values": "时间", "aggregation": "max"})
    assert by_date.column_names == ["日期", "乙", "甲"] and by_date.schema.field("日期").type == pa.date32()
    assert by_date.column("甲").to_pylist() == [moment(1, 8), None]


def test_unpivot_keeps_types_of_like_columns() -> None:
    out = result("unpivot", {"id_columns": ["名称", "时间"], "value_columns": ["日期"], "variable_name": "列"})
    assert out.schema == pa.schema(
        [
            ("名称", pa.string_view()),
            ("时间", TYPED.schema.field("时间").type),
            ("列", pa.string()),
            ("value", pa.date32()),
        ]
    )
    assert out.column("value").to_pylist() == TYPED.column("日期").to_pylist()
    numbers = result("unpivot", {"id_columns": ["名称"], "value_columns": ["金额", "n"]})
    assert numbers.schema.field("value").type == pa.decimal128(38, 2)  # integers and decimals: a decimal
    assert numbers.column("value").to_pylist()[3:5] == [Decimal("5.50"), Decimal("1.00")]
    mixed = result("unpivot", {"id_columns": ["n"], "value_columns": ["价格", "类别"]})
    assert mixed.column("value").to_pylist() == ["1.5", None, None, "4.0", "a", "b", "a", None]
