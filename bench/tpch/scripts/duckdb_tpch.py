"""TPC-H with DuckDB: the official SQL of bench/tpch/sql over views of the Parquet files.

    python bench/tpch/scripts/duckdb_tpch.py QUERY DATA_FOLDER OUTPUT.parquet

It is also the reference every other answer is checked against (bench/tpch/check.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb

SQL = Path(__file__).resolve().parents[1] / "sql"
TABLES = ("lineitem", "orders", "customer", "supplier", "nation", "region")


def connect(data: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory database with one view per TPC-H table over its Parquet file."""
    connection = duckdb.connect()
    for table in TABLES:
        connection.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{data / table}.parquet')")
    return connection


def query_text(query: int) -> str:
    """The official text of query `query`, without its final semicolon."""
    return (SQL / f"q{query}.sql").read_text(encoding="utf-8").strip().removesuffix(";")


def main(query: str, data: str, output: str) -> None:
    connection = connect(Path(data))
    connection.execute(f"COPY ({query_text(int(query))}) TO '{output}' (FORMAT parquet)")


if __name__ == "__main__":
    main(*sys.argv[1:])
