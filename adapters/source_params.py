"""Parameters of the sources (read_*): the contract flowcharts are written against."""

from __future__ import annotations

import codecs
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Literal

from pydantic import Field, NonNegativeInt, PositiveInt, ValidationInfo, field_validator, model_validator

from module_library import ModuleParams
from module_library.params import enum_descriptions

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

LINES_SUFFIXES = (".jsonl", ".ndjson")
Scalar = str | int | float | bool | None


class FileParams(ModuleParams):
    path: str = Field(min_length=1, description="File path, relative to the data root.")


def known_encoding(value: str, *, allow_auto: bool) -> str:
    if allow_auto and value == "auto":
        return value
    try:
        codecs.lookup(value)
    except LookupError:
        raise ValueError(
            f"unknown encoding '{value}' (e.g. utf-8, gbk, gb18030{', auto' if allow_auto else ''})"
        ) from None
    return value


def json_lines_default(params: ModuleParams, path: str) -> None:
    """`lines` left unset on a .jsonl / .ndjson path means JSON Lines."""
    if "lines" not in params.model_fields_set and Path(path).suffix.lower() in LINES_SUFFIXES:
        params.lines = True  # type: ignore[attr-defined]


URL_DESCRIPTION = (
    "SQLAlchemy URL, e.g. postgresql://user:${DATAOPS_SECRET_PGPASSWORD}@host:5432/sales (mysql:// and "
    "mariadb:// likewise); ${VAR} is filled from the environment and must be a DATAOPS_SECRET_* variable or one "
    "the operator lists in DATAOPS_ALLOWED_ENV; sqlite:///file.sqlite is a file in the data root."
)


def database_url(value: str) -> str:
    """Only allowed `${VAR}`s; a URL without them must parse and pass the database policy now,
    one with them is checked again once filled, at run time."""
    from dataops.env_vars import refusal

    refused = refusal(value)
    if refused:
        raise ValueError(refused)
    url = _parsed(value)
    if url is not None:
        from adapters.sql_policy import url_problem, with_default_driver

        problem = url_problem(with_default_driver(url))
        if problem:
            raise ValueError(problem)
    return value


def database_query(query: str | None, url: str | None) -> str | None:
    """One read-only query, checked in the URL's dialect when the URL is literal (again at run time)."""
    parsed = _parsed(url) if url else None
    if query is None or parsed is None:
        return query
    from adapters.sql_policy import query_problem

    problem = query_problem(query, parsed.get_backend_name())
    if problem:
        raise ValueError(problem)
    return query


def _parsed(value: str) -> URL | None:
    """The URL parsed when it holds no `${VAR}`; a malformed one is a validation error."""
    if "${" in value:
        return None
    try:
        from sqlalchemy.engine import make_url
        from sqlalchemy.exc import ArgumentError
    except ImportError:  # the adapter reports the missing package with an install hint
        return None
    try:
        return make_url(value)
    except ArgumentError:
        raise ValueError(
            "not a database URL; expected dialect+driver://user:password@host:port/database, "
            "e.g. postgresql://user:${DATAOPS_SECRET_PGPASSWORD}@host:5432/sales or sqlite:///warehouse.sqlite"
        ) from None


class ReadCsvParams(FileParams):
    encoding: str = Field(
        "auto", description="Text encoding; auto detects UTF-8 (with or without BOM) and GBK/GB18030."
    )
    delimiter: str = Field("auto", description="Field separator; auto sniffs , ; tab and |.")
    header: bool = Field(True, description="First row holds the column names.")

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, value: str) -> str:
        return known_encoding(value, allow_auto=True)

    @field_validator("delimiter")
    @classmethod
    def _delimiter(cls, value: str) -> str:
        value = "\t" if value in ("\\t", "tab") else value
        if value != "auto" and len(value) != 1:
            raise ValueError(f"delimiter must be one character or 'auto', got {value!r}")
        return value


class ReadTextParams(ReadCsvParams):
    mode: Annotated[
        Literal["delimited", "fixed_width", "lines"],
        enum_descriptions(
            {
                "delimited": "fields split by delimiter, as read_csv",
                "fixed_width": "columns of the given widths, in characters",
                "lines": "one row per line of text, in a column named line",
            }
        ),
    ] = Field(
        "delimited",
        description="delimited: fields split by `delimiter` (as read_csv); fixed_width: columns of `widths` "
        "characters; lines: one row per line, in column `line`.",
    )
    widths: list[PositiveInt] | None = Field(None, description="fixed_width: the width of each column, in characters.")
    names: list[str] | None = Field(
        None, description="fixed_width: column names (default: the header line, or column_1..n without header)."
    )

    @model_validator(mode="after")
    def _fixed_width(self) -> ReadTextParams:
        if self.mode != "fixed_width":
            if self.widths is not None or self.names is not None:
                raise ValueError("widths and names apply to mode: fixed_width only")
        elif not self.widths:
            raise ValueError("mode fixed_width needs widths, e.g. widths: [10, 6, 8]")
        elif self.names is not None and len(self.names) != len(self.widths):
            raise ValueError(f"names has {len(self.names)} entries but widths has {len(self.widths)}")
        return self


class ReadExcelParams(FileParams):
    sheet: str | NonNegativeInt = Field(0, description="Sheet name, or its 0-based position.")
    header_row: NonNegativeInt | None = Field(
        0, description="0-based row holding the column names; rows above it are skipped. null: no header."
    )


class ReadJsonParams(FileParams):
    lines: bool = Field(
        False, description="false: a JSON array of records; true: JSON Lines, one record per line (default for .jsonl)."
    )

    @model_validator(mode="after")
    def _lines_default(self) -> ReadJsonParams:
        json_lines_default(self, self.path)
        return self


class ReadParquetParams(FileParams):
    columns: list[str] | None = Field(
        None, min_length=1, description="Only these columns (the others are not read from disk)."
    )


class ReadArrowParams(FileParams):
    """Arrow IPC / Feather: the path is all there is."""


class ReadFileParams(ReadCsvParams):
    sheet: str | NonNegativeInt = Field(0, description="Excel: sheet name, or its 0-based position.")
    lines: bool | None = Field(None, description="JSON: JSON Lines; unset means true for .jsonl / .ndjson.")

    @field_validator("path")
    @classmethod
    def _known_extension(cls, value: str) -> str:
        from adapters.registry import adapter_for
        from dataops.errors import AdapterError

        try:
            adapter_for(None, Path(value))
        except AdapterError as exc:
            raise ValueError(exc.message) from None
        return value


class ReadSqlParams(ModuleParams):
    url: str = Field(min_length=1, description=URL_DESCRIPTION)
    table: str | None = Field(None, min_length=1, description="Read this whole table (schema.table allowed).")
    query: str | None = Field(
        None,
        min_length=1,
        description="Or run this one SELECT (WITH ... SELECT and UNION too), read-only; :name marks a parameter.",
    )
    params: dict[str, Scalar | list[Scalar]] | None = Field(
        None, description="Values for the query's :name placeholders, bound by the driver (a list fills IN :name)."
    )

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        return database_url(value)

    @field_validator("query")
    @classmethod
    def _query(cls, value: str | None, info: ValidationInfo) -> str | None:
        return database_query(value, info.data.get("url"))

    @model_validator(mode="after")
    def _table_or_query(self) -> ReadSqlParams:
        if (self.table is None) == (self.query is None):
            raise ValueError("give either 'table' or 'query'")
        if self.params and self.query is None:
            raise ValueError("'params' fill a query's :name placeholders; they need 'query'")
        return self
