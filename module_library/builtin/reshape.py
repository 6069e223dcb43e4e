"""Reshape modules: long to wide (pivot) and wide to long (unpivot)."""

from __future__ import annotations

import pandas as pd
from pydantic import Field, model_validator

from dataops.errors import ModuleError, Where
from module_library.builtin.aggregate import PANDAS_FUNCTION, Function
from module_library.checks import require_columns
from module_library.sdk import ModuleParams, module

MAX_PIVOT_COLUMNS = 1000


class PivotParams(ModuleParams):
    index: list[str] = Field(min_length=1, description="Columns that identify an output row.")
    columns: str = Field(description="Column whose distinct values become output columns.")
    values: str = Field(description="Column whose values fill the cells.")
    aggregation: Function = Field("sum", description="How the values of one cell are combined.")

    @model_validator(mode="after")
    def _distinct_roles(self) -> PivotParams:
        roles = [*self.index, self.columns, self.values]
        repeated = sorted({r for r in roles if roles.count(r) > 1})
        if repeated:
            raise ValueError(f"'{repeated[0]}' has two roles; index, columns and values must be different columns")
        return self


def _pivot_reads(params: PivotParams) -> list[str]:
    return [*params.index, params.columns, params.values]


@module(category="reshape", params=PivotParams, reads=_pivot_reads)
def pivot(data: pd.DataFrame, params: PivotParams) -> pd.DataFrame:
    """Long to wide: one row per index, one column per distinct value (sorted); rows with a null one are left out."""
    require_columns(data, params.index, field="index")
    require_columns(data, [params.columns], field="columns")
    require_columns(data, [params.values], field="values")
    keys = data[params.columns].dropna()
    distinct = keys.unique()
    if len(distinct) > MAX_PIVOT_COLUMNS:
        raise ModuleError(
            f"column '{params.columns}' has {len(distinct):,} distinct values; a pivot makes at most "
            f"{MAX_PIVOT_COLUMNS:,} columns (group_aggregate keeps them as rows)",
            Where(field="columns"),
        )
    clash = sorted({str(v) for v in distinct} & set(params.index))
    if clash:
        raise ModuleError(
            f"the value '{clash[0]}' of '{params.columns}' would become a column named like an index column",
            Where(field="columns"),
        )
    rows = data.loc[keys.index, [*params.index, params.columns, params.values]]
    grouped = rows.groupby([*params.index, params.columns], sort=True, dropna=False, observed=True)[params.values]
    try:
        cells = grouped.agg(PANDAS_FUNCTION.get(params.aggregation, params.aggregation))
    except TypeError as exc:
        raise ModuleError(f"cannot {params.aggregation} '{params.values}': {exc}", Where(field="aggregation")) from exc
    counting = params.aggregation in ("count", "size", "count_distinct")
    if not counting and cells.dtype.kind in "iu":
        cells = cells.astype("Int64")  # missing cells are null; keep the rest integer
    wide = cells.unstack(params.columns, fill_value=0 if counting else None)
    if not len(rows):
        return data[params.index].iloc[:0].reset_index(drop=True)
    wide.columns = [str(c) for c in wide.columns]
    return wide.reset_index()


class UnpivotParams(ModuleParams):
    id_columns: list[str] = Field(description="Columns repeated on every output row.")
    value_columns: list[str] | None = Field(
        None, min_length=1, description="Columns turned into rows; all but the id columns if omitted."
    )
    variable_name: str = Field("variable", min_length=1, description="Output column holding the former column name.")
    value_name: str = Field("value", min_length=1, description="Output column holding the value.")

    @model_validator(mode="after")
    def _distinct_names(self) -> UnpivotParams:
        if self.variable_name == self.value_name:
            raise ValueError(f"variable_name and value_name are both '{self.value_name}'")
        for name in (self.variable_name, self.value_name):
            if name in self.id_columns:
                raise ValueError(f"'{name}' is an id column; choose another variable_name or value_name")
        return self


def _unpivot_reads(params: UnpivotParams) -> list[str] | None:
    return None if params.value_columns is None else [*params.id_columns, *params.value_columns]


@module(category="reshape", params=UnpivotParams, reads=_unpivot_reads)
def unpivot(data: pd.DataFrame, params: UnpivotParams) -> pd.DataFrame:
    """Wide to long: one row per id row and value column (column by column); mixed value types become text."""
    require_columns(data, params.id_columns, field="id_columns")
    require_columns(data, params.value_columns or [], field="value_columns")
    values = params.value_columns or [c for c in data.columns if c not in params.id_columns]
    dtypes = {str(data[c].dtype) for c in values}
    numeric = all(pd.api.types.is_numeric_dtype(data[c]) for c in values)
    if len(dtypes) > 1 and not numeric:  # one column cannot hold text and numbers together
        data = data.assign(**{c: data[c].astype("str") for c in values})
    long = data.melt(
        id_vars=params.id_columns, value_vars=values, var_name=params.variable_name, value_name=params.value_name
    )
    return long.reset_index(drop=True)
