"""Cleaning modules: deduplicate, drop_nulls, fill_nulls against pandas references."""

from __future__ import annotations

import datetime
from decimal import Decimal

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from dataops.errors import ModuleError
from tests.module_library.builtin.typed import TYPED, moment, result
from tests.support.modules import param_error, run_module

DATA = pd.DataFrame(
    {
        "城市": ["北京", "北京", None, None, "上海", "北京"],
        "价格": [1.0, 1.0, np.nan, np.nan, 3.0, 2.0],
        "数量": pd.array([1, 1, None, None, 5, 6], dtype="Int64"),
    }
)


@pytest.mark.parametrize("keep", ["first", "last"])
@pytest.mark.parametrize("subset", [None, ["城市"]])
def test_deduplicate_matches_pandas(keep, subset) -> None:
    params = {"keep": keep} | ({"subset": subset} if subset else {})
    out = run_module("deduplicate", params, data=DATA)
    assert_frame_equal(out, DATA.drop_duplicates(subset=subset, keep=keep).reset_index(drop=True))


def test_deduplicate_nulls_count_as_equal_and_empty_input() -> None:
    assert len(run_module("deduplicate", {}, data=DATA)) == 4
    assert_frame_equal(run_module("deduplicate", {}, data=DATA.iloc[:0]), DATA.iloc[:0])


def test_deduplicate_errors() -> None:
    with pytest.raises(ModuleError, match=r"^subset: unknown column '城' .*did you mean '城市'\?$"):
        run_module("deduplicate", {"subset": ["城"]}, data=DATA)
    assert "checks › node_1 › params.keep: input should be 'first' or 'last' (got 'none')" in param_error(
        "deduplicate", {"keep": "none"}
    )


@settings(max_examples=60, deadline=None)
@given(
    records=st.lists(st.tuples(st.sampled_from(["a", "b", None]), st.integers(0, 2)), max_size=25),
    keep=st.sampled_from(["first", "last"]),
)
def test_deduplicate_leaves_distinct_rows_in_input_order(records, keep) -> None:
    data = pd.DataFrame(records, columns=["城市", "n"]).astype({"城市": "str", "n": "int64"})
    out = run_module("deduplicate", {"keep": keep}, data=data)
    assert not out.duplicated().any()
    assert set(map(tuple, out.astype(object).where(out.notna(), None).values)) == set(
        map(tuple, data.astype(object).where(data.notna(), None).values)
    )
    positions = [
        (data.index[(data["城市"].fillna("∅") == c) & (data["n"] == n)])[0 if keep == "first" else -1]
        for c, n in zip(out["城市"].fillna("∅"), out["n"], strict=True)
    ]
    assert positions == sorted(positions)


@pytest.mark.parametrize("how", ["any", "all"])
def test_drop_nulls_matches_pandas(how) -> None:
    out = run_module("drop_nulls", {"how": how}, data=DATA)
    assert_frame_equal(out, DATA.dropna(how=how).reset_index(drop=True))
    out = run_module("drop_nulls", {"subset": ["城市"], "how": how}, data=DATA)
    assert_frame_equal(out, DATA.dropna(subset=["城市"], how=how).reset_index(drop=True))


def test_drop_nulls_keeps_empty_text_and_handles_empty_input() -> None:
    data = pd.DataFrame({"a": ["", None]})
    assert_frame_equal(run_module("drop_nulls", {}, data=data), pd.DataFrame({"a": [""]}))
    assert_frame_equal(run_module("drop_nulls", {}, data=DATA.iloc[:0]), DATA.iloc[:0])


def test_drop_nulls_errors() -> None:
    with pytest.raises(ModuleError, match=r"^subset: unknown column 'x'"):
        run_module("drop_nulls", {"subset": ["x"]}, data=DATA)
    assert "checks › node_1 › params.how: input should be 'any' or 'all'" in param_error("drop_nulls", {"how": "some"})


def test_fill_nulls_values() -> None:
    out = run_module("fill_nulls", {"values": {"城市": "未知", "数量": 0}}, data=DATA)
    assert_frame_equal(out, DATA.fillna({"城市": "未知", "数量": 0}))


@pytest.mark.parametrize("strategy", ["forward", "backward"])
def test_fill_nulls_forward_backward(strategy) -> None:
    out = run_module("fill_nulls", {"strategy": strategy, "columns": ["城市", "价格"]}, data=DATA)
    method = "ffill" if strategy == "forward" else "bfill"
    expected = DATA.assign(城市=getattr(DATA["城市"], method)(), 价格=getattr(DATA["价格"], method)())
    assert_frame_equal(out, expected)


def test_fill_nulls_mean_median_mode() -> None:
    out = run_module("fill_nulls", {"strategy": "mean", "columns": ["价格", "数量"]}, data=DATA)
    expected = DATA.assign(
        价格=DATA["价格"].fillna(DATA["价格"].mean()),
        数量=DATA["数量"].astype("float64").fillna(DATA["数量"].astype("float64").mean()),
    )
    assert_frame_equal(out, expected)
    out = run_module("fill_nulls", {"strategy": "median", "columns": ["价格"]}, data=DATA)
    assert_frame_equal(out, DATA.assign(价格=DATA["价格"].fillna(1.5)))
    out = run_module("fill_nulls", {"strategy": "mode", "columns": ["城市"]}, data=DATA)
    assert_frame_equal(out, DATA.assign(城市=DATA["城市"].fillna("北京")))


