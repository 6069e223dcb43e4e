"""Reshape modules: long to wide (pivot) and wide to long (unpivot)."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field, model_validator

from dataops.errors import ModuleError, Where
from module_library import ModuleParams, module
from module_library.builtin.aggregate import Function, aggregate_sql, with_row_numbers
from module_library.checks import is_number_type, require_columns
from module_library.expressions import quote, restore_types, run_query
from module_library.tables import sortable, with_column

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


@module(category="reshape", params=PivotParams, reads=_pivot_reads, engine="arrow")
def pivot(data: pa.Table, params: PivotParams) -> pa.Table:
    """Long to wide: one row per index, one column per distinct value (sorted); rows with a null one are left out."""
    require_columns(data, params.index, field="index")
    require_columns(data, [params.columns], field="columns")
    require_columns(data, [params.values], field="values")
    keys = sortable(data.select([params.columns])).column(0)
    distinct = pc.unique(keys).drop_null()
    if len(distinct) > MAX_PIVOT_COLUMNS:
        raise ModuleError(
            f"column '{params.columns}' has {len(distinct):,} distinct values; a pivot makes at most "
            f"{MAX_PIVOT_COLUMNS:,} columns (group_aggregate keeps them as rows)",
            Where(field="columns"),
        )
    distinct = distinct.take(pc.sort_indices(distinct))
    names = [str(v) for v in distinct.to_pylist()]
    clash = sorted(set(names) & set(params.index))
    if clash:
        raise ModuleError(
            f"the value '{clash[0]}' of '{params.columns}' would become a column named like an index column",
            Where(field="columns"),
        )
    if not len(distinct):
        return data.select(params.index).slice(0, 0)
    # each row's cell column, by position among the sorted values: one filtered aggregate per cell
    table = with_row_numbers(data.select([*params.index, params.values]))
    table = table.append_column("__cell", pc.index_in(keys, value_set=distinct))
    cells = [
        f"{aggregate_sql(params.aggregation, params.values, data.schema, where=f'__cell = {i}')} AS {quote(name)}"
        for i, name in enumerate(names)
    ]
    index = ", ".join(quote(c) for c in params.index)
    sql = (
        f"SELECT {index}, {', '.join(cells)} FROM data WHERE __cell IS NOT NULL "
        f"GROUP BY {index} ORDER BY {', '.join(quote(c) + ' NULLS LAST' for c in params.index)}"
    )
    try:
        wide = run_query({"data": table}, sql, field="aggregation", columns=data.column_names)
    except ModuleError as exc:
        raise ModuleError(
            f"cannot {params.aggregation} '{params.values}': {exc.message}", Where(field="aggregation")
        ) from exc
    wide = restore_types(wide, {c: data.schema.field(c).type for c in params.index})
    if params.aggregation not in ("count", "size", "count_distinct"):
        for name in names:
            if pa.types.is_integer(wide.schema.field(name).type):  # missing cells are null; pandas keeps Int64
                wide = with_column(wide, name, wide.column(name), pandas_dtype="Int64")
    return wide


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


@module(category="reshape", params=UnpivotParams, reads=_unpivot_reads, engine="arrow")
def unpivot(data: pa.Table, params: UnpivotParams) -> pa.Table:
    """Wide to long: one row per id row and value column (column by column); mixed value types become text."""
    require_columns(data, params.id_columns, field="id_columns")
    require_columns(data, params.value_columns or [], field="value_columns")
    values = params.value_columns or [c for c in data.column_names if c not in params.id_columns]
    ids = data.select(params.id_columns)
    parts = [
        ids.append_column(params.variable_name, pa.repeat(pa.scalar(column), data.num_rows)).append_column(
            params.value_name, data.column(column)
        )
        for column in values
    ]
    if not parts:
        return (
            ids.slice(0, 0)
            .append_column(params.variable_name, pa.array([], pa.string()))
            .append_column(params.value_name, pa.array([], pa.null()))
        )
    kinds = {data.schema.field(c).type for c in values}
    if len(kinds) == 1:
        return pa.concat_tables(parts)
    if not all(is_number_type(k) or pa.types.is_boolean(k) for k in kinds):
        return _as_text(parts, params)
    try:  # numbers of several types: the type that holds them all (decimal for integers and decimals)
        return pa.concat_tables(parts, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        if any(pa.types.is_floating(k) for k in kinds) or not any(pa.types.is_decimal(k) for k in kinds):
            kind = pa.float64()
        else:
            scale = max(k.scale for k in kinds if pa.types.is_decimal(k))
            kind = pa.decimal128(38, scale)
        return pa.concat_tables([_with_value_type(part, params, kind) for part in parts])


def _with_value_type(part: pa.Table, params: UnpivotParams, kind: pa.DataType) -> pa.Table:
    return part.set_column(part.num_columns - 1, params.value_name, part.column(params.value_name).cast(kind))


def _as_text(parts: list[pa.Table], params: UnpivotParams) -> pa.Table:
    """The value columns as text (one column cannot hold text and numbers together); floats as Python writes them."""
    texts = []
    for part in parts:
        value = part.column(params.value_name)
        if pa.types.is_floating(value.type):  # NaN is missing, not the text "nan"
            value = pc.if_else(pc.is_nan(value), None, value)
        text = (
            value.cast(pa.string())
            if not pa.types.is_dictionary(value.type)
            else value.cast(value.type.value_type).cast(pa.string())
        )
        if pa.types.is_floating(value.type):
            text = pc.if_else(
                pc.match_substring_regex(text, r"^-?[0-9]+$"), pc.binary_join_element_wise(text, ".0", ""), text
            )
        texts.append(part.set_column(part.num_columns - 1, params.value_name, text))
    return pa.concat_tables(texts)
