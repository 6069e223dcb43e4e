"""Cleaning modules: duplicate rows and missing values."""

from __future__ import annotations

from typing import Literal

import pandas as pd
from pydantic import Field, model_validator

from dataops.errors import ModuleError, Where
from module_library.checks import is_mixed, is_number, require_columns
from module_library.sdk import ModuleParams, module


class DeduplicateParams(ModuleParams):
    subset: list[str] | None = Field(None, min_length=1, description="Columns that define a duplicate; all if omitted.")
    keep: Literal["first", "last"] = Field("first", description="Which of the duplicate rows to keep.")


@module(category="rows", params=DeduplicateParams, passthrough=True, reads=lambda p: p.subset)
def deduplicate(data: pd.DataFrame, params: DeduplicateParams) -> pd.DataFrame:
    """Drop repeated rows, keeping the first or last of each (nulls count as equal)."""
    require_columns(data, params.subset or [], field="subset")
    return data.drop_duplicates(subset=params.subset, keep=params.keep).reset_index(drop=True)


class DropNullsParams(ModuleParams):
    subset: list[str] | None = Field(None, min_length=1, description="Columns to look at; all if omitted.")
    how: Literal["any", "all"] = Field("any", description="Drop a row if any, or only if all, of them are null.")


@module(category="rows", params=DropNullsParams, passthrough=True, reads=lambda p: p.subset)
def drop_nulls(data: pd.DataFrame, params: DropNullsParams) -> pd.DataFrame:
    """Drop rows with null values (empty text is not null)."""
    require_columns(data, params.subset or [], field="subset")
    return data.dropna(subset=params.subset, how=params.how).reset_index(drop=True)


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
