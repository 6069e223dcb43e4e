"""CSV: pyarrow's readers (threaded, or streaming for a narrow projection) give Arrow; pandas' writer."""

from __future__ import annotations

import codecs
import csv as stdlib_csv
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import pyarrow as pa
import pyarrow.csv as pacsv

from adapters.base import FileAdapter
from adapters.projection import projection
from adapters.registry import register_adapter
from adapters.text_sniff import detect_encoding, read_sample, sniff_delimiter
from dataops.errors import AdapterError

if TYPE_CHECKING:
    import pandas as pd

# Benchmark 7 (docs/benchmarks.md): pyarrow's threaded reader parses on every core but holds the
# whole file and its parsed cells meanwhile (about 3x the file at peak); the streaming reader holds
# a few blocks and parses on one core. A projection keeping few columns of a wide file makes a
# small table, so there the threaded reader's buffers would be the run's peak memory (benchmark 4):
# below half of the columns, stream. Blocks: 16 MiB is the threaded reader's fastest on 2 cores;
# streaming, 4 MiB blocks peak at half the memory of 16 MiB ones at the same speed.
BLOCK_BYTES = 1 << 24
STREAM_BLOCK_BYTES = 1 << 22
STREAM_BELOW = 0.5
# A newline inside a value needs quotes around it. pyarrow's reader splits a file into blocks at
# newlines, on every core, unless values may hold newlines; then it has to find the row ends
# first. On a file without a single quote character that cannot happen, and the read takes
# 1.5 s instead of 2.2-5.1 s (10M rows, 6 of 10 columns, 2 cores); looking for a quote costs
# about 0.1 s there (memchr over 1 MiB chunks of the file).
QUOTE = b'"'
SCAN_BYTES = 1 << 20


class CsvAdapter(FileAdapter):
    format = "csv"
    extensions: ClassVar[tuple[str, ...]] = (".csv", ".tsv")  # subclasses (text) read other extensions

    def _read(self, path: Path, params: Any, columns: Sequence[str] | None) -> pa.Table:
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
            newlines = _may_quote(path, encoding)
            options = {
                "parse_options": pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=newlines),
                "convert_options": pacsv.ConvertOptions(include_columns=selected, strings_can_be_null=True),
            }
            few = selected is not None and len(selected) < STREAM_BELOW * len(header)
            table = None
            if few:
                streaming = pacsv.ReadOptions(encoding=native, column_names=names, block_size=STREAM_BLOCK_BYTES)
                table = _read_streaming(path, {**options, "read_options": streaming})
            if table is None:
                threaded = pacsv.ReadOptions(encoding=native, column_names=names, block_size=BLOCK_BYTES)
                table = pacsv.read_csv(path, **options, read_options=threaded)
            undecoded = [field.name for field in table.schema if pa.types.is_binary(field.type)]
            if undecoded:  # pyarrow keeps a column that is not valid UTF-8 as bytes, silently
                raise AdapterError(
                    f"{self._describe(path)} is not valid {encoding} text (column '{undecoded[0]}'); set 'encoding' "
                    "(e.g. gbk, gb18030, utf-8)"
                )
            return table
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


def _read_streaming(path: Path, options: dict[str, Any]) -> pa.Table | None:
    """One block at a time; None when a later block does not fit the types the first one gave.

    The streaming reader infers each column's type from the first block only, the threaded one
    from all of them (an integer column with a decimal further down becomes double): on such a
    conversion error the caller reads again with the threaded reader, so the result never depends
    on which reader ran.
    """
    try:
        return pacsv.open_csv(path, **options).read_all()
    except pa.ArrowInvalid as exc:
        if "conversion error" in str(exc):
            return None
        raise


def _may_quote(path: Path, encoding: str) -> bool:
    """Whether a value of the file may be quoted (and so hold a newline): it has a quote byte.

    Sound for the ASCII-compatible encodings (UTF-8, GBK, GB18030, Big5, Shift-JIS, Latin-1...):
    none of their multi-byte characters contains the byte 0x22. Others are assumed to quote.
    Read in 1 MiB chunks into one buffer: mapping the file instead would count all of it in the
    process's resident memory (benchmark 4 measures that peak).
    """
    if codecs.lookup(encoding).name.startswith(("utf-16", "utf-32")):
        return True
    chunk = bytearray(SCAN_BYTES)
    with path.open("rb", buffering=0) as handle:
        while size := handle.readinto(chunk):
            if chunk.find(QUOTE, 0, size) >= 0:
                return True
    return False


def _decode(sample: bytes, encoding: str) -> str:
    return sample.decode(encoding, errors="ignore")


def _first_row(sample: bytes, encoding: str, delimiter: str) -> list[str]:
    """The cells of the first line: the header, or the width of a file without one."""
    first = _decode(sample, encoding).lstrip("\ufeff").splitlines()[:1]
    return next(stdlib_csv.reader(first, delimiter=delimiter), []) if first else []


register_adapter(CsvAdapter())
