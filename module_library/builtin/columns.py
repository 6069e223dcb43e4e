"""Column modules: choose and compute columns."""

from __future__ import annotations

import pandas as pd
from pydantic import Field

from module_library.checks import require_columns
from module_library.expressions import evaluate
from module_library.sdk import ModuleParams, module


class SelectColumnsParams(ModuleParams):
    columns: list[str] = Field(min_length=1, description="Columns to keep, in output order.")


@module(category="columns", params=SelectColumnsParams, reads=lambda p: p.columns)
def select_columns(data: pd.DataFrame, params: SelectColumnsParams) -> pd.DataFrame:
    """Keep only the listed columns, in the listed order."""
    require_columns(data, params.columns, field="columns")
    return data[params.columns]


class DeriveColumnParams(ModuleParams):
    name: str = Field(min_length=1, description="Column to add, or to replace if it exists.")
    expression: str = Field(description="SQL expression over the columns, e.g. price * qty.")


@module(category="columns", params=DeriveColumnParams)
def derive_column(data: pd.DataFrame, params: DeriveColumnParams) -> pd.DataFrame:
    """Add or replace a column computed by a SQL expression."""
    values = evaluate(data, params.expression, field="expression")
    series = pd.Series(values.to_pandas(), name=params.name)
    series.index = data.index
    return data.assign(**{params.name: series})
