"""Checks shared by modules: columns that must exist, with a did-you-mean hint."""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from dataops.errors import ModuleError, Where, did_you_mean


def require_columns(frame: pd.DataFrame, columns: Iterable[str], *, field: str) -> None:
    """Raise naming the first unknown column, the available ones and the closest match."""
    available = [str(c) for c in frame.columns]
    for column in columns:
        if column not in frame.columns:
            hint = did_you_mean(column, available)
            listing = ", ".join(available) if available else "none"
            raise ModuleError(f"unknown column '{column}' (available: {listing}){hint}", Where(field=field))
