"""Text: delimited (as CSV), fixed-width columns, one row per line; encodings detected."""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd
import pytest

from adapters.registry import adapter_for
from adapters.sources import ReadFileParams, ReadTextParams
from dataops.errors import AdapterError
from module_library.arrow_convert import arrow_to_pandas
from tests.adapters.conftest import WHERE
from tests.adapters.conftest import read as read_with

read = functools.partial(read_with, "text")

FIXED = "城市  数量  价格\n北京     3 10.5\n上海       7.25\n"


def test_delimited_is_read_like_csv(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_bytes("城市|数量\n北京|3\n上海|\n".encode("gbk"))
    expected = pd.DataFrame({"城市": ["北京", "上海"], "数量": pd.array([3, None], dtype="Int64")})
    pd.testing.assert_frame_equal(read(tmp_path, "f.txt"), expected)
    pd.testing.assert_frame_equal(read(tmp_path, "f.txt", mode="delimited", delimiter="|", encoding="gbk"), expected)


def test_read_file_reads_txt_as_delimited(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("a;b\n1;x\n", encoding="utf-8")
    frame = arrow_to_pandas(
        adapter_for(None, Path("f.txt")).read(ReadFileParams(path="f.txt"), root=tmp_path, where=WHERE)
    )
    pd.testing.assert_frame_equal(frame, pd.DataFrame({"a": [1], "b": ["x"]}))


@pytest.mark.parametrize("encoding", ["utf-8", "gb18030"])
def test_fixed_width_with_header(tmp_path: Path, encoding: str) -> None:
    (tmp_path / "f.txt").write_bytes(FIXED.encode(encoding))
    frame = read(tmp_path, "f.txt", mode="fixed_width", widths=[4, 4, 5])
    expected = pd.DataFrame(
        {"城市": ["北京", "上海"], "数量": pd.array([3, None], dtype="Int64"), "价格": [10.5, 7.25]}
    )
    pd.testing.assert_frame_equal(frame, expected)


def test_fixed_width_names_and_no_header(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text("AB001\nCD002\n", encoding="utf-8")
    named = read(tmp_path, "f.txt", mode="fixed_width", widths=[2, 3], names=["代码", "号"], header=False)
    pd.testing.assert_frame_equal(named, pd.DataFrame({"代码": ["AB", "CD"], "号": [1, 2]}))
    generated = read(tmp_path, "f.txt", mode="fixed_width", widths=[2, 3], header=False)
    assert generated.columns.tolist() == ["column_1", "column_2"]


def test_fixed_width_names_replace_the_header_line(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_text(FIXED, encoding="utf-8")
    frame = read(tmp_path, "f.txt", mode="fixed_width", widths=[4, 4, 5], names=["city", "qty", "price"])
    assert frame.columns.tolist() == ["city", "qty", "price"] and len(frame) == 2


def test_lines_keep_every_line_and_strip_endings(tmp_path: Path) -> None:
    (tmp_path / "f.log").write_bytes("\ufeff第一行\r\n\r\nsecond, with comma\rthird\n".encode())
    frame = read(tmp_path, "f.log", mode="lines")
    expected = pd.DataFrame({"line": ["第一行", "", "second, with comma", "third"]})
    pd.testing.assert_frame_equal(frame, expected)


def test_lines_detect_gbk(tmp_path: Path) -> None:
    lines = ["订单已发货，请注意查收", "客户：张三，地址：北京市朝阳区建国路"]
    (tmp_path / "f.txt").write_bytes("\n".join(lines).encode("gbk"))
    assert read(tmp_path, "f.txt", mode="lines")["line"].tolist() == lines


def test_wrong_encoding_says_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_bytes("订单已发货\n".encode("gbk"))
    with pytest.raises(AdapterError, match=r"^flow › node: text file '.*f.txt' is not valid utf-8 text; set 'enc"):
        read(tmp_path, "f.txt", mode="lines", encoding="utf-8")


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "f.txt").write_bytes(b"")
    with pytest.raises(AdapterError, match=r"^flow › node: text file '.*f.txt' is empty"):
        read(tmp_path, "f.txt", mode="lines")


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"mode": "fixed_width"}, "mode fixed_width needs widths"),
        ({"mode": "fixed_width", "widths": [2, 3], "names": ["a"]}, "names has 1 entries but widths has 2"),
        ({"widths": [2, 3]}, "widths and names apply to mode: fixed_width only"),
        ({"mode": "fixed_width", "widths": [0]}, "greater than 0"),
        ({"mode": "words"}, "'delimited', 'fixed_width' or 'lines'"),
    ],
)
def test_params_are_checked(params: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ReadTextParams(path="f.txt", **params)
