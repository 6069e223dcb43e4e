"""window: ranks, lag/lead and running totals per partition, rows in input order."""

from __future__ import annotations

from decimal import Decimal

import pandas as pd
import pyarrow as pa
import pytest
from pandas.testing import assert_frame_equal

from dataops.errors import ModuleError
from tests.module_library.builtin.typed import TYPED, moment, result
from tests.support.modules import param_error, run_module

DATA = pd.DataFrame({"店": ["甲", "甲", "乙", "甲", "乙"], "v": [3, 1, 2, 3, 5]})


def test_window_functions_match_pandas() -> None:
    functions = [
        {"function": "row_number", "as": "rn"},
        {"function": "rank", "as": "rk"},
        {"function": "dense_rank", "as": "dr"},
        {"function": "lag", "column": "v", "as": "prev"},
        {"function": "lead", "column": "v", "as": "next", "offset": 1},
        {"function": "cumsum", "column": "v", "as": "cs"},
        {"function": "cummean", "column": "v", "as": "cm"},
    ]
    out = run_module("window", {"partition_by": ["店"], "order_by": ["v"], "functions": functions}, data=DATA)
    ordered = DATA.sort_values(["店", "v"], kind="stable")
    group = ordered.groupby("店")
    expected = DATA.assign(
        rn=(group.cumcount() + 1).reindex(DATA.index),
        rk=group["v"].rank(method="min").astype("int64").reindex(DATA.index),
        dr=group["v"].rank(method="dense").astype("int64").reindex(DATA.index),
        prev=group["v"].shift(1).astype("Int64").reindex(DATA.index),
        next=group["v"].shift(-1).astype("Int64").reindex(DATA.index),
        cs=group["v"].cumsum().reindex(DATA.index),
        cm=group["v"].expanding().mean().droplevel(0).reindex(DATA.index),
    )
    assert_frame_equal(out, expected, check_dtype=False)


def test_top_n_per_group_descending_and_empty_input() -> None:
    params = {"partition_by": ["店"], "order_by": ["v"], "descending": True, "functions": [{"function": "row_number", "as": "rn"}]}
    assert run_module("window", params, data=DATA)["rn"].tolist() == [1, 3, 2, 2, 1]  # ties in row order
    assert run_module("window", params, data=DATA.iloc[:0]).columns.tolist() == ["店", "v", "rn"]


def test_window_errors() -> None:
    assert "'lag' needs a column" in param_error("window", {"functions": [{"function": "lag", "as": "x"}]})
    with pytest.raises(ModuleError, match=r"order_by: unknown column 'w' \(available: 店, v\)"):
        run_module("window", {"order_by": ["w"], "functions": [{"function": "rank", "as": "r"}]}, data=DATA)


# Typed data (tests/module_library/builtin/typed.py)


def test_window_over_typed_columns() -> None:
    functions = [
        {"function": "row_number", "as": "序"},
        {"function": "lag", "column": "金额", "as": "上"},
        {"function": "lead", "column": "时间", "as": "下"},
        {"function": "cumsum", "column": "金额", "as": "累计"},
        {"function": "dense_rank", "as": "名次"},
    ]
    out = result("window", {"partition_by": ["类别"], "order_by": ["日期"], "descending": True, "functions": functions})
    assert out.select(TYPED.column_names).schema == TYPED.schema  # the input's columns and rows, untouched
    assert out.column("n").to_pylist() == [1, 2, 3, 4]
    types = {f.name: f.type for f in out.schema}
    assert types["上"] == pa.decimal128(15, 2) and types["下"] == TYPED.schema.field("时间").type
    assert types["累计"] == pa.decimal128(38, 2) and types["序"] == types["名次"] == pa.int64()
    # 类别 a holds rows 1 and 3; ordered by 日期 descending: row 3 (1995) first, then row 1
    assert out.column("序").to_pylist() == [2, 1, 1, 1]
    assert out.column("上").to_pylist() == [None, None, None, None]
    assert out.column("累计").to_pylist() == [Decimal("100840.04"), Decimal("0.01"), None, Decimal("5.50")]
    assert out.column("下").to_pylist() == [None, None, moment(1, 8), None]
