"""Row modules: keep, order, sample and split rows."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from module_library.checks import require_columns
from module_library.expressions import evaluate_condition, referenced_columns
from module_library.fields import SqlCondition
from module_library.sdk import ModuleParams, module


class FilterRowsParams(ModuleParams):
    condition: str = Field(description="SQL boolean expression; rows where it is true are kept (null drops).")


@module(category="rows", params=FilterRowsParams, passthrough=True, reads=lambda p: referenced_columns(p.condition))
def filter_rows(data: pd.DataFrame, params: FilterRowsParams) -> pd.DataFrame:
    """Keep the rows where a SQL condition is true."""
    return data[evaluate_condition(data, params.condition)]


class SortRowsParams(ModuleParams):
    by: list[str] = Field(min_length=1, description="Columns to sort by, most significant first.")
    descending: bool | list[bool] = Field(False, description="One flag for all keys, or one per key.")

    @model_validator(mode="after")
    def _one_flag_per_key(self) -> SortRowsParams:
        if isinstance(self.descending, list) and len(self.descending) != len(self.by):
            raise ValueError(f"descending has {len(self.descending)} flags but by has {len(self.by)} columns")
        return self


@module(category="rows", params=SortRowsParams, passthrough=True, reads=lambda p: p.by)
def sort_rows(data: pd.DataFrame, params: SortRowsParams) -> pd.DataFrame:
    """Sort rows by columns (stable, nulls last)."""
    require_columns(data, params.by, field="by")
    flags = params.descending if isinstance(params.descending, list) else [params.descending] * len(params.by)
    ordered = data.sort_values(params.by, ascending=[not d for d in flags], kind="stable", na_position="last")
    return ordered.reset_index(drop=True)


class LimitRowsParams(ModuleParams):
    n: int = Field(ge=0, description="How many rows to keep, from the top.")


@module(category="rows", params=LimitRowsParams, passthrough=True, reads=[])
def limit_rows(data: pd.DataFrame, params: LimitRowsParams) -> pd.DataFrame:
    """Keep the first n rows."""
    return data.head(params.n).reset_index(drop=True)


class SampleRowsParams(ModuleParams):
    n: int | None = Field(None, ge=0, description="How many rows to draw (all if the table is smaller).")
    fraction: float | None = Field(None, ge=0, le=1, description="Share of rows to draw, 0 to 1 (instead of n).")
    seed: int = Field(0, description="Random seed: the same seed draws the same rows.")

    @model_validator(mode="after")
    def _n_or_fraction(self) -> SampleRowsParams:
        if (self.n is None) == (self.fraction is None):
            raise ValueError("give either 'n' or 'fraction'")
        return self


@module(category="rows", params=SampleRowsParams, passthrough=True, reads=[])
def sample_rows(data: pd.DataFrame, params: SampleRowsParams) -> pd.DataFrame:
    """Draw a reproducible random sample of rows, kept in their original order."""
    size = params.n if params.n is not None else round((params.fraction or 0) * len(data))
    picked = np.random.default_rng(params.seed).choice(len(data), size=min(size, len(data)), replace=False)
    return data.iloc[np.sort(picked)].reset_index(drop=True)


class SplitRowsParams(ModuleParams):
    condition: SqlCondition = Field(
        description="SQL boolean expression; true goes to matched, false or null to unmatched."
    )


@module(
    category="rows",
    params=SplitRowsParams,
    outputs=("matched", "unmatched"),
    passthrough=True,
    reads=lambda p: referenced_columns(p.condition),
)
def split_rows(data: pd.DataFrame, params: SplitRowsParams) -> dict[str, pd.DataFrame]:
    """Send each row to matched or unmatched by a SQL condition; together they are the input."""
    mask = evaluate_condition(data, params.condition)
    return {"matched": data[mask].reset_index(drop=True), "unmatched": data[~mask].reset_index(drop=True)}
