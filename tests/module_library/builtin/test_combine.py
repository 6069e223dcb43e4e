"""Combine modules: union (fan-in) against pandas references and as a property."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from module_library.registry import get_module
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
