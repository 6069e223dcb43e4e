"""The file adapter base: atomic writes that work for any legal file name."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from adapters.base import FileAdapter
from adapters.registry import adapter_for
from adapters.sources import WriteCsvParams, WriteParquetParams
from dataops.errors import AdapterError, Where


@pytest.mark.parametrize(
    ("format", "params", "suffix"), [("csv", WriteCsvParams, ".csv"), ("parquet", WriteParquetParams, ".parquet")]
)
@pytest.mark.parametrize("length", [240, 255])
def test_a_legal_long_file_name_is_written(
    tmp_path: Path, format: str, params: type, suffix: str, length: int
) -> None:
    """The temporary file beside it used to be named after it, 38 bytes longer: past the system's 255."""
    name = "报" * ((length - len(suffix)) // 3) + "n" * ((length - len(suffix)) % 3) + suffix
    assert len(name.encode()) == length
    frame = pd.DataFrame({"城市": ["北京", "上海"], "数量": [1, 2]})
    adapter_for(format).write(frame, params(path=f"out/{name}"), root=tmp_path, where=Where("f", "n"))
    assert [p.name for p in (tmp_path / "out").iterdir()] == [name]


class HalfWriter(FileAdapter):
    """Writes part of the file, then fails, as a full disk or a bad value would."""

    format = "half"

    def _read(self, location: Path, params: object, columns: object) -> pd.DataFrame:
        return pd.read_csv(location)

    def _write(self, frame: pd.DataFrame, location: Path, params: object) -> None:
        location.write_text("城市\n北", encoding="utf-8")
        raise OSError("No space left on device")


def test_a_failed_write_keeps_the_previous_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out" / "订单.csv"
    target.parent.mkdir()
    target.write_text("城市\n北京\n", encoding="utf-8")
    params = WriteCsvParams(path="out/订单.csv")
    with pytest.raises(AdapterError, match=r"f › n: cannot write half file '.*订单\.csv': OSError: No space left"):
        HalfWriter().write(pd.DataFrame({"城市": ["上海"]}), params, root=tmp_path, where=Where("f", "n"))
    assert target.read_text(encoding="utf-8") == "城市\n北京\n"
    assert [p.name for p in target.parent.iterdir()] == ["订单.csv"]
