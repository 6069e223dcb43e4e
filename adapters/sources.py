"""Sources and sinks: their params are the contract; the data path is a format adapter.

`format` names the adapter (see `adapters/`); read_file has none, so the file's extension picks it.
They are declared here, through the module SDK, because their params ask the adapters (read_file's
extension, the database policy); `module_library` never imports `adapters`. Discovery loads this
file through the project's own `dataops.modules` entry point (pyproject.toml), as it loads any
installed plugin package.
"""

from __future__ import annotations

from adapters.sink_params import (
    WriteCsvParams,
    WriteExcelParams,
    WriteJsonParams,
    WriteParquetParams,
    WriteSqlParams,
)
from adapters.source_params import (
    ReadArrowParams,
    ReadCsvParams,
    ReadExcelParams,
    ReadFileParams,
    ReadJsonParams,
    ReadParquetParams,
    ReadSqlParams,
    ReadTextParams,
)
from module_library import sink, source

__all__ = [
    "ReadArrowParams",
    "ReadCsvParams",
    "ReadExcelParams",
    "ReadFileParams",
    "ReadJsonParams",
    "ReadParquetParams",
    "ReadSqlParams",
    "ReadTextParams",
    "WriteCsvParams",
    "WriteExcelParams",
    "WriteJsonParams",
    "WriteParquetParams",
    "WriteSqlParams",
]

read_csv = source("read_csv", format="csv", params=ReadCsvParams, description="Read a CSV file.")
read_text = source(
    "read_text",
    format="text",
    params=ReadTextParams,
    description="Read a text file: delimited, fixed-width columns, or one row per line.",
)
read_excel = source(
    "read_excel", format="excel", params=ReadExcelParams, description="Read one sheet of an Excel workbook."
)
read_json = source(
    "read_json", format="json", params=ReadJsonParams, description="Read a JSON array of records, or JSON Lines."
)
read_parquet = source("read_parquet", format="parquet", params=ReadParquetParams, description="Read a Parquet file.")
read_arrow = source(
    "read_arrow", format="arrow", params=ReadArrowParams, description="Read an Arrow IPC (Feather) file."
)
read_sql = source(
    "read_sql", format="sql", params=ReadSqlParams, description="Read a database table, or the rows of a query."
)
read_file = source(
    "read_file",
    params=ReadFileParams,
    description="Read a file in the format its extension names (csv, tsv, txt, xlsx, json, jsonl, parquet, feather).",
)

write_csv = sink(
    "write_csv", format="csv", params=WriteCsvParams, description="Write a CSV file (header, no index, atomic)."
)
write_excel = sink("write_excel", format="excel", params=WriteExcelParams, description="Write an .xlsx workbook.")
write_json = sink(
    "write_json", format="json", params=WriteJsonParams, description="Write JSON records (UTF-8, ISO dates)."
)
write_parquet = sink("write_parquet", format="parquet", params=WriteParquetParams, description="Write a Parquet file.")
write_sql = sink(
    "write_sql", format="sql", params=WriteSqlParams, description="Write a database table in one transaction."
)
