"""JSON: arrays of records and JSON Lines, round trips, UTF-8, clear errors for the wrong shape."""

from __future__ import annotations

import functools
import json
from pathlib import Path

import pandas as pd
import pytest

from adapters.registry import adapter_for
from adapters.sources import ReadFileParams, ReadJsonParams, WriteJsonParams
from dataops.errors import AdapterError
from module_library.arrow_convert import arrow_to_pandas
from tests.adapters.conftest import WHERE
from tests.adapters.conftest import read as read_with
from tests.adapters.conftest import sample as base_sample

read = functools.partial(read_with, "json")


def sample() -> pd.DataFrame:
    return base_sample(
        有货=[True, False, True],
        下单时间=pd.to_datetime(["2024-01-02 10:30:00.123456", "2024-02-03", None], format="ISO8601"),
    )


def write(frame: pd.DataFrame, root: Path, name: str, **params) -> str:
    return adapter_for("json").write(frame, WriteJsonParams(path=name, **params), root=root, where=WHERE)


@pytest.mark.parametrize(("name", "lines"), [("out/a.json", False), ("out/a.jsonl", True), ("out/b.json", True)])
def test_round_trip(tmp_path: Path, name: str, lines: bool) -> None:
    write(sample(), tmp_path, name, lines=lines)
    pd.testing.assert_frame_equal(read(tmp_path, name, lines=lines), sample())
    assert [p.name for p in (tmp_path / "out").iterdir()] == [Path(name).name]


def test_written_as_utf8_records_with_iso_dates(tmp_path: Path) -> None:
    write(sample(), tmp_path, "a.json")
    text = (tmp_path / "a.json").read_bytes().decode("utf-8")
    records = json.loads(text)
    assert '"城市":"北京"' in text
    assert records[0]["下单时间"] == "2024-01-02T10:30:00.123456" and records[1]["城市"] is None
    write(sample(), tmp_path, "a.jsonl", lines=True)
    lines = (tmp_path / "a.jsonl").read_text(encoding="utf-8").splitlines()
    assert [json.loads(line) for line in lines] == records


def test_jsonl_extension_means_lines_unless_set(tmp_path: Path) -> None:
    assert WriteJsonParams(path="a.jsonl").lines is True
    assert WriteJsonParams(path="a.jsonl", lines=False).lines is False
    assert ReadJsonParams(path="a.ndjson").lines is True and ReadJsonParams(path="a.json").lines is False
    write(sample(), tmp_path, "a.jsonl")
    assert (tmp_path / "a.jsonl").read_text(encoding="utf-8").startswith('{"城市":"北京"')
    frame = arrow_to_pandas(
        adapter_for(None, Path("a.jsonl")).read(ReadFileParams(path="a.jsonl"), root=tmp_path, where=WHERE)
    )
    pd.testing.assert_frame_equal(frame, sample())


def test_keys_missing_from_some_records_are_null(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('[{"a": 1}, {"b": "x"}, {"a": 3, "b": "y"}]', encoding="utf-8")
    expected = pd.DataFrame({"a": pd.array([1, None, 3], dtype="Int64"), "b": [None, "x", "y"]})
    pd.testing.assert_frame_equal(read(tmp_path, "a.json"), expected)


def test_a_column_mixing_numbers_and_text_becomes_text(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text('{"编号": 1}\n{"编号": "A-7"}\n', encoding="utf-8")
    assert read(tmp_path, "a.jsonl")["编号"].tolist() == ["1", "A-7"]


def test_an_object_instead_of_an_array(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('{"城市": "北京", "数量": 1}', encoding="utf-8")
    with pytest.raises(
        AdapterError,
        match=r"^flow › node › lines: json file '.*a.json': expected a JSON array of records, got an object; "
        r"set lines: true for JSON Lines$",
    ):
        read(tmp_path, "a.json")


def test_json_lines_read_as_an_array_suggests_lines(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('{"a": 1}\n{"a": 2}\n', encoding="utf-8")
    with pytest.raises(AdapterError, match=r"not valid JSON: Extra data at line 2, column 1; set lines: true"):
        read(tmp_path, "a.json")


def test_array_items_must_be_records(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(
        AdapterError, match=r"^flow › node: json file .*: item 0 of the array is a number, not a record"
    ):
        read(tmp_path, "a.json")


def test_truncated_json_lines_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "a.jsonl").write_text('{"a": 1}\n\n{"a": 2}\n{"a": 3, "b": "cut sh', encoding="utf-8")
    with pytest.raises(
        AdapterError, match=r"^flow › node: json file '.*a.jsonl': line 4 is not valid JSON \(Unterminated string"
    ):
        read(tmp_path, "a.jsonl")


def test_truncated_array(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('[{"a": 1},\n {"a": 2', encoding="utf-8")
    with pytest.raises(AdapterError, match=r"^flow › node: json file '.*a.json' is not valid JSON: .* at line 2"):
        read(tmp_path, "a.json")


def test_not_utf8(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_bytes('[{"城市": "北京"}]'.encode("gbk"))
    with pytest.raises(AdapterError, match=r"^flow › node: json file '.*a.json' is not UTF-8 text"):
        read(tmp_path, "a.json")


def test_empty_file_and_empty_array(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_bytes(b"")
    with pytest.raises(AdapterError, match=r"^flow › node: json file '.*a.json' is empty"):
        read(tmp_path, "a.json")
    (tmp_path / "b.json").write_text("[]", encoding="utf-8")
    assert read(tmp_path, "b.json").empty


def test_text_that_is_not_a_timestamp_stays_text(tmp_path: Path) -> None:
    (tmp_path / "a.json").write_text('[{"d": "2024-01-02", "x": "2024"}, {"d": null, "x": "soon"}]', encoding="utf-8")
    frame = read(tmp_path, "a.json")
    assert frame["d"].dtype == "datetime64[us]" and frame["x"].tolist() == ["2024", "soon"]


def test_failed_write_leaves_nothing(tmp_path: Path) -> None:
    frame = pd.DataFrame([[1, 2]], columns=["a", "a"])
    with pytest.raises(AdapterError, match=r"^flow › node: cannot write json file '.*a.json': ValueError: .*unique"):
        write(frame, tmp_path, "out/a.json")
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize("lines", [False, True])
def test_only_the_needed_columns_are_converted(tmp_path: Path, lines: bool) -> None:
    """An array (and lines pyarrow refuses) is parsed by the standard library, whose records become
    Arrow only for the needed columns; a hint naming a column the file lacks reads every column."""
    records = [{"城市": "北京", "混合": 1, "数量": 3}, {"城市": "上海", "混合": "一", "数量": None}]
    text = "\n".join(json.dumps(r, ensure_ascii=False) for r in records) if lines else json.dumps(records)
    (tmp_path / "r.json").write_text(text, encoding="utf-8")
    params = ReadJsonParams(path="r.json", lines=lines)
    narrow = adapter_for("json").read(params, root=tmp_path, columns=["数量", "城市"], where=WHERE)
    assert narrow.column_names == ["城市", "数量"] and narrow["数量"].to_pylist() == [3, None]
    whole = adapter_for("json").read(params, root=tmp_path, columns=["made downstream"], where=WHERE)
    assert whole.column_names == ["城市", "混合", "数量"] and whole["混合"].to_pylist() == ["1", "一"]
