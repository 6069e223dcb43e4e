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


def without_views(table: pa.Table) -> pa.Table:
    """`table` with string/binary views as large strings/binaries (pyarrow cannot sort views either)."""
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


def _with_views(table: pa.Table, select) -> pa.Table:
    views = [i for i, field in enumerate(table.schema) if _is_view(field.type)]
    if not views:
        return select(table)
    chosen = select(without_views(table))
    for i in views:
        chosen = chosen.set_column(i, table.field(i), chosen.column(i).cast(table.field(i).type))
    return chosen


def _is_view(kind: pa.DataType) -> bool:
    return pa.types.is_string_view(kind) or pa.types.is_binary_view(kind)


def _plain(kind: pa.DataType) -> pa.DataType:
    return pa.large_string() if pa.types.is_string_view(kind) else pa.large_binary()
