"""Aggregation: one row per group, computed by DuckDB over the Arrow table.

Result types follow SQL (DuckDB's rules): a sum of decimals is an exact decimal (precision 38),
a sum of integers an int64, a mean a double; `count` and `size` are int64.
"""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
import pyarrow as pa
from pydantic import Field, model_validator

from module_library import ModuleParams, module
from module_library.checks import require_columns
from module_library.expressions import quote, referenced_columns, restore_types, run_query
from module_library.fields import SqlCondition
from module_library.params import enum_descriptions

Function = Annotated[
    Literal["sum", "mean", "min", "max", "count", "size", "count_distinct", "median", "std", "first", "last"],
    enum_descriptions(
        {
            "sum": "total of the values",
            "mean": "average of the non-null values",
            "min": "smallest value",
            "max": "largest value",
            "count": "number of non-null values",
            "size": "number of rows (needs no column)",
            "count_distinct": "number of different non-null values",
            "median": "middle value",
            "std": "sample standard deviation",
            "first": "first non-null value in row order",
            "last": "last non-null value in row order",
        }
    ),
]
# `__row` is the row's position, added before the query for `first` and `last`.
SQL = {
    "sum": "sum({c})",
    "mean": "avg({c})",
    "min": "min({c})",
    "max": "max({c})",
    "count": "count({c})",
    "size": "count(*)",
    "count_distinct": "count(DISTINCT {c})",
    "median": "median({c})",
    "std": "stddev_samp({c})",
    "first": "arg_min({c}, __row) FILTER (WHERE {c} IS NOT NULL)",
    "last": "arg_max({c}, __row) FILTER (WHERE {c} IS NOT NULL)",
}


PICKED = ("min", "max", "first", "last")


class Aggregation(ModuleParams):
    column: str | None = Field(None, description="Column to aggregate (not needed for size).")
    expression: SqlCondition | None = Field(
        None, description="SQL expression to aggregate instead of a column, e.g. price * (1 - discount); needs 'as'."
    )
    function: Function = Field(description="Aggregate function.")
    as_: str | None = Field(None, alias="as", description="Output column; default <column>_<function>.")

    @model_validator(mode="after")
    def _column_unless_size(self) -> Aggregation:
        if self.column is not None and self.expression is not None:
            raise ValueError("give 'column' or 'expression', not both")
        if self.expression is not None and not self.as_:
            raise ValueError("an aggregated 'expression' needs 'as', the name of its output column")
        if self.column is None and self.expression is None and self.function != "size":
            raise ValueError(f"'{self.function}' needs a column")
        return self

    @property
    def output(self) -> str:
        if self.as_:
            return self.as_
        return f"{self.column}_{self.function}" if self.column else self.function

    @property
    def reads(self) -> list[str]:
        """The input columns this aggregation reads."""
        if self.expression is not None:
            return referenced_columns(self.expression)
        return [self.column] if self.column else []


class GroupAggregateParams(ModuleParams):
    by: list[str] = Field(default_factory=list, description="Group key columns; none: one grand-total row.")
    aggregations: list[Aggregation] = Field(min_length=1, description="What to compute per group.")

    @model_validator(mode="after")
    def _unique_outputs(self) -> GroupAggregateParams:
        names = self.by + [a.output for a in self.aggregations]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"output column names repeat: {', '.join(duplicates)}; set 'as' to tell them apart")
        return self


def _reads(params: GroupAggregateParams) -> list[str]:
    return params.by + [column for a in params.aggregations for column in a.reads]


@module(category="aggregate", params=GroupAggregateParams, reads=_reads, engine="arrow")
def group_aggregate(data: pa.Table, params: GroupAggregateParams) -> pa.Table:
    """One row per group of key values, sorted by the keys (null keys form their own group, last)."""
    require_columns(data, params.by, field="by")
    require_columns(data, [a.column for a in params.aggregations if a.column], field="aggregations")
    keys = [quote(c) for c in params.by]
    values = [f"{_aggregate(a, data.schema)} AS {quote(a.output)}" for a in params.aggregations]
    sql = f"SELECT {', '.join([*keys, *values])} FROM data"
    if keys:
        sql += f" GROUP BY {', '.join(keys)} ORDER BY {', '.join(k + ' NULLS LAST' for k in keys)}"
    uses_row = any(a.function in ("first", "last") for a in params.aggregations)
    table = with_row_numbers(data) if uses_row else data
    result = run_query({"data": table}, sql, field="aggregations", columns=data.column_names)
    # keys, and values picked from a column (min, max, first, last), keep that column's type
    picked = {a.output: a.column for a in params.aggregations if a.column and a.function in PICKED}
    types = {c: data.schema.field(c).type for c in params.by} | {
        o: data.schema.field(c).type for o, c in picked.items()
    }
    return restore_types(result, types)


def _aggregate(aggregation: Aggregation, schema: pa.Schema) -> str:
    if aggregation.expression is not None:  # checked to be one expression when the params were read
        return SQL[aggregation.function].format(c=f"({aggregation.expression})")
    return aggregate_sql(aggregation.function, aggregation.column, schema)


def aggregate_sql(function: str, column: str | None, schema: pa.Schema, *, where: str | None = None) -> str:
    """The SQL of one aggregate, over the rows `where` keeps if given; sums of integers stay int64
    (DuckDB's own would be int128)."""
    name = quote(column) if column else ""
    integral_sum = function == "sum" and column and _integral(schema.field(column).type)
    aggregate = f"sum(CAST({name} AS BIGINT))" if integral_sum else SQL[function].format(c=name)
    if where:
        if "FILTER (WHERE " in aggregate:
            aggregate = aggregate.replace("FILTER (WHERE ", f"FILTER (WHERE {where} AND ")
        else:
            aggregate = f"{aggregate} FILTER (WHERE {where})"
    return f"CAST({aggregate} AS BIGINT)" if integral_sum else aggregate


def with_row_numbers(data: pa.Table) -> pa.Table:
    """`data` with `__row`, each row's position (for orders that follow the rows)."""
    return data.append_column("__row", pa.array(np.arange(data.num_rows, dtype=np.int64)))


def _integral(kind: pa.DataType) -> bool:
    return pa.types.is_integer(kind) or pa.types.is_boolean(kind)
