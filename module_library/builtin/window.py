"""Window functions: row numbers, ranks, lag/lead and running totals over partitions with an order.

Computed by DuckDB over the partition, order and value columns only; the new columns are appended
to the input, whose rows keep their order and whose columns keep their types.
"""

from __future__ import annotations

from typing import Annotated, Literal

import pyarrow as pa
from pydantic import Field, PositiveInt, model_validator

from module_library import ModuleParams, module
from module_library.builtin.aggregate import with_row_numbers
from module_library.builtin.rows import flags
from module_library.checks import require_columns
from module_library.expressions import quote, restore_types, run_query
from module_library.params import enum_descriptions
from module_library.tables import with_column

WindowFunction = Annotated[
    Literal["row_number", "rank", "dense_rank", "lag", "lead", "cumsum", "cummean"],
    enum_descriptions(
        {
            "row_number": "1, 2, 3, … within each group, in the order (ties in row order)",
            "rank": "position in the order; ties share it and leave a gap (1, 1, 3)",
            "dense_rank": "position in the order; ties share it, no gap (1, 1, 2)",
            "lag": "the column's value offset rows earlier in the group (empty where there is none)",
            "lead": "the column's value offset rows later in the group (empty where there is none)",
            "cumsum": "running total of the column within the group, up to this row",
            "cummean": "running average of the column within the group, up to this row",
        }
    ),
]
NEEDS_COLUMN = {"lag", "lead", "cumsum", "cummean"}
RUNNING = "ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW"


class WindowSpec(ModuleParams):
    function: WindowFunction = Field(description="row_number, rank, dense_rank, lag, lead, cumsum or cummean.")
    column: str | None = Field(None, description="Column the function reads (lag, lead, cumsum, cummean).")
    as_: str = Field(alias="as", min_length=1, description="Name of the new column.")
    offset: PositiveInt = Field(1, description="lag/lead: how many rows back or ahead.")

    @model_validator(mode="after")
    def _column_when_needed(self) -> WindowSpec:
        if self.function in NEEDS_COLUMN and self.column is None:
            raise ValueError(f"'{self.function}' needs a column")
        if self.function not in NEEDS_COLUMN and self.column is not None:
            raise ValueError(f"'{self.function}' reads no column; remove 'column'")
        return self


class WindowParams(ModuleParams):
    partition_by: list[str] = Field(default_factory=list, description="Columns whose values form the groups.")
    order_by: list[str] = Field(default_factory=list, description="Order within each group; none: row order.")
    descending: bool | list[bool] = Field(False, description="One flag for all order columns, or one per column.")
    functions: list[WindowSpec] = Field(min_length=1, description="The columns to add.")

    @model_validator(mode="after")
    def _consistent(self) -> WindowParams:
        if isinstance(self.descending, list) and len(self.descending) != len(self.order_by):
            raise ValueError(
                f"descending has {len(self.descending)} flags but order_by has {len(self.order_by)} columns"
            )
        names = [f.as_ for f in self.functions]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"output column names repeat: {', '.join(repeated)}")
        return self


def _reads(params: WindowParams) -> list[str]:
    return params.partition_by + params.order_by + [f.column for f in params.functions if f.column]


@module(
    category="aggregate",
    params=WindowParams,
    passthrough=True,
    reads=_reads,
    produces=lambda p: [f.as_ for f in p.functions],
    engine="arrow",
)
def window(data: pa.Table, params: WindowParams) -> pa.Table:
    """Add row_number, rank, dense_rank, lag/lead or running sum/mean over groups in an order."""
    require_columns(data, params.partition_by, field="partition_by")
    require_columns(data, params.order_by, field="order_by")
    require_columns(data, [f.column for f in params.functions if f.column], field="functions")
    partition = f"PARTITION BY {', '.join(quote(c) for c in params.partition_by)} " if params.partition_by else ""
    order = [
        f"{quote(c)} {'DESC' if down else 'ASC'} NULLS LAST"
        for c, down in zip(params.order_by, flags(params.descending, len(params.order_by)), strict=True)
    ]
    ranked = f"OVER ({partition}ORDER BY {', '.join(order)})" if order else f"OVER ({partition})"
    rows = f"OVER ({partition}ORDER BY {', '.join([*order, '__row'])}"  # ties in row order
    values = [f"{_sql(f, ranked, rows, data.schema)} AS {quote(f.as_)}" for f in params.functions]
    used = list(dict.fromkeys(_reads(params)))
    table = with_row_numbers(data.select(used))
    result = run_query(
        {"data": table}, f"SELECT {', '.join(values)} FROM data ORDER BY __row", field="functions", columns=used
    )
    # lag/lead pick values of their column: they keep its type (string views, time zones)
    picked = {
        f.as_: data.schema.field(f.column).type for f in params.functions if f.function in ("lag", "lead") and f.column
    }
    result = restore_types(result, picked)
    for spec in params.functions:
        data = with_column(data, spec.as_, result.column(spec.as_))
    return data


def _sql(spec: WindowSpec, ranked: str, rows: str, schema: pa.Schema) -> str:
    column = quote(spec.column) if spec.column else ""
    if spec.function in ("rank", "dense_rank"):
        return f"{spec.function}() {ranked}"
    if spec.function == "row_number":
        return f"row_number() {rows})"
    if spec.function in ("lag", "lead"):
        return f"{spec.function}({column}, {spec.offset}) {rows})"
    if spec.function == "cummean":
        return f"avg({column}) {rows} {RUNNING})"
    kind = schema.field(spec.column).type
    if pa.types.is_integer(kind) or pa.types.is_boolean(kind):
        return f"CAST(sum(CAST({column} AS BIGINT)) {rows} {RUNNING}) AS BIGINT)"
    return f"sum({column}) {rows} {RUNNING})"
