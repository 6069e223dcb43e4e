"""CSV: encodings, delimiters, header, nulls, projection, atomic writes."""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd
import pytest

from adapters.registry import adapter_for
from adapters.sources import ReadCsvParams, WriteCsvParams
from dataops.errors import AdapterError
from module_library.arrow_convert import arrow_to_pandas
from tests.adapters.conftest import WHERE
from tests.adapters.conftest import read as read_with

read = functools.partial(read_with, "csv")

ROWS = "城市,价格,数量\n北京,10.5,3\n上海,,4\n广州,7.25,\n"


def expected() -> pd.DataFrame:
    return pd.DataFrame(
        {"城市": ["北京", "上海", "广州"], "价格": [10.5, None, 7.25], "数量": pd.array([3, 4, None], dtype="Int64")}
    )


@pytest.mark.parametrize(
    ("encoding", "prefix"),
    [("utf-8", b""), ("utf-8", b"\xef\xbb\xbf"), ("gbk", b""), ("gb18030", b"")],
)
def test_encodings_are_detected(tmp_path: Path, encoding: str, prefix: bytes) -> None:
    (tmp_path / "f.csv").write_bytes(prefix + ROWS.encode(encoding))
    pd.testing.assert_frame_equal(read(tmp_path, "f.csv"), expected())


@pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
def test_delimiters_are_sniffed(tmp_path: Path, delimiter: str) -> None:
    (tmp_path / "f.csv").write_text(ROWS.replace(",", delimiter), encoding="utf-8")
    pd.testing.assert_frame_equal(read(tmp_path, "f.csv"), expected())


def test_explicit_encoding_and_delimiter(tmp_path: Path) -> None:
    (tmp_path / "f.csv").write_bytes(ROWS.replace(",", ";").encode("gbk"))
    pd.testing.assert_frame_equal(read(tmp_path, "f.csv", encoding="gbk", delimiter=";"), expected())


def test_wrong_explicit_encoding_says_what_to_do(tmp_path: Path) -> None:
    (tmp_path / "f.csv").write_bytes(ROWS.encode("gbk"))
    with pytest.raises(AdapterError, match=r"flow › node: csv file '.*f.csv' is not valid utf-8 text; set 'encoding'"):
        read(tmp_path, "f.csv", encoding="utf-8")


def test_no_header_generates_names(tmp_path: Path) -> None:
    (tmp_path / "f.csv").write_text("a,1\nb,2\n", encoding="utf-8")
    frame = read(tmp_path, "f.csv", header=False)
    assert list(frame.columns) == ["column_1", "column_2"]
    assert frame["column_2"].tolist() == [1, 2]


def test_projection_reads_only_named_columns(tmp_path: Path) -> None:
    (tmp_path / "f.csv").write_text(ROWS, encoding="utf-8")
    frame = arrow_to_pandas(
        adapter_for("csv").read(ReadCsvParams(path="f.csv"), root=tmp_path, columns=["数量", "城市"], where=WHERE)
    )
    assert list(frame.columns) == ["城市", "数量"]  # the file's order
    everything = arrow_to_pandas(
        adapter_for("csv").read(ReadCsvParams(path="f.csv"), root=tmp_path, columns=["城市", "nope"], where=WHERE)
    )
    assert list(everything.columns) == ["城市", "价格", "数量"]  # a missing column: read all


def test_missing_and_empty_files_name_the_node(tmp_path: Path) -> None:
    with pytest.raises(AdapterError, match=r"flow › node › path: csv file '.*nope.csv' does not exist"):
        read(tmp_path, "nope.csv")
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(AdapterError, match=r"flow › node: csv file '.*empty.csv' is empty"):
        read(tmp_path, "empty.csv")


def test_header_only_gives_an_empty_table_with_columns(tmp_path: Path) -> None:
    (tmp_path / "f.csv").write_text("a,b\n", encoding="utf-8")
    frame = read(tmp_path, "f.csv")
    assert list(frame.columns) == ["a", "b"] and len(frame) == 0


