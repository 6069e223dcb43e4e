"""Sources and sinks: their params are the contract; the data path is a format adapter."""

from __future__ import annotations

import codecs

from pydantic import Field, field_validator

from module_library.sdk import ModuleParams, sink, source

DELIMITERS = {"auto", ",", ";", "\t", "|"}


class FileParams(ModuleParams):
    path: str = Field(min_length=1, description="File path, relative to the data root.")


def _known_encoding(value: str, *, allow_auto: bool) -> str:
    if allow_auto and value == "auto":
        return value
    try:
        codecs.lookup(value)
    except LookupError:
        raise ValueError(
            f"unknown encoding '{value}' (e.g. utf-8, gbk, gb18030{', auto' if allow_auto else ''})"
        ) from None
    return value


class ReadCsvParams(FileParams):
    encoding: str = Field(
        "auto", description="Text encoding; auto detects UTF-8 (with or without BOM) and GBK/GB18030."
    )
    delimiter: str = Field("auto", description="Field separator; auto sniffs , ; tab and |.")
    header: bool = Field(True, description="First row holds the column names.")

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, value: str) -> str:
        return _known_encoding(value, allow_auto=True)

    @field_validator("delimiter")
    @classmethod
    def _delimiter(cls, value: str) -> str:
        value = "\t" if value in ("\\t", "tab") else value
        if value != "auto" and len(value) != 1:
            raise ValueError(f"delimiter must be one character or 'auto', got {value!r}")
        return value


class WriteCsvParams(FileParams):
    encoding: str = Field("utf-8", description="Text encoding of the written file (no BOM).")

    @field_validator("encoding")
    @classmethod
    def _encoding(cls, value: str) -> str:
        return _known_encoding(value, allow_auto=False)


read_csv = source("read_csv", format="csv", params=ReadCsvParams, description="Read a CSV file.")
write_csv = sink(
    "write_csv", format="csv", params=WriteCsvParams, description="Write a CSV file (header, no index, atomic)."
)
