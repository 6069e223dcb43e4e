"""Sources and sinks: each module's adapter, read_file's choice by extension, and real runs through the CLI."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from adapters.registry import adapter_for
from adapters.sources import (
    ReadFileParams,
    WriteExcelParams,
    WriteJsonParams,
    WriteParquetParams,
)
from module_library.arrow_convert import arrow_to_pandas
from module_library.registry import MODULES
from tests.adapters.conftest import sample
from tests.support.cli import dataops

PROJECT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("module", "kind", "format"),
    [
        ("read_csv", "source", "csv"),
        ("read_text", "source", "text"),
        ("read_excel", "source", "excel"),
        ("read_json", "source", "json"),
        ("read_parquet", "source", "parquet"),
        ("read_arrow", "source", "arrow"),
        ("read_sql", "source", "sql"),
        ("read_file", "source", None),
        ("write_csv", "sink", "csv"),
        ("write_excel", "sink", "excel"),
        ("write_json", "sink", "json"),
        ("write_parquet", "sink", "parquet"),
        ("write_sql", "sink", "sql"),
    ],
)
def test_each_module_reads_or_writes_through_its_adapter(module: str, kind: str, format: str | None) -> None:
    spec = MODULES[module]
    assert (spec.kind, spec.format) == (kind, format)
    if format is not None:
        assert adapter_for(format).format == format


@pytest.mark.parametrize(
    ("path", "format"),
    [
        ("in/a.csv", "csv"),
        ("a.TSV", "csv"),
        ("a.txt", "text"),
        ("a.xlsx", "excel"),
        ("a.xls", "excel"),
        ("a.json", "json"),
        ("a.jsonl", "json"),
        ("a.parquet", "parquet"),
        ("a.feather", "arrow"),
        ("a.arrow", "arrow"),
    ],
)
def test_read_file_picks_the_reader_by_extension(path: str, format: str) -> None:
    assert adapter_for(None, Path(ReadFileParams(path=path).path)).format == format


def test_read_file_refuses_an_unknown_extension_when_validated() -> None:
    with pytest.raises(ValueError, match=r"cannot tell the format of 'a.dat' from '.dat' \(known: .*\.xlsx"):
        ReadFileParams(path="a.dat")


@pytest.mark.parametrize(
    ("name", "params"),
    [
        ("a.xlsx", WriteExcelParams(path="a.xlsx")),
        ("a.json", WriteJsonParams(path="a.json")),
        ("a.jsonl", WriteJsonParams(path="a.jsonl")),
        ("a.parquet", WriteParquetParams(path="a.parquet")),
    ],
)
def test_read_file_reads_what_the_writers_wrote(tmp_path: Path, name: str, params) -> None:
    adapter_for(None, Path(name)).write(sample(), params, root=tmp_path)
    frame = as_frame(adapter_for(None, Path(name)).read(ReadFileParams(path=name), root=tmp_path))
    pd.testing.assert_frame_equal(frame, sample())


FLOWCHART = """
name: excel_to_files
nodes:
  - {id: load, module: read_excel, params: {path: in/订单.xlsx, sheet: 订单}}
  - {id: load_any, module: read_file, params: {path: in/订单.xlsx, sheet: 订单}}
  - {id: both, module: union}
  - {id: parquet, module: write_parquet, params: {path: out/订单.parquet}}
  - {id: json, module: write_json, params: {path: out/订单.json}}
edges:
  - {from: load, to: both}
  - {from: load_any, to: both}
  - {from: both, to: parquet}
  - {from: both, to: json}
"""


def test_a_flowchart_reads_xlsx_and_writes_parquet_and_json(workspace: Path) -> None:
    data = workspace / "data"
    adapter_for("excel").write(sample(), WriteExcelParams(path="in/订单.xlsx", sheet="订单"), root=data)
    flowchart = workspace / "flowcharts" / "excel_to_files.yaml"
    flowchart.write_text(FLOWCHART, encoding="utf-8")
    result = dataops("run", str(flowchart), cwd=PROJECT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1].startswith("✓ excel_to_files succeeded")
    expected = pd.concat([sample(), sample()], ignore_index=True)
    pd.testing.assert_frame_equal(pd.read_parquet(data / "out" / "订单.parquet"), expected)
    written = as_frame(adapter_for("json").read(WriteJsonParams(path="out/订单.json"), root=data))
    pd.testing.assert_frame_equal(written, expected)
    assert '"城市":"北京"' in (data / "out" / "订单.json").read_text(encoding="utf-8")
    assert sorted(p.name for p in (data / "out").iterdir()) == ["订单.json", "订单.parquet"]


def test_a_missing_sheet_fails_the_run_naming_node_and_sheets(workspace: Path) -> None:
    data = workspace / "data"
    adapter_for("excel").write(sample(), WriteExcelParams(path="in/订单.xlsx", sheet="明细"), root=data)
    flowchart = workspace / "flowcharts" / "excel_to_files.yaml"
    flowchart.write_text(FLOWCHART, encoding="utf-8")
    result = dataops("run", str(flowchart), cwd=PROJECT)
    assert result.returncode == 1
    assert "excel_to_files › load › sheet: excel file" in result.stderr
    assert "has no sheet '订单' (sheets: '明细')" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert not (data / "out").exists() or list((data / "out").iterdir()) == []


def as_frame(data: pa.Table | pd.DataFrame) -> pd.DataFrame:
    """What a reader gave, as a frame (the file readers give Arrow; Excel still gives pandas)."""
    return arrow_to_pandas(data) if isinstance(data, pa.Table) else data
