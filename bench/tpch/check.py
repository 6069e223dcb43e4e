"""Every answer against DuckDB's answer to the official SQL, column by column and row by row.

Exact numbers (DECIMAL, integers) are compared as `Decimal` values, dates as dates, text as
text, floats (the averages) within a relative 1e-9. `exact=True`, used for the flowcharts,
also requires each column to keep its kind: a decimal that came back as a float is wrong,
however close. The competitors' scripts run with `exact=False`: pandas holds money as float64.
"""

from __future__ import annotations

import datetime
import math
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq

from bench.tpch.scripts.duckdb_tpch import connect, query_text

RELATIVE = 1e-9


def reference(data: Path, query: int) -> pa.Table:
    """DuckDB's answer to the official text of `query` over the Parquet files in `data`."""
    connection = connect(data)
    try:
        return connection.sql(query_text(query)).to_arrow_table()
    finally:
        connection.close()


def differences(produced: Path | pa.Table, expected: pa.Table, *, exact: bool) -> list[str]:
    """What differs, in words; empty when the answer is right."""
    table = pq.read_table(produced) if isinstance(produced, Path) else produced
    if table.column_names != expected.column_names:
        return [f"columns {table.column_names}, expected {expected.column_names}"]
    if table.num_rows != expected.num_rows:
        return [f"{table.num_rows} rows, expected {expected.num_rows}"]
    problems = []
    for name in expected.column_names:
        want_type, got_type = expected.schema.field(name).type, table.schema.field(name).type
        kind = _kind(want_type)
        if exact and _kind(got_type) != kind:
            problems.append(f"{name} is {got_type}, expected {kind} ({want_type})")
            continue
        pairs = zip(table.column(name).to_pylist(), expected.column(name).to_pylist(), strict=True)
        for row, (got, want) in enumerate(pairs):
            if not _same(got, want, kind):
                problems.append(f"{name} in row {row + 1} is {got!r}, expected {want!r}")
                break
    return problems


def _kind(arrow_type: pa.DataType) -> str:
    if pa.types.is_decimal(arrow_type) or pa.types.is_integer(arrow_type):
        return "exact number"
    if pa.types.is_floating(arrow_type):
        return "float"
    if pa.types.is_date(arrow_type):
        return "date"
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type) or pa.types.is_string_view(arrow_type):
        return "text"
    return str(arrow_type)


def _same(got: Any, want: Any, kind: str) -> bool:
    if got is None or want is None:
        return got is None and want is None
    if kind == "exact number" and isinstance(got, int | Decimal):
        return Decimal(got) == Decimal(want)
    if kind in ("exact number", "float"):
        return isinstance(got, int | float | Decimal) and math.isclose(float(got), float(want), rel_tol=RELATIVE)
    if kind == "date" and isinstance(got, datetime.datetime):
        return got.time() == datetime.time() and got.date() == want
    return got == want
