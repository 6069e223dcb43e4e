"""Cleaning modules: deduplicate, drop_nulls, fill_nulls against pandas references."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from dataops.errors import ModuleError
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
