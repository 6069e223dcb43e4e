"""Benchmark 8: TPC-H Q1, Q3, Q5, Q6, Q10 and Q12 as flowcharts, against pandas, polars and DuckDB.

    flowcharts/qN.yaml      each query drawn from the step modules, as an analyst would
    sql/qN.sql              the official text with the standard substitution parameters
    scripts/*_tpch.py       the competitors: hand-written pandas, polars, DuckDB (the official SQL)
    data.py                 tpchgen-cli's Parquet files, generated once per scale factor
    check.py                every answer against DuckDB's: exact decimals, dates as dates
    runner.py               whole processes, alternating, medians, peak memory; the report
"""

from __future__ import annotations

from pathlib import Path

HERE = Path(__file__).resolve().parent
QUERIES = (1, 3, 5, 6, 10, 12)


def flowchart(query: int) -> Path:
    return HERE / "flowcharts" / f"q{query}.yaml"
