"""Row modules: keep and order rows."""

from __future__ import annotations

import pandas as pd
from pydantic import Field, model_validator

from module_library.checks import require_columns
from module_library.expressions import evaluate_condition
from module_library.sdk import ModuleParams, module


class FilterRowsParams(ModuleParams):
    condition: str = Field(description="SQL boolean expression; rows where it is true are kept (null drops).")


@module(category="rows", params=FilterRowsParams)
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


@module(category="rows", params=SortRowsParams)
def sort_rows(data: pd.DataFrame, params: SortRowsParams) -> pd.DataFrame:
    """Sort rows by columns (stable, nulls last)."""
    require_columns(data, params.by, field="by")
    flags = params.descending if isinstance(params.descending, list) else [params.descending] * len(params.by)
    ordered = data.sort_values(params.by, ascending=[not d for d in flags], kind="stable", na_position="last")
    return ordered.reset_index(drop=True)
