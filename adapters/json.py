"""JSON: an array of records, or JSON Lines (one record per line).

JSON Lines go through pyarrow's multi-threaded reader; an array, or lines pyarrow refuses (a
column mixing numbers and text, a broken line), are parsed by the standard library, which also
gives the exact line of a syntax error. JSON has no date type: a text column whose every value
is an ISO-8601 timestamp (as write_json writes them) becomes a datetime column again.
Writing is pandas' `to_json`: records, UTF-8 with non-ASCII kept, ISO dates.
"""

from __future__ import annotations

import json as stdlib_json
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pajson

from adapters.base import FileAdapter
from adapters.projection import projection
from adapters.registry import register_adapter
from dataops.errors import AdapterError, Where
from module_library.arrow_convert import MAX_NESTING, check_nesting, column_to_arrow

if TYPE_CHECKING:
    import pandas as pd

LINES_EXTENSIONS = (".jsonl", ".ndjson")
_LINES_HINT = "set lines: true for JSON Lines"
_BRACKET_STEP = np.zeros(256, np.int8)
_BRACKET_STEP[[ord("["), ord("{")]] = 1
_BRACKET_STEP[[ord("]"), ord("}")]] = -1


class JsonAdapter(FileAdapter):
    format = "json"
    extensions = (".json", *LINES_EXTENSIONS)

    def _read(self, path: Path, params: Any, columns: Sequence[str] | None) -> pa.Table:
        described = self._describe(path)
        if self._lines(path, params):
            table = _read_lines(path, described, columns)
        else:
            table = _read_array(path, described, columns)
        check_nesting(table.schema)
        selected = projection(table.column_names, columns)
        return _timestamps(table if selected is None else table.select(selected))

    def _write(self, frame: pd.DataFrame, path: Path, params: Any) -> None:
        lines = self._lines(path, params)
        frame.to_json(
            path, orient="records", lines=lines, force_ascii=False, date_format="iso", date_unit="us", compression=None
        )

    @staticmethod
    def _lines(path: Path, params: Any) -> bool:
        """`lines` as given; unset (read_file) means JSON Lines for .jsonl / .ndjson."""
        lines = getattr(params, "lines", None)
        return path.suffix.lower() in LINES_EXTENSIONS if lines is None else lines


def _read_array(path: Path, described: str, columns: Sequence[str] | None) -> pa.Table:
    try:
        with path.open(encoding="utf-8-sig") as handle:
            document = stdlib_json.load(handle)
    except UnicodeDecodeError as exc:
        raise AdapterError(f"{described} is not UTF-8 text (JSON files are UTF-8)") from exc
    except stdlib_json.JSONDecodeError as exc:
        hint = f"; {_LINES_HINT}" if exc.msg == "Extra data" else ""
        raise AdapterError(
            f"{described} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}{hint}"
        ) from exc
    if not isinstance(document, list):
        raise AdapterError(
            f"{described}: expected a JSON array of records, got {_kind(document)}"
            + (f"; {_LINES_HINT}" if isinstance(document, dict) else ""),
            Where(field="lines") if isinstance(document, dict) else None,
        )
    for index, record in enumerate(document):
        if not isinstance(record, dict):
            raise AdapterError(f"{described}: item {index} of the array is {_kind(record)}, not a record (an object)")
    return _records_to_arrow(document, columns)


def _read_lines(path: Path, described: str, columns: Sequence[str] | None) -> pa.Table:
    """pyarrow's reader parses every field (it selects columns only given every type up front);
    the standard library's records are turned into Arrow only for the needed columns."""
    if _nesting_bound(path) <= MAX_NESTING:  # pyarrow's time grows with the square of the depth
        try:
            return pajson.read_json(path)
        except pa.ArrowInvalid:
            pass  # the exact line, or a column of mixed types: the standard library finds out which
    return _records_to_arrow(list(_parsed_lines(path, described)), columns)


def _nesting_bound(path: Path) -> int:
    """How deep brackets nest at most (those inside strings count too, so it may overestimate)."""
    depth = deepest = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 23):
            levels = np.cumsum(_BRACKET_STEP[np.frombuffer(chunk, np.uint8)], dtype=np.int32) + depth
            deepest, depth = max(deepest, int(levels.max())), int(levels[-1])
    return deepest


def _parsed_lines(path: Path, described: str) -> Iterator[dict[str, Any]]:
    with path.open("rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                text = raw.decode("utf-8-sig" if number == 1 else "utf-8").strip()
            except UnicodeDecodeError as exc:
                raise AdapterError(f"{described}: line {number} is not UTF-8 text (JSON files are UTF-8)") from exc
            if not text:
                continue
            try:
                record = stdlib_json.loads(text)
            except stdlib_json.JSONDecodeError as exc:
                raise AdapterError(
                    f"{described}: line {number} is not valid JSON ({exc.msg}, column {exc.colno}); "
                    "is the file cut short, or a JSON array (then set lines: false)?"
                ) from exc
            if not isinstance(record, dict):
                raise AdapterError(f"{described}: line {number} is {_kind(record)}, not a record (an object)")
            yield record


def _records_to_arrow(records: list[dict[str, Any]], columns: Sequence[str] | None) -> pa.Table:
    """The records' fields as typed columns, in order of first appearance; only `columns` when the
    records hold every required one of them."""
    names = list(dict.fromkeys(name for record in records for name in record))
    names = projection(names, columns) or names
    arrays = [column_to_arrow([record.get(name) for record in records]) for name in names]
    return pa.Table.from_arrays(arrays, names=names)


def _timestamps(table: pa.Table) -> pa.Table:
    """Text columns of ISO-8601 timestamps, and pyarrow's inferred ones, as timestamp[us]."""
    for index, column in enumerate(table.columns):
        if pa.types.is_timestamp(column.type) and column.type.unit != "us":
            table = table.set_column(index, table.field(index).name, column.cast(pa.timestamp("us", column.type.tz)))
        elif pa.types.is_string(column.type) and column.null_count < len(column):
            parsed = _as_timestamps(column)
            if parsed is not None:
                table = table.set_column(index, table.field(index).name, parsed)
    return table


def _as_timestamps(column: pa.ChunkedArray) -> pa.ChunkedArray | None:
    for target in (pa.timestamp("us"), pa.timestamp("us", "UTC")):  # without, then with a zone offset
        try:
            return pc.cast(column, target)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
    return None


def _kind(value: Any) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "true/false", type(None): "null"}
    return names.get(type(value), "a number")


register_adapter(JsonAdapter())
