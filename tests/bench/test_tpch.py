"""The six TPC-H flowcharts at SF 0.01 through the real `dataops run`, checked against DuckDB's
answers to the official SQL: decimals exactly, dates as dates (bench/tpch). The competitors'
scripts are checked the same way, so the benchmark never times a wrong answer."""

from __future__ import annotations

import datetime
import importlib
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pytest

from bench.tpch import QUERIES, flowchart
from bench.tpch.check import differences, reference
from bench.tpch.data import generate
from tests.support.cli import dataops


@pytest.fixture(scope="session")
def tpch(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """tpchgen-cli's Parquet files at scale factor 0.01 (60,175 lineitem rows), once per session."""
    return generate(0.01, tmp_path_factory.mktemp("tpch"))


@pytest.mark.parametrize("query", QUERIES)
def test_flowchart_answers_like_the_official_sql(
    query: int, tpch: Path, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATAOPS_DATA_ROOT", str(tpch))
    output = tpch / "out" / f"q{query}.parquet"
    output.unlink(missing_ok=True)
    ran = dataops("run", str(flowchart(query)), cwd=workspace)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert differences(output, reference(tpch, query), exact=True) == []


@pytest.mark.parametrize("engine", ["pandas", "polars", "duckdb"])
def test_competitor_scripts_answer_like_the_official_sql(engine: str, tpch: Path, tmp_path: Path) -> None:
    script = importlib.import_module(f"bench.tpch.scripts.{engine}_tpch")
    for query in QUERIES:
        output = tmp_path / f"q{query}.parquet"
        if engine == "duckdb":
            script.main(str(query), str(tpch), str(output))
        else:
            script.DATA = tpch
            produced = script.QUERIES[query]()
            produced.to_parquet(output, index=False) if engine == "pandas" else produced.collect().write_parquet(output)
        assert differences(output, reference(tpch, query), exact=False) == [], f"Q{query}"


def test_check_wants_exact_decimals_and_dates_from_a_flowchart() -> None:
    expected = pa.table({"revenue": pa.array([Decimal("1.0001")], pa.decimal128(38, 4)), "day": [datetime.date(1995, 3, 15)]})
    floats = pa.table({"revenue": [1.0001], "day": pa.array([datetime.datetime(1995, 3, 15)], pa.timestamp("ms"))})
    assert differences(floats, expected, exact=False) == []
    assert differences(floats, expected, exact=True) == [
        "revenue is double, expected exact number (decimal128(38, 4))",
        "day is timestamp[ms], expected date (date32[day])",
    ]
    rounded = expected.set_column(0, "revenue", pa.array([Decimal("1.00")], pa.decimal128(38, 2)))
    assert differences(rounded, expected, exact=True) == ["revenue in row 1 is Decimal('1.00'), expected Decimal('1.0001')"]
    assert differences(expected.select(["day"]), expected, exact=True) == [
        "columns ['day'], expected ['revenue', 'day']"
    ]
