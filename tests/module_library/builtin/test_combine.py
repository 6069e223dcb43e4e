"""Combine modules: union (fan-in) against pandas references and as a property."""

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

from module_library.registry import get_module
from tests.module_library.builtin.typed import TYPED, assert_types_kept, run
from tests.support.modules import run_module

NORTH = pd.DataFrame({"城市": ["北京", "天津"], "价格": [1.5, np.nan], "数量": [1, 2]})
SOUTH = pd.DataFrame({"价格": [3.0], "城市": ["广州"], "备注": ["新"]})


def test_union_takes_any_number_of_edges() -> None:
    port = get_module("union").input("data")
    assert port is not None and port.many and not port.optional


def test_union_aligns_columns_by_name_in_edge_order() -> None:
    out = run_module("union", {}, data=[NORTH, SOUTH])
    expected = pd.DataFrame(
        {
            "城市": ["北京", "天津", "广州"],
            "价格": [1.5, np.nan, 3.0],
            "数量": pd.array([1, 2, None], dtype="Int64"),
            "备注": pd.Series([np.nan, np.nan, "新"], dtype="str"),
        }
    )
    assert_frame_equal(out, expected)


def test_union_of_same_columns_keeps_dtypes() -> None:
    out = run_module("union", {}, data=[NORTH, NORTH.iloc[:1], NORTH.iloc[:0]])
    assert_frame_equal(out, pd.concat([NORTH, NORTH.iloc[:1]], ignore_index=True))


def test_union_of_one_and_of_empty_inputs() -> None:
    assert_frame_equal(run_module("union", {}, data=[NORTH]), NORTH)
    out = run_module("union", {}, data=[NORTH.iloc[:0], SOUTH.iloc[:0]])
    assert list(out.columns) == ["城市", "价格", "数量", "备注"] and out.empty


# At least one column: an Arrow table without columns has no rows either (as in storage).
columns = st.lists(st.sampled_from(["a", "b", "城市"]), unique=True, min_size=1, max_size=3)


@st.composite
def tables(draw) -> pd.DataFrame:
    names = draw(columns)
    length = draw(st.integers(0, 5))
    return pd.DataFrame(
        {
            name: draw(st.lists(st.one_of(st.none(), st.integers(0, 9)), min_size=length, max_size=length))
            for name in names
        },
        index=range(length),
    ).astype("Int64")


@settings(max_examples=80, deadline=None)
@given(parts=st.lists(tables(), min_size=1, max_size=4))
def test_union_stacks_every_row_and_fills_missing_columns_with_null(parts) -> None:
    out = run_module("union", {}, data=parts)
    names = list(dict.fromkeys(c for part in parts for c in part.columns))
    assert list(out.columns) == names
    assert len(out) == sum(len(part) for part in parts)
    start = 0
    for part in parts:
        block = out.iloc[start : start + len(part)].reset_index(drop=True)
        assert_frame_equal(
            block[list(part.columns)], part.reset_index(drop=True), check_dtype=False, check_column_type=False
        )
        assert block.drop(columns=list(part.columns)).isna().all().all()
        start += len(part)


# Typed data (tests/module_library/builtin/typed.py)


def test_join_keeps_types_and_both_keys() -> None:
    right = pa.table({"key": pa.array(["甲", "乙"], pa.string_view()), "区": ["东", "西"]})
    out = run("join", {"how": "left", "left_on": ["名称"], "right_on": ["key"]}, left=TYPED, right=right)["result"]
    assert out.column_names == [*TYPED.column_names, "key", "区"]
    assert out.column("区").to_pylist() == ["东", "西", None, "东"]
    assert out.column("key").to_pylist() == ["甲", "乙", None, "甲"]
    assert_types_kept(out)
    assert out.schema.field("key").type == pa.string_view()


@pytest.mark.parametrize(
    ("how", "rows", "keys"),
    [
        ("inner", [1, 2, 4], ["a", "b", "a"]),
        ("left", [1, 2, 3, 4], ["a", "b", "a", "a"]),
        ("outer", [1, 2, 3, 4, None], ["a", "b", "a", "a", "c"]),
        ("right", [1, 2, 4, None], ["a", "b", "a", "c"]),
    ],
)
def test_join_on_typed_keys_in_left_order(how, rows, keys) -> None:
    """Decimal + date + dictionary keys; the right's rows without a partner come last."""
    left = TYPED.select(["金额", "日期", "n"]).append_column("类别", pa.array(["a", "b", "a", "a"]).dictionary_encode())
    left = left.set_column(
        0, "金额", pa.array([Decimal("1.00"), Decimal("2.00"), Decimal("9.99"), Decimal("1.00")], pa.decimal128(15, 2))
    )
    left = left.set_column(1, "日期", pa.array([datetime.date(1994, 1, 1)] * 4))
    right = pa.table(
        {
            "金额": pa.array([Decimal("1.00"), Decimal("2.00"), Decimal("3.00")], pa.decimal128(15, 2)),
            "日期": pa.array([datetime.date(1994, 1, 1)] * 3),
            "类别": pa.array(["a", "b", "c"]).dictionary_encode(),
            "名": pa.array(["一", "二", "三"], pa.string_view()),
        }
    )
    out = run("join", {"how": how, "on": ["金额", "日期", "类别"]}, left=left, right=right)["result"]
    assert out.column("n").to_pylist() == rows
    assert out.column("类别").to_pylist() == keys
    assert out.schema.field("金额").type == pa.decimal128(15, 2) and out.schema.field("名").type == pa.string_view()
    assert pa.types.is_dictionary(out.schema.field("类别").type) and out.schema.field("日期").type == pa.date32()


def test_semi_anti_and_cross_keep_types() -> None:
    right = pa.table({"名称": pa.array(["甲"], pa.string_view())})
    semi = run("join", {"how": "semi", "on": ["名称"]}, left=TYPED, right=right)["result"]
    anti = run("join", {"how": "anti", "on": ["名称"]}, left=TYPED, right=right)["result"]
    assert semi.schema == anti.schema == TYPED.schema
    assert semi.column("n").to_pylist() == [1, 4] and anti.column("n").to_pylist() == [2, 3]
    cross = run("join", {"how": "cross"}, left=TYPED.select(["n", "列表"]), right=TYPED.select(["结构"]).slice(0, 2))[
        "result"
    ]
    assert cross.column("n").to_pylist() == [1, 1, 2, 2, 3, 3, 4, 4]
    assert cross.column("结构").to_pylist()[:2] == [{"x": 1}, {"x": None}]
    assert_types_kept(cross)


def test_union_keeps_every_type() -> None:
    parts = run("split_rows", {"condition": "名称 = '甲'"}, data=TYPED)
    both = run("union", {}, data=[parts["matched"], parts["unmatched"]])["result"]
    assert both.num_rows == 4 and both.schema == TYPED.schema
    assert both.column("n").to_pylist() == [1, 4, 2, 3]
