"""Feature modules: normalize, one_hot_encode, bin_column against hand-computed references."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from pandas.testing import assert_frame_equal

from dataops.errors import ModuleError
from tests.module_library.builtin.typed import TYPED, assert_types_kept, result
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


# Typed data (tests/module_library/builtin/typed.py)


def test_normalize_over_typed_columns() -> None:
    out = result("normalize", {"columns": ["金额", "n", "价格"]})
    assert [out.schema.field(c).type for c in ("金额", "n", "价格")] == [pa.float64()] * 3
    assert out.column("金额").to_pylist() == [1.0, 0.0, None, pytest.approx((5.5 - 0.01) / (100840.04 - 0.01))]
    assert out.column("n").to_pylist() == [0.0, 1 / 3, 2 / 3, 1.0]
    assert out.column("价格").to_pylist()[0] == 0.0 and np.isnan(out.column("价格").to_pylist()[1])
    assert_types_kept(out, [c for c in TYPED.column_names if c not in ("金额", "n", "价格")])
    with pytest.raises(
        ModuleError, match=r"^columns: column '日期' holds date32\[day\]\[pyarrow\] values, not numbers"
    ):
        result("normalize", {"columns": ["日期"]})


def test_one_hot_encode_typed_categories() -> None:
    out = result("one_hot_encode", {"columns": ["类别", "名称", "日期"]})
    added = ["类别_a", "类别_b", "名称_乙", "名称_甲", "日期_1994-01-01", "日期_1995-06-30"]
    assert out.column_names == ["金额", "时间", "列表", "结构", "n", "价格", *added]
    assert out.select(added).to_pydict() == {
        "类别_a": [1, 0, 1, 0],
        "类别_b": [0, 1, 0, 0],
        "名称_乙": [0, 1, 0, 0],
        "名称_甲": [1, 0, 0, 1],
        "日期_1994-01-01": [1, 0, 0, 1],
        "日期_1995-06-30": [0, 0, 1, 0],
    }
    assert {out.schema.field(c).type for c in added} == {pa.int64()}
    assert_types_kept(out)


def test_bin_column_over_decimals() -> None:
    out = result("bin_column", {"column": "金额", "bins": [0, 10, 200000], "labels": ["小", "大"], "as": "档"})
    assert out.column("档").to_pylist() == ["大", "小", None, "小"]
    assert out.schema.field("档").type == pa.string()
    assert out.drop_columns(["档"]).schema == TYPED.schema
    equal = result("bin_column", {"column": "价格", "bins": 2})
    assert equal.column("价格_bin").to_pylist() == ["[1.5, 2.75]", None, None, "(2.75, 4]"]  # NaN has no bin
