"""A source's columns and types without reading its data: what validation and the editor show.

Parquet and Arrow IPC files hold their schema in metadata. A small file (up to `WHOLE_BYTES`) is
read whole by its own adapter, so its types are the ones a run gets. A larger text file (CSV,
TSV, text, JSON Lines) is read by its adapter from a copy of its first `HEAD_BYTES` (whole lines):
the names are certain, the types sampled. A larger Excel sheet gives its header row, a database
table or query its columns (`LIMIT 0`). Answers are cached by path, size and modification time.
"""

from __future__ import annotations

import os
import tempfile
import threading
import time
from collections import OrderedDict
from collections.abc import Hashable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from adapters.base import Adapter, unique_columns
from adapters.registry import adapter_for
from dataops.errors import NOWHERE, AdapterError, DataOpsError, Where, did_you_mean
from module_library.arrow_convert import frame_to_arrow, is_frame

if TYPE_CHECKING:
    import pandas as pd

WHOLE_BYTES = 2 * 1024 * 1024
HEAD_BYTES = 256 * 1024
CACHED = 256
DATABASE_SECONDS = 60  # a table's columns are asked again after this long
_HEAD_FORMATS = ("csv", "text", "json")


@dataclass(frozen=True)
class SourceSchema:
    """The columns a source gives; `exact`: the types are the ones a run gets, not a sample's."""

    schema: pa.Schema
    exact: bool


_cache: OrderedDict[Hashable, SourceSchema | None] = OrderedDict()
_cache_lock = threading.Lock()


