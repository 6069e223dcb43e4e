"""Arrow and pandas at the boundary of pandas code (readers that type cell by cell, pandas modules).

Arrow is the currency between steps. Where a frame is needed, `arrow_to_pandas` gives numpy
columns where numpy holds the values exactly and cheaply (numbers, booleans, timestamps with their
time zone, text as pandas' Arrow-backed `str`), nullable integers and booleans where nulls exist,
and `pd.ArrowDtype` for everything numpy cannot hold without Python objects (decimals, dates,
times, lists, structs, maps, binary, string views): no `Decimal` or `date` object is ever made, and
`frame_to_arrow` gives the same Arrow types back.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from dataops.errors import AdapterError

if TYPE_CHECKING:
    import pandas as pd

# Arrow IPC, the hand-over between nodes, refuses deeper types; pandas' conversion crashes the
# process on a few thousand levels.
MAX_NESTING = 60


def is_frame(value: Any) -> bool:
    """Whether `value` is a pandas DataFrame, without importing pandas: until something has
    imported it (a pandas module, a pandas reader), nothing can be one."""
    pandas = sys.modules.get("pandas")
    return pandas is not None and isinstance(value, pandas.DataFrame)


@functools.cache
def _nullable() -> dict[pa.DataType, Any]:
    """pandas' nullable dtypes by Arrow type (made on first use: pandas loads only when a frame is needed)."""
    import pandas as pd

    return {
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
    """A frame of `table`: nullable ints and bools where nulls exist, `pd.ArrowDtype` where numpy
    would need Python objects (see the module docstring)."""
    check_nesting(table.schema)
    # One pandas block per column: consolidating the columns into 2-D blocks copies them all
    # (0.4 s of 0.5 s at 10M rows x 6 columns).
    frame = table.to_pandas(split_blocks=True, types_mapper=_arrow_backed)
    nullable = _nullable()
    for index, column in enumerate(table.columns):
        if column.null_count and column.type in nullable:
            frame.isetitem(index, column.to_pandas(types_mapper=nullable.get))
    return frame


def frame_to_arrow(frame: pd.DataFrame) -> pa.Table:
    """A frame as an Arrow table. pandas' schema metadata is kept: with it the next pandas step
    gets its nullable, categorical and other pandas dtypes back exactly."""
    return pa.Table.from_pandas(frame, preserve_index=False)


def check_nesting(schema: pa.Schema) -> None:
    """Refuse columns nested deeper than Arrow IPC (and pandas) take."""
    for field in schema:
        if _nesting(field.type) > MAX_NESTING:
            raise AdapterError(
                f"column '{field.name}' nests lists or records more than {MAX_NESTING} levels deep; flatten it first"
            )


def _arrow_backed(kind: pa.DataType) -> pd.ArrowDtype | None:
    """Arrow types numpy holds only as Python objects stay Arrow inside pandas."""
    import pandas as pd

    if (
        pa.types.is_decimal(kind)
        or pa.types.is_date(kind)
        or pa.types.is_time(kind)
        or pa.types.is_nested(kind)
        or pa.types.is_binary(kind)
        or pa.types.is_large_binary(kind)
        or pa.types.is_fixed_size_binary(kind)
        or pa.types.is_string_view(kind)
        or pa.types.is_binary_view(kind)
    ):
        return pd.ArrowDtype(kind)
    return None


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
        import pandas as pd

        text = [None if _missing(v, pd.isna) else v if isinstance(v, str) else str(v) for v in values]
        return pa.array(text, pa.string())


def _nesting(kind: pa.DataType) -> int:
    """How deep lists and structs nest in a type (iteratively: a crafted file may nest thousands deep)."""
    deepest, pending = 0, [(kind, 0)]
    while pending:
        kind, depth = pending.pop()
        deepest = max(deepest, depth)
        pending.extend((kind.field(i).type, depth + 1) for i in range(kind.num_fields))
    return deepest


def _missing(value: Any, isna: Callable[[Any], Any]) -> bool:
    return value is None or (not isinstance(value, (list, dict, tuple)) and bool(isna(value)))
