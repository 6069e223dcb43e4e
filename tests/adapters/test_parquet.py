"""Parquet: round trip, column projection, files that are not Parquet, atomic writes."""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet
import pytest

from adapters.predicates import RowFilter
from adapters.registry import adapter_for
from adapters.sources import ReadFileParams, ReadParquetParams, WriteParquetParams
from dataops.errors import AdapterError
from module_library.arrow_convert import arrow_to_pandas
from tests.adapters.conftest import WHERE
from tests.adapters.conftest import read as read_with
from tests.adapters.conftest import sample as base_sample

read = functools.partial(read_with, "parquet")


def sample() -> pd.DataFrame:
    return base_sample(
        有货=pd.array([True, None, False], dtype="boolean"),
        日期=pd.to_datetime(["2024-01-02 10:30", "2024-02-03", None], format="ISO8601"),
    )


def write(frame: pd.DataFrame, root: Path, name: str) -> str:
    return adapter_for("parquet").write(frame, WriteParquetParams(path=name), root=root, where=WHERE)


def test_round_trip(tmp_path: Path) -> None:
    write(sample(), tmp_path, "out/a.parquet")
    pd.testing.assert_frame_equal(read(tmp_path, "out/a.parquet"), sample())
    frame = arrow_to_pandas(
        adapter_for(None, Path("out/a.parquet")).read(ReadFileParams(path="out/a.parquet"), root=tmp_path)
    )
    pd.testing.assert_frame_equal(frame, sample())
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["a.parquet"]


def test_columns_are_projected(tmp_path: Path) -> None:
    write(sample(), tmp_path, "a.parquet")
    pd.testing.assert_frame_equal(read(tmp_path, "a.parquet", columns=["价格", "城市"]), sample()[["价格", "城市"]])


def test_an_unknown_column_in_params_suggests_the_closest(tmp_path: Path) -> None:
    write(sample(), tmp_path, "a.parquet")
    with pytest.raises(
        AdapterError, match=r"^flow › node › columns: parquet file .* has no column '城' .*; did you mean '城市'\?"
    ):
        read(tmp_path, "a.parquet", columns=["城"])


def test_the_pushdown_hint_narrows_the_columns_read(tmp_path: Path) -> None:
    write(sample(), tmp_path, "a.parquet")
    params = ReadParquetParams(path="a.parquet", columns=["价格", "城市", "数量"])
    frame = arrow_to_pandas(adapter_for("parquet").read(params, root=tmp_path, columns=["城市", "价格"]))
    pd.testing.assert_frame_equal(frame, sample()[["价格", "城市"]])
    frame = arrow_to_pandas(
        adapter_for("parquet").read(ReadParquetParams(path="a.parquet"), root=tmp_path, columns=["价格", "城市"])
    )
    pd.testing.assert_frame_equal(frame, sample()[["城市", "价格"]])
    frame = arrow_to_pandas(adapter_for("parquet").read(params, root=tmp_path, columns=["城市", "made downstream"]))
    assert "城市" in frame.columns and set(frame.columns) <= {"价格", "城市", "数量"}


@pytest.mark.parametrize("content", [b"city,qty\nBeijing,3\n", b"PAR1 but then nothing like a footer"])
def test_a_file_that_is_not_parquet(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "a.parquet").write_bytes(content)
    with pytest.raises(AdapterError, match=r"^flow › node: parquet file '.*a.parquet' is not a Parquet file"):
        read(tmp_path, "a.parquet")


def test_a_damaged_parquet_file(tmp_path: Path) -> None:
    write(sample(), tmp_path, "a.parquet")
    data = (tmp_path / "a.parquet").read_bytes()
    (tmp_path / "a.parquet").write_bytes(data[:4] + b"\0" * (len(data) - 8) + data[-4:])
    with pytest.raises(AdapterError, match=r"^flow › node: cannot read parquet file '.*a.parquet': \w+"):
        read(tmp_path, "a.parquet")


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "a.parquet").write_bytes(b"")
    with pytest.raises(AdapterError, match=r"^flow › node: parquet file '.*a.parquet' is empty"):
        read(tmp_path, "a.parquet")


def test_failed_write_leaves_nothing_and_keeps_the_old_file(tmp_path: Path) -> None:
    write(sample(), tmp_path, "out/a.parquet")
    mixed = pd.DataFrame({"x": [1, "one"]}, dtype=object)
    with pytest.raises(AdapterError, match=r"^flow › node: cannot write parquet file '.*a.parquet': Arrow"):
        write(mixed, tmp_path, "out/a.parquet")
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["a.parquet"]
    pd.testing.assert_frame_equal(read(tmp_path, "out/a.parquet"), sample())


def test_paths_outside_the_data_root_are_refused(tmp_path: Path) -> None:
    with pytest.raises(AdapterError, match=r"^flow › node › path: '/etc/a.parquet' resolves outside the data root"):
        write(sample(), tmp_path, "/etc/a.parquet")


def test_a_pushed_filter_keeps_row_groups_it_mostly_keeps_whole(tmp_path: Path) -> None:
    """With string views (pyarrow cannot filter them in the scan) a record batch the condition
    keeps 80 % or more of is kept whole, the filter node drops the rest; a selective one is cut."""
    table = pa.table(
        {"n": pa.array(range(1000)), "名": pa.array([f"v{i}" for i in range(1000)]).cast(pa.string_view())}
    )
    pa.parquet.write_table(table, tmp_path / "n.parquet", row_group_size=100)
    params = ReadParquetParams(path="n.parquet")
    mostly = RowFilter("n % 100 <> 7 AND n >= 5", "f")  # row group 0 keeps 95 of 100 rows
    read = adapter_for("parquet").read(params, root=tmp_path, rows=mostly, where=WHERE)
    assert read.num_rows == 1000 and mostly.applied == "n >= 5" and mostly.total == 1000
    selective = RowFilter("n >= 5 AND n < 50", "f")
    read = adapter_for("parquet").read(params, root=tmp_path, rows=selective, where=WHERE)
    assert read["n"].to_pylist() == list(range(5, 50)) and read.schema == table.schema
