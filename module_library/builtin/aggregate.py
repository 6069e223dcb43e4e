"""Aggregation: one row per group."""

from __future__ import annotations

from typing import Literal

import pandas as pd
from pydantic import Field, model_validator

from dataops.errors import ModuleError, Where
from module_library.checks import require_columns
from module_library.sdk import ModuleParams, module

Function = Literal["sum", "mean", "min", "max", "count", "size", "count_distinct", "median", "std", "first", "last"]
# pandas' names; `count` counts non-null values, `size` counts rows.
PANDAS_FUNCTION = {"count_distinct": "nunique"}


class Aggregation(ModuleParams):
    column: str | None = Field(None, description="Column to aggregate (not needed for size).")
    function: Function = Field(description="Aggregate function.")
    as_: str | None = Field(None, alias="as", description="Output column; default <column>_<function>.")

    @model_validator(mode="after")
    def _column_unless_size(self) -> Aggregation:
        if self.column is None and self.function != "size":
            raise ValueError(f"'{self.function}' needs a column")
        return self

    @property
    def output(self) -> str:
        if self.as_:
            return self.as_
        return f"{self.column}_{self.function}" if self.column else self.function


class GroupAggregateParams(ModuleParams):
    by: list[str] = Field(min_length=1, description="Group key columns.")
    aggregations: list[Aggregation] = Field(min_length=1, description="What to compute per group.")

    @model_validator(mode="after")
    def _unique_outputs(self) -> GroupAggregateParams:
        names = self.by + [a.output for a in self.aggregations]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"output column names repeat: {', '.join(duplicates)}; set 'as' to tell them apart")
        return self


def _reads(params: GroupAggregateParams) -> list[str]:
    return params.by + [a.column for a in params.aggregations if a.column]


@module(category="aggregate", params=GroupAggregateParams, reads=_reads)
def group_aggregate(data: pd.DataFrame, params: GroupAggregateParams) -> pd.DataFrame:
    """One row per group of key values, sorted by the keys (null keys form their own group, last)."""
    require_columns(data, params.by, field="by")
    require_columns(data, [a.column for a in params.aggregations if a.column], field="aggregations")
    grouped = data.groupby(params.by, sort=True, dropna=False, observed=True)
    named = {
        agg.output: (agg.column or params.by[0], PANDAS_FUNCTION.get(agg.function, agg.function))
        for agg in params.aggregations
    }
    try:
        result = grouped.agg(**named)
    except TypeError as exc:
        raise ModuleError(f"cannot aggregate: {exc}", Where(field="aggregations")) from exc
    return result.reset_index()