def test_write_round_trip_in_gbk_and_creates_folders(tmp_path: Path) -> None:
    adapter_for("csv").write(
        expected(), WriteCsvParams(path="out/deep/f.csv", encoding="gbk"), root=tmp_path, where=WHERE
    )
    written = tmp_path / "out" / "deep" / "f.csv"
    assert written.read_bytes().decode("gbk").splitlines()[0] == "城市,价格,数量"
    pd.testing.assert_frame_equal(read(tmp_path, "out/deep/f.csv"), expected())
    assert [p.name for p in written.parent.iterdir()] == ["f.csv"]


def test_default_write_is_utf8_without_bom(tmp_path: Path) -> None:
    adapter_for("csv").write(expected(), WriteCsvParams(path="f.csv"), root=tmp_path, where=WHERE)
    assert (tmp_path / "f.csv").read_bytes().startswith("城市".encode())


def test_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "f.csv"
    target.write_text("old\n", encoding="utf-8")
    frame = pd.DataFrame({"名字": ["😀"]})
    with pytest.raises(
        AdapterError, match=r"flow › node: the text '😀' cannot be written in gbk; use encoding utf-8 or gb18030"
    ):
        adapter_for("csv").write(frame, WriteCsvParams(path="f.csv", encoding="gbk"), root=tmp_path, where=WHERE)
    assert target.read_text(encoding="utf-8") == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["f.csv"]


def test_input_file_is_never_modified(tmp_path: Path) -> None:
    source = tmp_path / "f.csv"
    source.write_bytes(ROWS.encode("gbk"))
    before = (source.read_bytes(), source.stat().st_mtime_ns)
    read(tmp_path, "f.csv")
    assert (source.read_bytes(), source.stat().st_mtime_ns) == before


@pytest.mark.parametrize("text", ["名\n", "城市,价格\n北京,1\n", "城市\n"])
def test_short_gbk_files_are_not_mistaken_for_utf16_or_utf8(tmp_path: Path, text: str) -> None:
    (tmp_path / "f.csv").write_bytes(text.encode("gbk"))
    frame = read(tmp_path, "f.csv")
    assert frame.columns[0] == text.split(",")[0].strip()


@pytest.mark.parametrize("encoding", ["utf-8", "gbk"])
def test_quoted_values_keep_their_newlines_and_delimiters(tmp_path: Path, encoding: str) -> None:
    text = '城市,备注\n北京,"第一行\n第二行"\n上海,"a,b"\n'
    (tmp_path / "f.csv").write_bytes(text.encode(encoding))
    frame = read(tmp_path, "f.csv")
    assert frame["备注"].tolist() == ["第一行\n第二行", "a,b"]
    assert frame["城市"].tolist() == ["北京", "上海"]


def test_values_spanning_lines_across_many_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Small blocks, so row ends must be found by quotes and not by newlines (the quote check).
    monkeypatch.setattr("adapters.csv.BLOCK_BYTES", 1 << 14)
    texts = ["\n".join([f"v{i}" + "x,y" * (i % 3)] * (1 + i % 4)) for i in range(20_000)]
    rows = [f'{i},"{text}",{2 * i}' for i, text in enumerate(texts)]
    (tmp_path / "f.csv").write_text("id,text,n\n" + "\n".join(rows) + "\n", encoding="utf-8")
    frame = read(tmp_path, "f.csv")
    assert frame["id"].tolist() == list(range(20_000))
    assert frame["text"].tolist() == texts
    assert frame["n"].iloc[-1] == 39_998


@pytest.mark.parametrize(
    ("content", "encoding", "quoted"),
    [
        (b"a,b\n1,2\n", "utf-8", False),
        (b'a,b\n1,"2"\n', "utf-8", True),
        ("城市,价格\n北京,1\n".encode("gbk"), "gbk", False),
        ("城市,价格\n北京,1\n".encode("gb18030"), "gb18030", False),
        (b"", "utf-8", False),
        (b"a,b\n" + b"1,2\n" * 300_000 + b'3,"x"\n', "utf-8", True),  # the quote is past the first 1 MiB
        (b"a,b\n" + b"1,2\n" * 300_000, "utf-8", False),
        ("a,b\n".encode("utf-16"), "utf-16", True),  # not ASCII-compatible: assumed to quote
    ],
)
def test_quote_check(tmp_path: Path, content: bytes, encoding: str, quoted: bool) -> None:
    from adapters.csv import _may_quote

    (tmp_path / "f.csv").write_bytes(content)
    assert _may_quote(tmp_path / "f.csv", encoding) is quoted
