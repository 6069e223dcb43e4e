"""Column modules: choose, rename, retype and compute columns.

Arrow in, Arrow out; columns they do not touch keep their type exactly.
"""

from __future__ import annotations

import pyarrow as pa
from pydantic import Field, model_validator

from dataops.errors import ModuleError, Where
from module_library import ModuleParams, Needs, module
from module_library.checks import require_columns
from module_library.convert import PANDAS_DTYPE, ErrorsMode, TargetType, convert
from module_library.expressions import evaluate, referenced_columns
from module_library.tables import with_column


class SelectColumnsParams(ModuleParams):
    columns: list[str] = Field(min_length=1, description="Columns to keep, in output order.")


@module(category="columns", params=SelectColumnsParams, reads=lambda p: p.columns, engine="arrow")
def select_columns(data: pa.Table, params: SelectColumnsParams) -> pa.Table:
    """Keep only the listed columns, in the listed order."""
    require_columns(data, params.columns, field="columns")
    return data.select(params.columns)


class DeriveColumnParams(ModuleParams):
    name: str = Field(min_length=1, description="Column to add, or to replace if it exists.")
    expression: str = Field(description="SQL expression over the columns, e.g. price * qty.")


@module(
    category="columns",
    params=DeriveColumnParams,
    passthrough=True,
    reads=lambda p: referenced_columns(p.expression),
    produces=lambda p: [p.name],
    engine="arrow",
)
def derive_column(data: pa.Table, params: DeriveColumnParams) -> pa.Table:
    """Add or replace a column computed by a SQL expression."""
    return with_column(data, params.name, evaluate(data, params.expression, field="expression"))


class DropColumnsParams(ModuleParams):
    columns: list[str] = Field(min_length=1, description="Columns to remove; the others keep their order.")


@module(category="columns", params=DropColumnsParams, passthrough=True, reads=lambda p: p.columns, engine="arrow")
def drop_columns(data: pa.Table, params: DropColumnsParams) -> pa.Table:
    """Remove the listed columns."""
    require_columns(data, params.columns, field="columns")
    return data.drop_columns(params.columns)


class RenameColumnsParams(ModuleParams):
    mapping: dict[str, str] = Field(min_length=1, description="Old name to new name, e.g. {price: 价格}.")

    @model_validator(mode="after")
    def _distinct_targets(self) -> RenameColumnsParams:
        targets = list(self.mapping.values())
        if any(not t.strip() for t in targets):
            raise ValueError("a new column name is empty")
        repeated = sorted({t for t in targets if targets.count(t) > 1})
        if repeated:
            raise ValueError(f"several columns would be renamed to {', '.join(repeated)}")
        return self


def _rename_needs(params: RenameColumnsParams, downstream: Needs) -> dict[str, Needs]:
    """The consumers' columns under their old names, and every old name (each must exist)."""
    if downstream is None:
        return {"data": None}
    old_name = {new: old for old, new in params.mapping.items()}
    return {"data": frozenset({old_name.get(c, c) for c in downstream} | set(params.mapping))}


@module(category="columns", params=RenameColumnsParams, needs=_rename_needs, engine="arrow")
def rename_columns(data: pa.Table, params: RenameColumnsParams) -> pa.Table:
    """Rename columns; every old name must exist."""
    require_columns(data, params.mapping, field="mapping")
    kept = [c for c in data.column_names if c not in params.mapping]
    for old, new in params.mapping.items():
        if new in kept:
            raise ModuleError(
                f"renaming '{old}' to '{new}' would give two columns named '{new}'; rename or drop '{new}' first",
                Where(field="mapping"),
            )
    return data.rename_columns([params.mapping.get(c, c) for c in data.column_names])


class CastTypesParams(ModuleParams):
    types: dict[str, TargetType] = Field(
        min_length=1, description="Column to type: int, float, str, bool, datetime, date or category."
    )
    errors: ErrorsMode = Field("fail", description="Values that cannot convert: fail the run, or null them.")


@module(category="columns", params=CastTypesParams, passthrough=True, reads=lambda p: list(p.types), engine="arrow")
def cast_types(data: pa.Table, params: CastTypesParams) -> pa.Table:
    """Convert columns to other types; values that do not fit fail the run or become null."""
    require_columns(data, params.types, field="types")
    converted = {
        column: convert(data, column, to, field="types", errors=params.errors) for column, to in params.types.items()
    }
    for column, to in params.types.items():
        data = with_column(data, column, converted[column], pandas_dtype=PANDAS_DTYPE.get(to))
    return data
