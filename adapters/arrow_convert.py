"""Arrow to pandas with sensible dtypes: integers and booleans stay so, nullable where nulls exist."""

from __future__ import annotations

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
    frame = table.to_pandas()
    for index, column in enumerate(table.columns):
        if column.null_count and column.type in _NULLABLE:
            frame.isetitem(index, column.to_pandas(types_mapper=_NULLABLE.get))
    return frame
