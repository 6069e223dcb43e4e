"""Arrow IPC / Feather: files and streams, projection, files that are not Arrow."""

from __future__ import annotations

import functools
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from adapters.registry import adapter_for
from adapters.sources import ReadArrowParams, ReadFileParams
from dataops.errors import AdapterError
from module_library.arrow_convert import arrow_to_pandas
from tests.adapters.conftest import WHERE
from tests.adapters.conftest import read as read_with
from tests.adapters.conftest import sample as base_sample

read = functools.partial(read_with, "arrow")


def sample() -> pd.DataFrame:
    return base_sample(日期=pd.to_datetime(["2024-01-02 10:30", "2024-02-03", None], format="ISO8601"))


@pytest.mark.parametrize("name", ["out/a.arrow", "out/a.feather"])
def test_round_trip(tmp_path: Path, name: str) -> None:
    adapter_for("arrow").write(sample(), ReadArrowParams(path=name), root=tmp_path, where=WHERE)
    pd.testing.assert_frame_equal(read(tmp_path, name), sample())
    frame = arrow_to_pandas(adapter_for(None, Path(name)).read(ReadFileParams(path=name), root=tmp_path))
    pd.testing.assert_frame_equal(frame, sample())


def test_ipc_stream_and_projection(tmp_path: Path) -> None:
    table = pa.Table.from_pandas(sample(), preserve_index=False)
    with pa.OSFile(str(tmp_path / "a.arrows"), "wb") as sink, pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    pd.testing.assert_frame_equal(read(tmp_path, "a.arrows"), sample())
    pd.testing.assert_frame_equal(read(tmp_path, "a.arrows", ["价格", "日期"]), sample()[["价格", "日期"]])


def test_file_projection_follows_the_pushdown_hint(tmp_path: Path) -> None:
    adapter_for("arrow").write(sample(), ReadArrowParams(path="a.arrow"), root=tmp_path)
    pd.testing.assert_frame_equal(read(tmp_path, "a.arrow", ["数量", "城市"]), sample()[["城市", "数量"]])
    assert {"城市", "数量"} <= set(read(tmp_path, "a.arrow", ["数量", "城市", "made downstream"]).columns)


def test_a_file_that_is_not_arrow(tmp_path: Path) -> None:
    (tmp_path / "a.feather").write_text("城市,数量\n北京,1\n", encoding="utf-8")
    with pytest.raises(
        AdapterError, match=r"^flow › node: arrow file '.*a.feather' is not an Arrow IPC or Feather file"
    ):
        read(tmp_path, "a.feather")


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "a.arrow").write_bytes(b"")
    with pytest.raises(AdapterError, match=r"^flow › node: arrow file '.*a.arrow' is empty"):
        read(tmp_path, "a.arrow")
