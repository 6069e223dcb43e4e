"""Convert a column to a type, naming the values that do not fit (shared by cast_types and parse_dates)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pandas as pd
from pydantic import BeforeValidator

from dataops.errors import ModuleError, Where

TargetType = Literal["int", "float", "str", "bool", "datetime", "date", "category"]

_TRUE = {"true", "t", "yes", "y", "1"}
_FALSE = {"false", "f", "no", "n", "0"}


def _null_is_null(value: Any) -> Any:
    """YAML reads `errors: null` as None; it means the "null" mode."""
    return "null" if value is None else value


ErrorsMode = Annotated[Literal["fail", "null"], BeforeValidator(_null_is_null)]


def convert(
    series: pd.Series, to: TargetType, *, column: str, field: str, errors: str = "fail", format: str | None = None
) -> pd.Series:
    """`series` as type `to`; values that cannot convert raise, or become null with errors="null".

    Integers become nullable `Int64`, booleans nullable `boolean`, dates `datetime.date` objects.
    Text is parsed as ISO 8601 dates unless `format` (a strftime pattern, or "mixed") is given.
    """
    try:
        converted = _CONVERTERS[to](series, format)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ModuleError(f"column '{column}': cannot convert to {to}: {exc}", Where(field=field)) from exc
    bad = series.notna() & converted.isna()
    if errors == "fail" and bad.any():
        sample = series[bad].iloc[0]
        hint = "set errors: null to turn them into nulls"
        if to in ("datetime", "date") and format is None:
            hint = "set a format such as %Y/%m/%d, or " + hint
        raise ModuleError(
            f"column '{column}': {int(bad.sum())} of {len(series)} values cannot be converted to {to}, "
            f"e.g. {sample!r}; {hint}",
            Where(field=field),
        )
    return converted


def _to_int(series: pd.Series, _format: str | None) -> pd.Series:
    numbers = pd.to_numeric(series, errors="coerce").astype("Float64")
    fits = (numbers == numbers.round()) & (numbers.abs() < 2**63)  # whole and within int64; not inf
    whole = numbers.where(numbers.isna() | fits)
    return whole.astype("Int64")


def _to_float(series: pd.Series, _format: str | None) -> pd.Series:
    return pd.to_numeric(series, errors="coerce").astype("float64")


def _to_str(series: pd.Series, _format: str | None) -> pd.Series:
    return series.astype("str")


def _to_bool(series: pd.Series, _format: str | None) -> pd.Series:
    if pd.api.types.is_bool_dtype(series):
        return series.astype("boolean")
    text = series.astype("str").str.strip().str.lower()
    text = text.str.removesuffix(".0") if pd.api.types.is_float_dtype(series) else text
    mapped = text.map(lambda v: True if v in _TRUE else (False if v in _FALSE else None))
    return mapped.astype("boolean")


def _to_datetime(series: pd.Series, format: str | None) -> pd.Series:
    if pd.api.types.is_datetime64_any_dtype(series):
        return series
    if pd.api.types.is_float_dtype(series) and (series.dropna() % 1 == 0).all():
        series = series.astype("Int64")  # 20260102.0, from a column with nulls, reads as 20260102
    text = series if pd.api.types.is_string_dtype(series) else series.astype("str")
    return pd.to_datetime(text, format=format or "ISO8601", errors="coerce")


def _to_date(series: pd.Series, format: str | None) -> pd.Series:
    moments = _to_datetime(series, format)
    return moments.dt.date.astype(object).where(moments.notna(), None)


def _to_category(series: pd.Series, _format: str | None) -> pd.Series:
    return series.astype("category")


_CONVERTERS = {
    "int": _to_int,
    "float": _to_float,
    "str": _to_str,
    "bool": _to_bool,
    "datetime": _to_datetime,
    "date": _to_date,
    "category": _to_category,
}