def source_schema(format: str | None, params: Any, *, root: Path, where: Where = NOWHERE) -> SourceSchema | None:
    """The schema of what `params` point at, or None when it cannot be told cheaply.

    Raises `AdapterError` for what a run would refuse before reading: a missing or empty file,
    a path outside the data root, a database that cannot be reached.
    """
    path = getattr(params, "path", None)
    adapter = adapter_for(format, Path(path) if path else None, where=where)
    location = adapter.locate(params, root, where)
    adapter._check_readable(location, where)
    if isinstance(location, Path):
        stat = location.stat()
        key: Hashable = (adapter.format, _params_key(params), str(location), stat.st_size, stat.st_mtime_ns)
    else:
        key = (adapter.format, _params_key(params), str(root), int(time.monotonic() // DATABASE_SECONDS))
    with _cache_lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    try:
        found = _schema(adapter, location, params, root, where)
    except DataOpsError as exc:
        raise exc.located(where) from exc.__cause__
    except Exception as exc:  # the run reports the file's own problem with the data in hand
        raise AdapterError(f"cannot read the columns of {adapter._describe(location)}: {exc}", where) from exc
    with _cache_lock:
        _cache[key] = found
        while len(_cache) > CACHED:
            _cache.popitem(last=False)
    return found


def _params_key(params: Any) -> str:
    return params.model_dump_json() if hasattr(params, "model_dump_json") else repr(params)


def _schema(adapter: Adapter, location: Any, params: Any, root: Path, where: Where) -> SourceSchema | None:
    if adapter.format == "parquet":
        return _parquet(location, params)
    if adapter.format == "arrow":
        arrow = _arrow(location)
        if arrow is not None:
            return arrow
    if adapter.format == "sql":
        return _database(adapter, location, params)
    size = location.stat().st_size
    if size <= WHOLE_BYTES:
        return SourceSchema(_table(adapter.read(params, root=root, where=where)).schema, exact=True)
    if adapter.format == "excel":
        return _excel_header(location, params)
    if adapter.format in _HEAD_FORMATS and not (adapter.format == "json" and not _json_lines(location, params)):
        return _head(adapter, location, params, where)
    return None


def _table(data: pa.Table | pd.DataFrame) -> pa.Table:
    return frame_to_arrow(data) if is_frame(data) else data


def _parquet(path: Path, params: Any) -> SourceSchema:
    import pyarrow.parquet as pq

    schema = pq.read_schema(path)
    requested = getattr(params, "columns", None)
    if requested is not None:
        missing = [name for name in requested if name not in schema.names]
        if missing:  # the adapter's own message, with the did-you-mean
            from adapters.parquet import ParquetAdapter

            ParquetAdapter()._read(path, params, None)
        schema = pa.schema([schema.field(name) for name in dict.fromkeys(requested)])
    return SourceSchema(unique_columns(schema.empty_table()).schema, exact=True)


def _arrow(path: Path) -> SourceSchema | None:
    """An IPC file or stream's schema from its header; Feather v1 is left to the whole read."""
    with path.open("rb") as handle:
        head = handle.read(8)
    if head.startswith(b"ARROW1"):
        schema = pa.ipc.open_file(path).schema
    elif head.startswith(b"\xff\xff\xff\xff"):
        with pa.OSFile(str(path)) as source:
            schema = pa.ipc.open_stream(source).schema
    else:
        return None
    return SourceSchema(unique_columns(schema.empty_table()).schema, exact=True)


def _json_lines(path: Path, params: Any) -> bool:
    lines = getattr(params, "lines", None)
    return bool(lines) if lines is not None else path.suffix.lower() in (".jsonl", ".ndjson")


def _head(adapter: Adapter, path: Path, params: Any, where: Where) -> SourceSchema | None:
    """The adapter's reading of the file's first whole lines (copied beside nothing: a temporary file)."""
    with path.open("rb") as handle:
        sample = handle.read(HEAD_BYTES)
    cut = sample.rfind(b"\n")
    if cut <= 0:
        return None
    handle_fd, name = tempfile.mkstemp(suffix=path.suffix)
    try:
        with os.fdopen(handle_fd, "wb") as copy:
            copy.write(sample[: cut + 1])
        table = _table(adapter._read(Path(name), params, None))
    except (DataOpsError, pa.ArrowException, ValueError):
        return None  # a value quoted across the cut, say: the names are not certain either
    finally:
        os.unlink(name)
    return SourceSchema(unique_columns(table).schema, exact=False)


def _excel_header(path: Path, params: Any) -> SourceSchema:
    """The header row of a large sheet, its types unknown (null)."""
    import pandas as pd

    from adapters.excel import _header_row, _pick_sheet

    header = _header_row(params)
    with pd.ExcelFile(path, engine="calamine") as workbook:
        sheet = _pick_sheet(workbook.sheet_names, getattr(params, "sheet", 0), f"excel file '{path}'")
        first = pd.read_excel(workbook, sheet_name=sheet, header=header, nrows=0)
    names = [str(c) for c in first.columns]
    if header is None:
        names = [f"column_{i}" for i in range(1, len(names) + 1)]
    schema = pa.schema([pa.field(name, pa.null()) for name in names])
    return SourceSchema(unique_columns(schema.empty_table()).schema, exact=False)


def _database(adapter: Adapter, location: Any, params: Any) -> SourceSchema | None:
    """A table's columns from the database's catalogue, a query's from running it with `LIMIT 0`
    (types are left to the run)."""
    import sqlalchemy as sa

    from adapters.sql import split_table

    with adapter._connection(location, read_only=True) as connection:  # type: ignore[attr-defined]
        if location.table:
            schema, name = split_table(location.table)
            inspector = sa.inspect(connection)
            try:
                names = [column["name"] for column in inspector.get_columns(name, schema=schema)]
            except sa.exc.NoSuchTableError:
                tables = sorted(inspector.get_table_names(schema=schema) + inspector.get_view_names(schema=schema))
                raise AdapterError(
                    f"{adapter._describe(location)} does not exist{did_you_mean(name, tables)}", Where(field="table")
                ) from None
        else:
            bound = getattr(params, "params", None) or {}
            query = sa.text(location.query).columns().subquery("q")
            try:
                result = connection.execute(sa.select(sa.text("*")).select_from(query).limit(0), bound)
            except sa.exc.SQLAlchemyError:
                return None  # the run reports the query's own error, in the adapter's words
            names = list(result.keys())
            result.close()
    schema = pa.schema([pa.field(str(name), pa.null()) for name in names])
    return SourceSchema(unique_columns(schema.empty_table()).schema, exact=False)
