"""Arrow to pandas with sensible dtypes: integers and booleans stay so, nullable where nulls exist."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import pyarrow as pa

from dataops.errors import AdapterError

# Arrow IPC, the hand-over between nodes, refuses deeper types; pandas' conversion crashes the
# process on a few thousand levels.
MAX_NESTING = 60

_NULLABLE = {
    pa.int8(): pd.Int8Dtype(),
    pa.int16(): pd.Int16Dtype(),
    pa.int32(): pd.Int32Dtype(),
    pa.int64(): pd.Int64Dtype(),
    pa.uint8(): pd.UInt8Dtype(),
    pa.uint16(): pd.UInt16Dtype(),
    pa.uint32(): pd.UInt32Dtype(),
    pa.uint64(): pd.UInt64Dtype(),
    pa.bool_(): pd.BooleanDtype(),
}


def arrow_to_pandas(table: pa.Table) -> pd.DataFrame:
    """Convert a table read from a file; columns whose ints or bools have nulls get nullable dtypes."""
    for field in table.schema:
        if _nesting(field.type) > MAX_NESTING:
            raise AdapterError(
                f"column '{field.name}' nests lists or records more than {MAX_NESTING} levels deep; flatten it first"
            )
    # Dates as datetime64, not Python objects. One pandas block per column: consolidating the
    # columns into 2-D blocks copies them all (0.4 s of 0.5 s at 10M rows x 6 columns).
    frame = table.to_pandas(date_as_object=False, split_blocks=True)
    for index, column in enumerate(table.columns):
        if column.null_count and column.type in _NULLABLE:
            frame.isetitem(index, column.to_pandas(types_mapper=_NULLABLE.get))
    return frame


def normalise_dtypes(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame from a reader that types cell by cell (Excel, SQL, fixed-width text) with the
    dtypes `arrow_to_pandas` gives every other format.

    Read such frames with `dtype_backend="numpy_nullable"` so integer columns with gaps arrive as
    integers; a column mixing text with numbers becomes text rather than an unstorable object column.
    """
    arrays = [column_to_arrow(frame.iloc[:, i]) for i in range(frame.shape[1])]
    return arrow_to_pandas(pa.Table.from_arrays(arrays, names=[str(name) for name in frame.columns]))


def column_to_arrow(values: pd.Series | Sequence[Any]) -> pa.Array:
    """One column as Arrow, its type inferred by pyarrow; mixed values fall back to their text."""
    try:
        return pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError):  # OverflowError: an integer beyond int64
        return pa.array([None if _missing(v) else v if isinstance(v, str) else str(v) for v in values], pa.string())


def _nesting(kind: pa.DataType) -> int:
    """How deep lists and structs nest in a type (iteratively: a crafted file may nest thousands deep)."""
    deepest, pending = 0, [(kind, 0)]
    while pending:
        kind, depth = pending.pop()
        deepest = max(deepest, depth)
        pending.extend((kind.field(i).type, depth + 1) for i in range(kind.num_fields))
    return deepest


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, (list, dict, tuple)) and bool(pd.isna(value)))
