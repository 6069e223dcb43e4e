"""Arrow to pandas with sensible dtypes: integers and booleans stay so, nullable where nulls exist."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pandas as pd
import pyarrow as pa

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
    frame = table.to_pandas(date_as_object=False)  # dates as datetime64, not Python objects
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
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return pa.array([None if _missing(v) else v if isinstance(v, str) else str(v) for v in values], pa.string())


def _missing(value: Any) -> bool:
    return value is None or (not isinstance(value, (list, dict, tuple)) and bool(pd.isna(value)))
