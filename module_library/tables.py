"""Row selection that keeps every column's Arrow type, string views included.

pyarrow's `take` and `filter` have no kernel for `string_view` or `binary_view` (pyarrow 26). A
view column is 16 bytes per row (length, prefix, and buffer index + offset, or the whole value
when it is 12 bytes or shorter) over data buffers it shares: selecting rows selects those 16-byte
views (as `fixed_size_binary(16)`, which pyarrow filters and takes at memory speed) and keeps the
data buffers as they are. No string is copied, and the output type is the input's.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

VIEW = pa.binary(16)


def take(table: pa.Table, indices: pa.Array | pa.ChunkedArray) -> pa.Table:
    """The rows at `indices`, in that order."""
    return _select_rows(table, lambda t: t.take(indices), lambda c: take_views(c, indices))


def keep(table: pa.Table, mask: pa.Array | pa.ChunkedArray) -> pa.Table:
    """The rows where `mask` is true (null counts as false); all of them is the table itself."""
    if mask.null_count == 0 and pc.all(mask).as_py() is not False:
        return table
    return _select_rows(table, lambda t: t.filter(mask), lambda c: keep_views(c, mask))


def with_column(
    table: pa.Table, name: str, values: pa.Array | pa.ChunkedArray, *, pandas_dtype: str | None = None
) -> pa.Table:
    """`table` with column `name` replaced in place, or appended; the other columns are untouched.

    A replaced column of another type loses its entry in pandas' schema metadata (which would make
    a pandas module downstream read it as its old dtype); `pandas_dtype` (e.g. "Int64") records the
    dtype a pandas module gets for it instead.
    """
    if name in table.column_names:
        index = table.column_names.index(name)
        changed = table.field(index).type != values.type
        table = table.set_column(index, pa.field(name, values.type), values)
    else:
        changed = True
        table = table.append_column(pa.field(name, values.type), values)
    return _with_pandas_dtype(table, name, pandas_dtype) if changed or pandas_dtype else table


def as_float(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """A numeric column as float64; decimals through their text, since Arrow's direct cast is off by
    an ulp (100840.04 became 100840.04000000001). Integers beyond 2**53 round to the nearest float,
    as pandas and SQL do (Arrow's safe cast refuses them)."""
    if pa.types.is_decimal(column.type):
        return column.cast(pa.string()).cast(pa.float64())
    return column.cast(pa.float64(), safe=not pa.types.is_integer(column.type))


def _with_pandas_dtype(table: pa.Table, name: str, dtype: str | None) -> pa.Table:
    metadata = table.schema.metadata or {}
    if b"pandas" not in metadata and dtype is None:
        return table
    pandas = json.loads(metadata.get(b"pandas", b'{"index_columns": [], "column_indexes": [], "columns": []}'))
    columns = [c for c in pandas.get("columns", []) if c.get("field_name", c.get("name")) != name]
    if dtype is not None:
        columns.append({"name": name, "field_name": name, "pandas_type": dtype, "numpy_type": dtype, "metadata": None})
    pandas["columns"] = columns
    return table.replace_schema_metadata({**metadata, b"pandas": json.dumps(pandas).encode()})


def _select_rows(
    table: pa.Table,
    rows: Callable[[pa.Table], pa.Table],
    view_rows: Callable[[pa.ChunkedArray], pa.ChunkedArray],
) -> pa.Table:
    """`rows` over the columns pyarrow can select, `view_rows` over the string-view ones, reassembled."""
    views = _views(table.schema)
    if not views:
        return rows(table)
    others = table.drop_columns([table.field(i).name for i in views])
    chosen = rows(others) if len(views) < table.num_columns else None
    return _assemble(table, chosen, {i: view_rows(table.column(i)) for i in views})


def keep_views(column: pa.ChunkedArray, mask: pa.Array | pa.ChunkedArray) -> pa.ChunkedArray:
    """The values of a view column where `mask` is true, chunk by chunk (the data buffers are shared)."""
    mask = mask.combine_chunks() if isinstance(mask, pa.ChunkedArray) else mask
    chunks, start = [], 0
    for chunk in column.chunks:
        part = mask.slice(start, len(chunk))
        start += len(chunk)
        buffers = chunk.buffers()
        chosen = _as_fixed(chunk).filter(part)
        chunks.append(_as_view(chunk.type, chosen, buffers[2:]))
    return pa.chunked_array(chunks, column.type)


def take_views(column: pa.ChunkedArray, indices: pa.Array | pa.ChunkedArray) -> pa.ChunkedArray:
    """The values of a view column at `indices`: the chunks become one over all their data buffers."""
    single = _one_chunk(column)
    chosen = _as_fixed(single).take(indices)
    chosen = chosen.combine_chunks() if isinstance(chosen, pa.ChunkedArray) else chosen
    return pa.chunked_array([_as_view(column.type, chosen, single.buffers()[2:])], column.type)


def without_views(table: pa.Table) -> pa.Table:
    """`table` with string/binary views as large strings/binaries (pyarrow cannot sort views)."""
    for i, field in enumerate(table.schema):
        if _is_view(field.type):
            table = table.set_column(i, field.name, table.column(i).cast(_plain(field.type)))
    return table


def sortable(table: pa.Table) -> pa.Table:
    """Sort keys pyarrow can sort: no views, dictionaries decoded to their values."""
    table = without_views(table)
    for i, field in enumerate(table.schema):
        if pa.types.is_dictionary(field.type):
            table = table.set_column(i, field.name, table.column(i).cast(field.type.value_type))
    return without_views(table)


def _views(schema: pa.Schema) -> list[int]:
    return [i for i, field in enumerate(schema) if _is_view(field.type)]


def _assemble(table: pa.Table, rest: pa.Table | None, views: dict[int, pa.ChunkedArray]) -> pa.Table:
    """The selected columns back in the table's order, with its schema (field metadata included)."""
    others = iter(rest.columns if rest is not None else [])
    columns = [views[i] if i in views else next(others) for i in range(table.num_columns)]
    return pa.Table.from_arrays(columns, schema=table.schema)


def _as_fixed(chunk: pa.Array) -> pa.Array:
    """The 16-byte views of a view array, with its validity, as fixed-size binary."""
    buffers = chunk.buffers()
    return pa.Array.from_buffers(VIEW, len(chunk), buffers[:2], offset=chunk.offset)


def _as_view(kind: pa.DataType, views: pa.Array, data: list[pa.Buffer | None]) -> pa.Array:
    buffers = views.buffers()
    return pa.Array.from_buffers(kind, len(views), [buffers[0], buffers[1], *data], offset=views.offset)


def _one_chunk(column: pa.ChunkedArray) -> pa.Array:
    """A view column as one array: each chunk's out-of-line views point past the data buffers of the
    chunks before it (only the 16-byte views are copied, never the strings)."""
    if column.num_chunks == 1:
        return column.chunk(0)
    if column.num_chunks == 0:
        return pa.array([], column.type)
    views, data, base = [], [], 0
    valid = pc.is_valid(column).combine_chunks()
    start = 0
    for chunk in column.chunks:
        raw = np.frombuffer(chunk.buffers()[1], dtype=np.int32)[chunk.offset * 4 : (chunk.offset + len(chunk)) * 4]
        raw = raw.reshape(-1, 4).copy()
        present = valid.slice(start, len(chunk)).to_numpy(zero_copy_only=False)
        raw[(raw[:, 0] > 12) & present, 2] += base  # the buffer index of values stored out of line
        start += len(chunk)
        views.append(raw)
        buffers = chunk.buffers()[2:]
        data.extend(buffers)
        base += len(buffers)
    joined = pa.py_buffer(np.concatenate(views))
    bitmap = valid.buffers()[1] if column.null_count else None
    fixed = pa.Array.from_buffers(VIEW, len(column), [bitmap, joined])
    return _as_view(column.type, fixed, data)


def _is_view(kind: pa.DataType) -> bool:
    return pa.types.is_string_view(kind) or pa.types.is_binary_view(kind)


def _plain(kind: pa.DataType) -> pa.DataType:
    return pa.large_string() if pa.types.is_string_view(kind) else pa.large_binary()
