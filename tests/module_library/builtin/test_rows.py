"""Row modules: limit_rows, sample_rows, split_rows, sort_rows (with property tests)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pandas.testing import assert_frame_equal

from dataops.errors import ModuleError
from tests.module_library.builtin.typed import TYPED, result, run
from tests.support.modules import param_error, run_module

SALES = pd.DataFrame(
    {
        "城市": ["北京", "上海", None, "北京", "广州"],
        "价格": [95.0, np.nan, 10.0, 120.0, 50.0],
        "数量": [1, 2, 3, 4, 5],
    }
)

small_ints = st.one_of(st.none(), st.integers(-5, 5))
rows = st.lists(st.tuples(small_ints, st.sampled_from(["北京", "上海", "a", None])), max_size=30)


def table(records: list[tuple[int | None, str | None]]) -> pd.DataFrame:
    frame = pd.DataFrame(records, columns=["n", "城市"])
    return frame.astype({"n": "Int64", "城市": "str"})


def test_limit_rows() -> None:
    assert_frame_equal(run_module("limit_rows", {"n": 2}, data=SALES), SALES.head(2))
    assert_frame_equal(run_module("limit_rows", {"n": 10}, data=SALES), SALES)
    assert_frame_equal(run_module("limit_rows", {"n": 0}, data=SALES), SALES.iloc[:0])
    assert_frame_equal(run_module("limit_rows", {"n": 3}, data=SALES.iloc[:0]), SALES.iloc[:0])


def test_limit_rows_negative_is_refused_at_validation() -> None:
    assert "checks › node_1 › params.n: input should be greater than or equal to 0 (got -1)" in param_error(
        "limit_rows", {"n": -1}
    )


def test_sample_rows_is_deterministic_and_keeps_order() -> None:
    first = run_module("sample_rows", {"n": 3}, data=SALES)
    again = run_module("sample_rows", {"n": 3, "seed": 0}, data=SALES)
    assert_frame_equal(first, again)
    positions = np.sort(np.random.default_rng(0).choice(5, size=3, replace=False))
    assert_frame_equal(first, SALES.iloc[positions].reset_index(drop=True))


def test_sample_rows_fraction_and_more_than_there_are() -> None:
    assert len(run_module("sample_rows", {"fraction": 0.4, "seed": 7}, data=SALES)) == 2
    assert_frame_equal(run_module("sample_rows", {"n": 99}, data=SALES), SALES)
    assert_frame_equal(run_module("sample_rows", {"fraction": 1}, data=SALES.iloc[:0]), SALES.iloc[:0])


def test_sample_rows_needs_exactly_one_of_n_and_fraction() -> None:
    assert "checks › node_1 › params: give either 'n' or 'fraction'" in param_error(
        "sample_rows", {"n": 1, "fraction": 0.5}
    )
    assert "checks › node_1 › params: give either 'n' or 'fraction'" in param_error("sample_rows", {})
    assert "checks › node_1 › params.fraction: input should be less than or equal to 1" in param_error(
        "sample_rows", {"fraction": 1.5}
    )


def test_split_rows_null_goes_to_unmatched() -> None:
    out = run_module("split_rows", {"condition": "价格 > 90"}, data=SALES)
    mask = (SALES["价格"] > 90).fillna(False)
    assert_frame_equal(out["matched"], SALES[mask].reset_index(drop=True))
    assert_frame_equal(out["unmatched"], SALES[~mask].reset_index(drop=True))
    assert out["unmatched"]["价格"].isna().sum() == 1


def test_split_rows_empty_input() -> None:
    out = run_module("split_rows", {"condition": "数量 > 1"}, data=SALES.iloc[:0])
    assert_frame_equal(out["matched"], SALES.iloc[:0])
    assert_frame_equal(out["unmatched"], SALES.iloc[:0])


def test_split_rows_unknown_column() -> None:
    with pytest.raises(ModuleError, match=r"^condition: unknown column '价钱' .*did you mean '价格'\?$"):
        run_module("split_rows", {"condition": "价钱 > 1"}, data=SALES)


def test_split_rows_condition_is_checked_at_validation() -> None:
    assert "checks › node_1 › params.condition: comments are not allowed in an expression" in param_error(
        "split_rows", {"condition": "价格 > 1 -- and more"}
    )
    assert "checks › node_1 › params.condition: missing required param 'condition'" in param_error("split_rows", {})


@settings(max_examples=60, deadline=None)
@given(records=rows, threshold=st.integers(-5, 5))
def test_split_rows_matched_plus_unmatched_is_the_input(records, threshold) -> None:
    data = table(records)
    out = run_module("split_rows", {"condition": f"n > {threshold}"}, data=data)
    mask = (data["n"] > threshold).fillna(False).astype(bool)
    assert_frame_equal(out["matched"], data[mask].reset_index(drop=True))
    assert_frame_equal(out["unmatched"], data[~mask].reset_index(drop=True))
    assert len(out["matched"]) + len(out["unmatched"]) == len(data)


@settings(max_examples=60, deadline=None)
@given(records=rows, descending=st.booleans())
def test_sort_rows_is_a_stable_permutation_with_nulls_last(records, descending) -> None:
    data = table(records).assign(position=lambda f: range(len(f)))
    out = run_module("sort_rows", {"by": ["n"], "descending": descending}, data=data)
    assert sorted(out["position"]) == list(range(len(data)))
    values = out["n"].dropna().tolist()
    assert values == sorted(values, reverse=descending)
    assert out["n"].isna().sum() == data["n"].isna().sum()
    assert out["n"].iloc[len(values) :].isna().all()
    for _, group in out.groupby("n", dropna=False, sort=False):
        assert group["position"].is_monotonic_increasing


# Typed data: every column keeps its exact type through the row modules (tests/module_library/builtin/typed.py).


def test_filter_rows_over_typed_columns() -> None:
    out = result("filter_rows", {"condition": "日期 >= DATE '1994-01-01' AND 金额 > 1"})
    assert out.schema == TYPED.schema
    assert out.column("n").to_pylist() == [1, 4]
    assert out.column("名称").to_pylist() == ["甲", "甲"] and out.column("列表").to_pylist() == [[1, 2], [3]]


@pytest.mark.parametrize(
    ("by", "descending", "order"),
    [(["金额"], True, [1, 4, 2, 3]), (["名称", "日期", "类别"], False, [2, 1, 4, 3]), (["时间", "类别"], False, [1, 3, 2, 4])],
)
def test_sort_rows_by_typed_keys(by, descending, order) -> None:
    out = result("sort_rows", {"by": by, "descending": descending})
    assert out.schema == TYPED.schema
    assert out.column("n").to_pylist() == order


def test_limit_sample_and_split_over_typed_columns() -> None:
    limited = result("limit_rows", {"n": 2})
    assert limited.schema == TYPED.schema and limited.column("结构").to_pylist() == [{"x": 1}, {"x": None}]
    sampled = result("sample_rows", {"n": 3})
    assert sampled.schema == TYPED.schema and sampled.num_rows == 3
    parts = run("split_rows", {"condition": "类别 = 'a'"}, data=TYPED)
    assert parts["matched"].schema == parts["unmatched"].schema == TYPED.schema
    assert parts["matched"].column("n").to_pylist() == [1, 3]
    assert parts["unmatched"].column("时间").to_pylist() == [None, None]
