"""Row selection that keeps every column's Arrow type, string views included.

pyarrow's `take` and `filter` have no kernel for `string_view` (pyarrow 26); such columns go
through `large_string` and are cast back (0.07 s for 6M values), so the output type is the input's.
"""

from __future__ import annotations

import pyarrow as pa


def take(table: pa.Table, indices: pa.Array | pa.ChunkedArray) -> pa.Table:
    """The rows at `indices`, in that order."""
    return _with_views(table, lambda plain: plain.take(indices))


def keep(table: pa.Table, mask: pa.Array | pa.ChunkedArray) -> pa.Table:
    """The rows where `mask` is true."""
    return _with_views(table, lambda plain: plain.filter(mask))


def _with_views(table: pa.Table, select) -> pa.Table:
    views = [i for i, field in enumerate(table.schema) if _is_view(field.type)]
    if not views:
        return select(table)
    plain = table
    for i in views:
        plain = plain.set_column(i, table.field(i).name, table.column(i).cast(_plain(table.field(i).type)))
    chosen = select(plain)
    for i in views:
        chosen = chosen.set_column(i, table.field(i), chosen.column(i).cast(table.field(i).type))
    return chosen


def _is_view(kind: pa.DataType) -> bool:
    return pa.types.is_string_view(kind) or pa.types.is_binary_view(kind)


def _plain(kind: pa.DataType) -> pa.DataType:
    return pa.large_string() if pa.types.is_string_view(kind) else pa.large_binary()
