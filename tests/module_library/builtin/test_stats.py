"""Statistics modules: describe's profile and its histogram metadata."""

from __future__ import annotations

import base64
import re

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from pandas.testing import assert_frame_equal

from module_library import ModuleResult
from module_library.registry import get_module
from tests.module_library.builtin.typed import TYPED, result
from tests.support.modules import run_module

DATA = pd.DataFrame(
    {
        "城市": ["北京", "上海", None, "北京"],
        "价格": [10.0, 20.0, np.nan, 40.0],
        "数量": [1, 2, 3, 3],
        "有货": [True, False, True, True],
    }
)


def test_describe_one_row_per_column() -> None:
    out = run_module("describe", {}, data=DATA)
    expected = pd.DataFrame(
        {
            "column": ["城市", "价格", "数量", "有货"],
            "dtype": ["str", "float64", "int64", "bool"],
            "count": [3, 3, 4, 4],
            "nulls": [1, 1, 0, 0],
            "distinct": [2, 3, 3, 2],
            "mean": [np.nan, DATA["价格"].mean(), 2.25, np.nan],
            "std": [np.nan, DATA["价格"].std(), DATA["数量"].std(), np.nan],
            "min": [np.nan, 10.0, 1.0, np.nan],
            "max": [np.nan, 40.0, 3.0, np.nan],
        }
    ).astype({"column": "str", "dtype": "str"})
    assert_frame_equal(out, expected)


def test_describe_empty_input() -> None:
    out = run_module("describe", {}, data=DATA.iloc[:0])
    assert out["count"].tolist() == [0, 0, 0, 0] and out["mean"].isna().all()
    assert run_module("describe", {}, data=pd.DataFrame()).empty


def test_describe_reads_every_column() -> None:
    spec = get_module("describe")
    assert spec.columns_read(spec.params()) == {"data": None}


def test_histograms_are_png_images_in_markdown() -> None:
    spec = get_module("describe")
    returned = spec.fn(data=pa.Table.from_pandas(DATA), params=spec.params())  # an Arrow module
    assert isinstance(returned, ModuleResult)
    frames, metadata = spec.run_with_metadata({"data": DATA}, spec.params())
    assert list(frames) == ["result"]
    markdown = metadata["histograms"]
    images = re.findall(r"!\[([^\]]*)\]\(data:image/png;base64,([A-Za-z0-9+/=]+)\)", markdown)
    assert [alt for alt, _ in images] == ["价格", "数量"]  # numeric columns only; booleans are not drawn
    for _, payload in images:
        assert base64.b64decode(payload).startswith(b"\x89PNG\r\n\x1a\n")
    assert "**价格**" in markdown


def test_histograms_without_numeric_values() -> None:
    _, metadata = get_module("describe").run_with_metadata({"data": DATA[["城市"]]}, get_module("describe").params())
    assert metadata == {"histograms": "_no numeric columns with values_"}


# Typed data (tests/module_library/builtin/typed.py)


def test_describe_every_type() -> None:
    out = result("describe", {})
    rows = {r["column"]: r for r in out.to_pylist()}
    assert list(rows) == TYPED.column_names
    assert {c: rows[c]["dtype"] for c in ("金额", "日期", "时间", "名称", "类别", "n", "价格")} == {
        "金额": "decimal128(15, 2)[pyarrow]",
        "日期": "date32[day][pyarrow]",
        "时间": "datetime64[us, Asia/Shanghai]",
        "名称": "str",
        "类别": "category",
        "n": "int64",
        "价格": "float64",
    }
    assert [(rows[c]["count"], rows[c]["nulls"], rows[c]["distinct"]) for c in TYPED.column_names] == [
        (3, 1, 3),
        (3, 1, 2),
        (2, 2, 2),
        (3, 1, 2),
        (3, 1, 2),
        (3, 1, 3),
        (3, 1, 3),
        (4, 0, 4),
        (2, 2, 2),
    ]
    assert rows["金额"]["max"] == 100840.04 and rows["金额"]["mean"] == pytest.approx(100845.55 / 3)
    assert rows["价格"]["mean"] == 2.75 and rows["日期"]["mean"] is None


def test_histograms_of_decimals_and_integers() -> None:
    _, metadata = get_module("describe").run_with_metadata({"data": TYPED}, get_module("describe").params())
    assert re.findall(r"!\[([^\]]*)\]", metadata["histograms"]) == ["金额", "n", "价格"]
