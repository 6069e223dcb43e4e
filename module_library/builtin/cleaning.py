"""Cleaning modules: duplicate rows and missing values.

deduplicate and drop_nulls work on Arrow (every column keeps its type); fill_nulls is a pandas module.
"""

from __future__ import annotations

import functools
from typing import Literal

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field, model_validator

from dataops.errors import ModuleError, Where
from module_library.builtin.aggregate import with_row_numbers
from module_library.checks import is_mixed, is_number, require_columns
from module_library.expressions import quote, run_query
from module_library.sdk import ModuleParams, module
from module_library.tables import keep, take


class DeduplicateParams(ModuleParams):
    subset: list[str] | None = Field(None, min_length=1, description="Columns that define a duplicate; all if omitted.")
    keep: Literal["first", "last"] = Field("first", description="Which of the duplicate rows to keep.")


@module(category="rows", params=DeduplicateParams, passthrough=True, reads=lambda p: p.subset, engine="arrow")
def deduplicate(data: pa.Table, params: DeduplicateParams) -> pa.Table:
    """Drop repeated rows, keeping the first or last of each (nulls count as equal)."""
    require_columns(data, params.subset or [], field="subset")
    keys = ", ".join(quote(c) for c in params.subset or data.column_names)
    if not keys:
        return data
    pick = "min" if params.keep == "first" else "max"
    table = with_row_numbers(data.select(params.subset or data.column_names))
    sql = f"SELECT {pick}(__row) AS __row FROM data GROUP BY {keys} ORDER BY 1"
    kept = run_query({"data": table}, sql, field="subset", columns=data.column_names)["__row"]
    return take(data, kept)


class DropNullsParams(ModuleParams):
    subset: list[str] | None = Field(None, min_length=1, description="Columns to look at; all if omitted.")
    how: Literal["any", "all"] = Field("any", description="Drop a row if any, or only if all, of them are null.")


@module(category="rows", params=DropNullsParams, passthrough=True, reads=lambda p: p.subset, engine="arrow")
def drop_nulls(data: pa.Table, params: DropNullsParams) -> pa.Table:
    """Drop rows with null values (NaN counts as null; empty text is not null)."""
    require_columns(data, params.subset or [], field="subset")
    present = [_present(data.column(c)) for c in params.subset or data.column_names]
    if not present:
        return data
    combine = pc.and_ if params.how == "any" else pc.or_
    return keep(data, functools.reduce(combine, present))


def _present(column: pa.ChunkedArray) -> pa.ChunkedArray:
    valid = pc.is_valid(column)
    return pc.and_(valid, pc.invert(pc.is_nan(column)).fill_null(True)) if pa.types.is_floating(column.type) else valid


Strategy = Literal["forward", "backward", "mean", "median", "mode"]


class FillNullsParams(ModuleParams):
    values: dict[str, str | int | float | bool] | None = Field(
        None, description="Column to the value that replaces its nulls, e.g. {数量: 0}."
    )
    strategy: Strategy | None = Field(
        None, description="How to fill the listed columns: forward, backward, mean, median or mode."
    )
    columns: list[str] | None = Field(None, min_length=1, description="Columns the strategy fills.")

    @model_validator(mode="after")
    def _something_to_do(self) -> FillNullsParams:
        if not self.values and self.strategy is None:
            raise ValueError("give 'values', or 'strategy' with 'columns'")
        if (self.strategy is None) != (self.columns is None):
            raise ValueError("'strategy' and 'columns' go together: the strategy fills the listed columns")
        return self


def _fill_reads(params: FillNullsParams) -> list[str]:
    return [*(params.values or {}), *(params.columns or [])]


@module(category="rows", params=FillNullsParams, passthrough=True, reads=_fill_reads)
def fill_nulls(data: pd.DataFrame, params: FillNullsParams) -> pd.DataFrame:
    """Replace nulls with given values, or by a strategy (previous, next, mean, median, most frequent)."""
    values = params.values or {}
    require_columns(data, values, field="values")
    require_columns(data, params.columns or [], field="columns")
    filled = {column: _fill_value(data[column], column, value) for column, value in values.items()}
    data = data.assign(**filled)
    if params.strategy is not None:
        data = data.assign(**{c: _fill_strategy(data[c], c, params.strategy) for c in params.columns or []})
    return data


def _fill_value(series: pd.Series, column: str, value: object) -> pd.Series:
    try:
        filled = series.fillna(value)
    except (TypeError, ValueError) as exc:
        raise ModuleError(
            f"column '{column}' ({series.dtype}) cannot hold {value!r}: {exc}; give a value of the column's type",
            Where(field="values"),
        ) from exc
    if is_mixed(filled) and not is_mixed(series):  # pandas makes room by falling back to Python objects
        raise ModuleError(
            f"column '{column}' ({series.dtype}) cannot hold {value!r}; give a value of the column's type",
            Where(field="values"),
        )
    return filled


def _fill_strategy(series: pd.Series, column: str, strategy: Strategy) -> pd.Series:
    if strategy == "forward":
        return series.ffill()
    if strategy == "backward":
        return series.bfill()
    if strategy == "mode":
        modes = series.mode(dropna=True)
        return series.fillna(modes.iloc[0]) if len(modes) else series
    if not is_number(series):
        raise ModuleError(
            f"column '{column}' holds {series.dtype} values; {strategy} needs numbers (use mode, or cast_types first)",
            Where(field="columns"),
        )
    numbers = series.astype("float64")  # a mean is rarely whole, so integer columns become float
    fill = numbers.mean() if strategy == "mean" else numbers.median()
    return numbers.fillna(fill)
