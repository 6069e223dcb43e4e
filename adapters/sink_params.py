"""Parameters of the sinks (write_*): every file is written atomically inside the data root."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator, model_validator

from adapters.source_params import (
    URL_DESCRIPTION,
    FileParams,
    database_url,
    json_lines_default,
    known_encoding,
)
from module_library import ModuleParams
from module_library.params import enum_descriptions

_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


class WriteCsvParams(FileParams):
    encoding: str = Field("utf-8", description="Text encoding of the written file (no BOM).")

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, value: str) -> str:
        return known_encoding(value, allow_auto=False)


class WriteExcelParams(FileParams):
    sheet: str = Field("Sheet1", min_length=1, max_length=31, description="Name of the sheet written.")

    @field_validator("path")
    @classmethod
    def _xlsx(cls, value: str) -> str:
        if Path(value).suffix.lower() != ".xlsx":
            raise ValueError(f"write_excel writes .xlsx workbooks; name the file e.g. '{Path(value).stem}.xlsx'")
        return value

    @field_validator("sheet")
    @classmethod
    def _sheet(cls, value: str) -> str:
        if _SHEET_FORBIDDEN.search(value) or value.startswith("'") or value.endswith("'"):
            raise ValueError("a sheet name may not contain [ ] : * ? / \\ nor start or end with '")
        return value


class WriteJsonParams(FileParams):
    lines: bool = Field(
        False,
        description="false: a JSON array of records; true: JSON Lines, one record per line (default for .jsonl).",
    )

    @model_validator(mode="after")
    def _lines_default(self) -> WriteJsonParams:
        json_lines_default(self, self.path)
        return self


class WriteParquetParams(FileParams):
    """Parquet: the path is all there is."""


class WriteSqlParams(ModuleParams):
    url: str = Field(min_length=1, description=URL_DESCRIPTION)
    table: str = Field(min_length=1, description="Table to write (schema.table allowed).")
    if_exists: Annotated[
        Literal["fail", "replace", "append"],
        enum_descriptions(
            {
                "fail": "stop the run and leave the table as it is",
                "replace": "drop the table and write the data as a new one",
                "append": "add the rows to the table",
            }
        ),
    ] = Field("fail", description="When the table exists: fail, replace it, or append the rows.")

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return database_url(value)
