"""CSV: pyarrow's multi-threaded reader (column projection included), pandas' writer."""

from __future__ import annotations

import codecs
import csv as stdlib_csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from adapters.arrow_convert import arrow_to_pandas
from adapters.base import FileAdapter
from adapters.projection import projection
from adapters.registry import register_adapter
from adapters.text_sniff import detect_encoding, read_sample, sniff_delimiter
from dataops.errors import AdapterError


class CsvAdapter(FileAdapter):
    format = "csv"
    extensions = (".csv", ".tsv")

    def _read(self, path: Path, params: Any, columns: Sequence[str] | None) -> pd.DataFrame:
        sample = read_sample(path)
        encoding = detect_encoding(sample) if params.encoding == "auto" else params.encoding
        delimiter = params.delimiter
        if delimiter == "auto":
            delimiter = "\t" if path.suffix.lower() == ".tsv" else sniff_delimiter(_decode(sample, encoding))
        header = _first_row(sample, encoding, delimiter)
        names = None if params.header else [f"column_{i}" for i in range(1, len(header) + 1)]
        selected = projection(names or header, columns)
        # pyarrow decodes UTF-8 natively; any other codec goes through a Python transcoder.
        native = "utf8" if codecs.lookup(encoding).name == "utf-8" else encoding
        try:
            table = pacsv.read_csv(
                path,
                read_options=pacsv.ReadOptions(encoding=native, column_names=names, block_size=1 << 24),
                parse_options=pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=True),
                convert_options=pacsv.ConvertOptions(
                    include_columns=selected,
                    strings_can_be_null=True,
                ),
            )
            return arrow_to_pandas(table)
        except (pa.ArrowInvalid, UnicodeDecodeError) as exc:
            if "UTF8" in str(exc) or isinstance(exc, UnicodeDecodeError):
                raise AdapterError(
                    f"{self._describe(path)} is not valid {encoding} text; set 'encoding' (e.g. gbk, gb18030, utf-8)"
                ) from exc
            raise

    def _write(self, frame: pd.DataFrame, path: Path, params: Any) -> None:
        try:
            frame.to_csv(path, index=False, encoding=params.encoding)
        except UnicodeEncodeError as exc:
            bad = exc.object[exc.start : exc.end]
            raise AdapterError(
                f"the text {bad!r} cannot be written in {params.encoding}; use encoding utf-8 or gb18030"
            ) from exc


def _decode(sample: bytes, encoding: str) -> str:
    return sample.decode(encoding, errors="ignore")


def _first_row(sample: bytes, encoding: str, delimiter: str) -> list[str]:
    """The cells of the first line: the header, or the width of a file without one."""
    first = _decode(sample, encoding).lstrip("\ufeff").splitlines()[:1]
    return next(stdlib_csv.reader(first, delimiter=delimiter), []) if first else []


register_adapter(CsvAdapter())