def test_fill_nulls_values_then_strategy_and_empty_input() -> None:
    out = run_module("fill_nulls", {"values": {"城市": "?"}, "strategy": "mode", "columns": ["城市"]}, data=DATA)
    assert out["城市"].tolist() == ["北京", "北京", "?", "?", "上海", "北京"]
    empty = run_module("fill_nulls", {"strategy": "mean", "columns": ["价格"]}, data=DATA.iloc[:0])
    assert_frame_equal(empty, DATA.iloc[:0].astype({"价格": "float64"}))


def test_fill_nulls_errors() -> None:
    with pytest.raises(ModuleError, match=r"^columns: column '城市' holds str values; mean needs numbers"):
        run_module("fill_nulls", {"strategy": "mean", "columns": ["城市"]}, data=DATA)
    with pytest.raises(ModuleError, match=r"^values: column '数量' \(Int64\) cannot hold 'many'"):
        run_module("fill_nulls", {"values": {"数量": "many"}}, data=DATA)
    with pytest.raises(ModuleError, match=r"^values: unknown column '城' .*did you mean '城市'\?$"):
        run_module("fill_nulls", {"values": {"城": "x"}}, data=DATA)
    assert "checks › node_1 › params: give 'values', or 'strategy' with 'columns'" in param_error("fill_nulls", {})
    assert "checks › node_1 › params: 'strategy' and 'columns' go together" in param_error(
        "fill_nulls", {"strategy": "mean"}
    )
    assert "checks › node_1 › params.strategy: input should be 'forward', 'backward', 'mean'" in param_error(
        "fill_nulls", {"strategy": "zero", "columns": ["a"]}
    )


# Typed data (tests/module_library/builtin/typed.py)


def test_deduplicate_and_drop_nulls_over_typed_columns() -> None:
    out = result("deduplicate", {"subset": ["日期"]})
    assert out.schema == TYPED.schema and out.column("n").to_pylist() == [1, 2, 3]
    whole_rows = result("deduplicate", {})
    assert whole_rows.schema == TYPED.schema and whole_rows.num_rows == 4  # lists and structs compared too
    kept = result("drop_nulls", {"subset": ["金额", "价格"]})
    assert kept.schema == TYPED.schema and kept.column("n").to_pylist() == [1, 4]  # NaN counts as null
    assert result("drop_nulls", {"subset": ["列表", "结构"], "how": "all"}).column("n").to_pylist() == [1, 2, 3, 4]


def test_fill_nulls_values_keep_every_type() -> None:
    values = {
        "金额": 0,
        "日期": "2026-01-01",
        "名称": "无",
        "类别": "新",
        "时间": "2026-01-03 00:00:00+08:00",
        "价格": 0.5,
    }
    out = result("fill_nulls", {"values": values})
    assert out.schema == TYPED.schema
    assert out.column("金额").to_pylist()[2] == Decimal("0.00")
    assert out.column("日期").to_pylist()[1] == datetime.date(2026, 1, 1)
    assert out.column("名称").to_pylist() == ["甲", "乙", "无", "甲"]
    assert out.column("类别").to_pylist() == ["a", "b", "a", "新"]
    assert out.column("时间").to_pylist()[1] == moment(2, 16)  # 2026-01-03 00:00 in Shanghai
    assert out.column("价格").to_pylist() == [1.5, 0.5, 0.5, 4.0]


def test_fill_nulls_strategies_over_typed_columns() -> None:
    columns = ["金额", "日期", "时间", "名称", "类别", "列表", "结构"]
    forward = result("fill_nulls", {"strategy": "forward", "columns": columns})
    assert forward.schema == TYPED.schema
    assert forward.slice(2, 1).to_pylist()[0] | {"价格": None} == {
        "金额": Decimal("0.01"),
        "日期": datetime.date(1995, 6, 30),
        "时间": moment(2),
        "名称": "乙",
        "类别": "a",
        "列表": [],
        "结构": {"x": None},
        "n": 3,
        "价格": None,
    }
    backward = result("fill_nulls", {"strategy": "backward", "columns": ["时间", "列表"]})
    assert backward.column("时间").to_pylist() == [moment(1, 8), moment(2), moment(2), None]
    assert backward.column("列表").to_pylist() == [[1, 2], [], [], [3]]
    mode = result("fill_nulls", {"strategy": "mode", "columns": ["名称", "日期", "类别"]})
    assert mode.schema == TYPED.schema
    assert [mode.column(c).to_pylist()[i] for c, i in [("名称", 2), ("日期", 1), ("类别", 3)]] == [
        "甲",
        datetime.date(1994, 1, 1),
        "a",
    ]
    mean = result("fill_nulls", {"strategy": "mean", "columns": ["金额"]})
    assert mean.schema.field("金额").type == pa.float64()  # a mean is rarely whole: numbers become float
    assert mean.column("金额").to_pylist()[2] == pytest.approx((100840.04 + 0.01 + 5.5) / 3)


def test_fill_nulls_refuses_values_of_another_type() -> None:
    with pytest.raises(
        ModuleError, match=r"^values: column '金额' \(decimal128\(15, 2\)\[pyarrow\]\) cannot hold 1.555"
    ):
        result("fill_nulls", {"values": {"金额": 1.555}})
    with pytest.raises(ModuleError, match=r"^values: column '名称' \(str\) cannot hold 0"):
        result("fill_nulls", {"values": {"名称": 0}})
