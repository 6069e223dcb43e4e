"""Checks shared by modules: columns that must exist (with a did-you-mean hint) and their kind of values."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd
import pyarrow as pa

from dataops.errors import ModuleError, Where, did_you_mean


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
    return pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series)


def is_mixed(series: pd.Series) -> bool:
    """Values no Arrow column holds together (text with numbers, say): no file format stores them either."""
    if not pd.api.types.infer_dtype(series, skipna=True).startswith("mixed"):
        return False
    try:
        pa.array(series, from_pandas=True)  # lists of values are fine; ints past 2**53 among floats are not
    except (pa.ArrowException, OverflowError):
        return True
    return False


def require_numeric(frame: pd.DataFrame, columns: Iterable[str], *, field: str) -> None:
    """Raise naming the first listed column that does not hold numbers."""
    for column in columns:
        if not is_number(frame[column]):
            raise ModuleError(
                f"column '{column}' holds {frame[column].dtype} values, not numbers; cast_types it to float first",
                Where(field=field),
            )


def require_text(frame: pd.DataFrame, columns: Iterable[str], *, field: str) -> None:
    """Raise naming the first listed column that holds anything but text (all-null columns pass)."""
    for column in columns:
        if pd.api.types.infer_dtype(frame[column], skipna=True) not in ("string", "empty"):
            raise ModuleError(
                f"column '{column}' holds {frame[column].dtype} values, not text; cast_types it to str first",
                Where(field=field),
            )
