"""Text modules: string_transform against pandas' string methods."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from pandas.testing import assert_frame_equal

from dataops.errors import ModuleError
from tests.module_library.builtin.typed import TYPED, result
from tests.support.modules import param_error, run_module

DATA = pd.DataFrame(
    {
        "城市": ["  北京 ", "\u3000上海", None, "Tianjin"],
        "客户": ["c001", "C002", "c003", None],
        "数量": [1, 2, 3, 4],
    }
)


@pytest.mark.parametrize("operation", ["strip", "lower", "upper"])
def test_simple_operations_match_pandas(operation) -> None:
    out = run_module("string_transform", {"columns": ["城市", "客户"], "operation": operation}, data=DATA)
    expected = DATA.assign(
        城市=getattr(DATA["城市"].str, operation)(),
        客户=getattr(DATA["客户"].str, operation)(),
    )
    assert_frame_equal(out, expected)


def test_strip_removes_full_width_spaces() -> None:
    out = run_module("string_transform", {"columns": ["城市"], "operation": "strip"}, data=DATA)
    assert out["城市"].tolist()[:2] == ["北京", "上海"]


def test_replace_is_literal_by_default() -> None:
    data = pd.DataFrame({"电话": ["138.1234.5678", "a.b", None]})
    out = run_module(
        "string_transform", {"columns": ["电话"], "operation": "replace", "pattern": ".", "replacement": "-"}, data=data
    )
    assert_frame_equal(out, data.assign(电话=data["电话"].str.replace(".", "-", regex=False)))


def test_replace_regex_with_groups() -> None:
    data = pd.DataFrame({"电话": ["13812345678", "tel 13900001111", None, ""]})
    params = {
        "columns": ["电话"],
        "operation": "replace",
        "pattern": r"(1\d{2})\d{4}(\d{4})",
        "replacement": r"\1****\2",
        "regex": True,
    }
    out = run_module("string_transform", params, data=data)
    expected = data["电话"].str.replace(r"(1\d{2})\d{4}(\d{4})", r"\1****\2", regex=True)
    assert_frame_equal(out, data.assign(电话=expected))
    assert out["电话"].tolist()[:2] == ["138****5678", "tel 139****1111"]


def test_empty_input_and_all_null_column() -> None:
    out = run_module("string_transform", {"columns": ["城市"], "operation": "upper"}, data=DATA.iloc[:0])
    assert_frame_equal(out, DATA.iloc[:0])
    nulls = pd.DataFrame({"a": pd.Series([None, None], dtype=object)})
    out = run_module("string_transform", {"columns": ["a"], "operation": "upper"}, data=nulls)
    assert_frame_equal(out, pd.DataFrame({"a": pd.Series([np.nan, np.nan], dtype="str")}))


def test_errors() -> None:
    with pytest.raises(ModuleError, match=r"^columns: column '数量' holds int64 values, not text; cast_types it"):
        run_module("string_transform", {"columns": ["数量"], "operation": "strip"}, data=DATA)
    with pytest.raises(ModuleError, match=r"^columns: unknown column '城' .*did you mean '城市'\?$"):
        run_module("string_transform", {"columns": ["城"], "operation": "strip"}, data=DATA)
    assert "checks › node_1 › params: replace needs a 'pattern'" in param_error(
        "string_transform", {"columns": ["城市"], "operation": "replace"}
    )
    assert "checks › node_1 › params: 'pattern' is only used by replace, not by strip" in param_error(
        "string_transform", {"columns": ["城市"], "operation": "strip", "pattern": "x"}
    )
    assert "checks › node_1 › params: pattern: Invalid regular expression: missing )" in param_error(
        "string_transform", {"columns": ["城市"], "operation": "replace", "pattern": "(", "regex": True}
    )
    assert "checks › node_1 › params.operation: input should be 'strip', 'lower', 'upper' or 'replace'" in param_error(
        "string_transform", {"columns": ["城市"], "operation": "title"}
    )


# Typed data (tests/module_library/builtin/typed.py)


def test_string_transform_keeps_views_and_dictionaries() -> None:
    out = result(
        "string_transform", {"columns": ["名称", "类别"], "operation": "replace", "pattern": "甲", "replacement": "丙"}
    )
    assert out.schema == TYPED.schema
    assert out.column("名称").to_pylist() == ["丙", "乙", None, "丙"]
    upper = result("string_transform", {"columns": ["类别"], "operation": "upper"})
    assert upper.column("类别").to_pylist() == ["A", "B", "A", None] and upper.schema == TYPED.schema
    merged = result(
        "string_transform",
        {"columns": ["类别"], "operation": "lower"},
        data=pa.table({"类别": pa.array(["A", "a", None]).dictionary_encode()}),
    )
    assert merged.column("类别").chunk(0).dictionary.to_pylist() == ["a"]  # values that became equal merge
    with pytest.raises(
        ModuleError, match=r"^columns: column '金额' holds decimal128\(15, 2\)\[pyarrow\] values, not text"
    ):
        result("string_transform", {"columns": ["金额"], "operation": "strip"})
