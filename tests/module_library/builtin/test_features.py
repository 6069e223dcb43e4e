"""Feature modules: normalize, one_hot_encode, bin_column against hand-computed references."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pandas.testing import assert_frame_equal

from dataops.errors import ModuleError
from tests.support.modules import param_error, run_module

DATA = pd.DataFrame(
    {
        "城市": ["北京", "上海", None, "北京"],
        "价格": [10.0, 20.0, np.nan, 40.0],
        "数量": pd.array([1, 2, None, 3], dtype="Int64"),
    }
)


def test_normalize_minmax() -> None:
    out = run_module("normalize", {"columns": ["价格", "数量"]}, data=DATA)
    expected = DATA.assign(价格=[0.0, 1 / 3, np.nan, 1.0], 数量=[0.0, 0.5, np.nan, 1.0])
    assert_frame_equal(out, expected)


def test_normalize_zscore_uses_population_std() -> None:
    out = run_module("normalize", {"columns": ["价格"], "method": "zscore"}, data=DATA)
    values = DATA["价格"]
    assert_frame_equal(out, DATA.assign(价格=(values - values.mean()) / values.std(ddof=0)))


def test_normalize_constant_column_becomes_zero_and_empty_input() -> None:
    out = run_module("normalize", {"columns": ["价格"], "method": "zscore"}, data=DATA.assign(价格=5.0))
    assert out["价格"].tolist() == [0.0] * 4
    empty = run_module("normalize", {"columns": ["价格"]}, data=DATA.iloc[:0])
    assert_frame_equal(empty, DATA.iloc[:0])


def test_normalize_errors() -> None:
    with pytest.raises(ModuleError, match=r"^columns: column '城市' holds str values, not numbers"):
        run_module("normalize", {"columns": ["城市"]}, data=DATA)
    assert "checks › node_1 › params.method: input should be 'minmax' or 'zscore'" in param_error(
        "normalize", {"columns": ["价格"], "method": "robust"}
    )


def test_one_hot_encode_appends_sorted_indicator_columns() -> None:
    out = run_module("one_hot_encode", {"columns": ["城市"]}, data=DATA)
    expected = DATA.drop(columns=["城市"]).assign(
        城市_上海=np.array([0, 1, 0, 0], dtype="int64"), 城市_北京=np.array([1, 0, 0, 1], dtype="int64")
    )
    assert_frame_equal(out, expected)
    kept = run_module("one_hot_encode", {"columns": ["数量"], "drop_original": False}, data=DATA)
    assert list(kept.columns) == ["城市", "价格", "数量", "数量_1", "数量_2", "数量_3"]
    assert kept["数量_3"].tolist() == [0, 0, 0, 1]


def test_one_hot_encode_matches_get_dummies() -> None:
    out = run_module("one_hot_encode", {"columns": ["城市"]}, data=DATA)
    dummies = pd.get_dummies(DATA["城市"], prefix="城市", dtype="int64")
    assert_frame_equal(out[dummies.columns], dummies)


def test_one_hot_encode_empty_input_and_errors() -> None:
    empty = run_module("one_hot_encode", {"columns": ["城市"]}, data=DATA.iloc[:0])
    assert list(empty.columns) == ["价格", "数量"]
    clash = DATA.assign(城市_北京=1)
    with pytest.raises(ModuleError, match="the new column '城市_北京' exists already"):
        run_module("one_hot_encode", {"columns": ["城市"]}, data=clash)
    with pytest.raises(ModuleError, match=r"^columns: unknown column '城' "):
        run_module("one_hot_encode", {"columns": ["城"]}, data=DATA)


def test_bin_column_equal_width() -> None:
    out = run_module("bin_column", {"column": "价格", "bins": 3}, data=DATA)
    assert out["价格_bin"].tolist()[:2] == ["[10, 20]", "[10, 20]"]
    assert pd.isna(out["价格_bin"].tolist()[2]) and out["价格_bin"].tolist()[3] == "(30, 40]"
    codes = pd.cut(DATA["价格"], np.linspace(10, 40, 4), labels=False, include_lowest=True)
    assert codes.tolist()[:2] == [0.0, 0.0]


def test_bin_column_edges_labels_and_alias() -> None:
    params = {"column": "价格", "bins": [0, 15, 30], "labels": ["低", "高"], "as": "档"}
    out = run_module("bin_column", params, data=DATA)
    expected = DATA.assign(档=pd.Series(["低", "高", np.nan, np.nan], dtype="str"))
    assert_frame_equal(out, expected)


def test_bin_column_constant_and_empty_input() -> None:
    out = run_module("bin_column", {"column": "价格", "bins": 2}, data=DATA.assign(价格=2.5))
    assert out["价格_bin"].tolist() == ["[2.5, 2.5]"] * 4
    empty = run_module("bin_column", {"column": "价格", "bins": 2}, data=DATA.iloc[:0])
    assert list(empty.columns) == ["城市", "价格", "数量", "价格_bin"] and empty.empty


def test_bin_column_errors() -> None:
    with pytest.raises(ModuleError, match=r"^column: column '城市' holds str values, not numbers"):
        run_module("bin_column", {"column": "城市", "bins": 2}, data=DATA)
    assert "checks › node_1 › params: 3 labels for 2 bins" in param_error(
        "bin_column", {"column": "价格", "bins": [0, 1, 2], "labels": ["a", "b", "c"]}
    )
    assert "checks › node_1 › params: bin edges must be at least two numbers in strictly increasing order" in (
        param_error("bin_column", {"column": "价格", "bins": [0, 5, 5]})
    )
    assert "checks › node_1 › params: bins must be at least 1" in param_error(
        "bin_column", {"column": "价格", "bins": 0}
    )
