"""The file adapter base: atomic writes that work for any legal file name."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from adapters.registry import adapter_for
from adapters.sources import WriteCsvParams, WriteParquetParams
from dataops.errors import Where


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
