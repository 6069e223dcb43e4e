"""Checks shared by modules: columns that must exist (with a did-you-mean hint) and their kind of values."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np
import pyarrow as pa

from dataops.errors import ModuleError, Where, did_you_mean

if TYPE_CHECKING:
    import pandas as pd


def require_columns(frame: pd.DataFrame | pa.Table, columns: Iterable[str], *, field: str) -> None:
    """Raise naming the first unknown column, the available ones and the closest match."""
    available = frame.column_names if isinstance(frame, pa.Table) else [str(c) for c in frame.columns]
    for column in columns:
        if column not in available:
            hint = did_you_mean(column, available)
            listing = ", ".join(available) if available else "none"
            raise ModuleError(f"unknown column '{column}' (available: {listing}){hint}", Where(field=field))


def is_number(series: pd.Series) -> bool:
    """Numeric and not boolean: the columns that have a mean, a scale and a histogram."""
    import pandas as pd

    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def is_mixed(series: pd.Series) -> bool:
    """Values no Arrow column holds together (text with numbers, say): no file format stores them either."""
    import pandas as pd

    if not pd.api.types.infer_dtype(series, skipna=True).startswith("mixed"):
        return False
    try:
        pa.array(series, from_pandas=True)  # lists of values are fine; ints past 2**53 among floats are not
    except (pa.ArrowException, OverflowError):
        return True
    return False


def require_numeric(frame: pd.DataFrame | pa.Table, columns: Iterable[str], *, field: str) -> None:
    """Raise naming the first listed column that does not hold numbers."""
    for column in columns:
        if not (is_number_type(frame[column].type) if isinstance(frame, pa.Table) else is_number(frame[column])):
            raise ModuleError(
                f"column '{column}' holds {_dtype(frame, column)} values, not numbers; cast_types it to float first",
                Where(field=field),
            )


def require_text(frame: pd.DataFrame | pa.Table, columns: Iterable[str], *, field: str) -> None:
    """Raise naming the first listed column that holds anything but text (all-null columns pass)."""
    for column in columns:
        if isinstance(frame, pa.Table):
            kind = frame[column].type
            text = is_text_type(kind) or pa.types.is_null(kind)
        else:
            import pandas as pd

            text = pd.api.types.infer_dtype(frame[column], skipna=True) in ("string", "empty")
        if not text:
            raise ModuleError(
                f"column '{column}' holds {_dtype(frame, column)} values, not text; cast_types it to str first",
                Where(field=field),
            )


def is_number_type(kind: pa.DataType) -> bool:
    """An Arrow type of numbers (integers, floats, decimals; not booleans)."""
    return pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind)


def is_text_type(kind: pa.DataType) -> bool:
    """An Arrow type of text: string, large string, string view, or a dictionary of one of them."""
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind)


_NULLABLE_NAMES = {
    "bool": "boolean",
    **{f"{s}int{n}": f"{s.upper()}Int{n}" for s in ("", "u") for n in (8, 16, 32, 64)},
}


def dtype_name(column: pa.ChunkedArray | pa.Array) -> str:
    """A column's type as users of either engine read it in messages: the dtype a pandas module
    sees (str, Int64 with nulls, float64, datetime64[us, UTC]), else the Arrow type."""
    kind = column.type
    if is_text_type(kind) and not pa.types.is_dictionary(kind):
        return "str"
    if pa.types.is_dictionary(kind):
        return "category"
    if column.null_count and str(kind) in _NULLABLE_NAMES:
        return _NULLABLE_NAMES[str(kind)]
    if pa.types.is_floating(kind) or pa.types.is_integer(kind) or pa.types.is_boolean(kind):
        return np.dtype(kind.to_pandas_dtype()).name
    if pa.types.is_timestamp(kind):
        return f"datetime64[{kind.unit}{', ' + kind.tz if kind.tz else ''}]"
    return f"{kind}[pyarrow]"


def _dtype(frame: pd.DataFrame | pa.Table, column: str) -> str:
    return dtype_name(frame[column]) if isinstance(frame, pa.Table) else str(frame[column].dtype)
