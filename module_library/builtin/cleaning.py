"""Cleaning modules: duplicate rows and missing values.

Arrow in, Arrow out: every column keeps its type (a mean or median fill makes numbers float).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field, model_validator

from dataops.errors import ModuleError, Where
from module_library import ModuleParams, module
from module_library.builtin.aggregate import with_row_numbers
from module_library.checks import dtype_name, is_number_type, is_text_type, require_columns
from module_library.expressions import quote, run_query
from module_library.params import enum_descriptions
from module_library.tables import as_float, keep, sortable, take, with_column


class DeduplicateParams(ModuleParams):
    subset: list[str] | None = Field(None, min_length=1, description="Columns that define a duplicate; all if omitted.")
    keep: Annotated[
        Literal["first", "last"],
        enum_descriptions(
            {
                "first": "the first of each set of repeated rows, in row order",
                "last": "the last of each set of repeated rows, in row order",
            }
        ),
    ] = Field("first", description="Which of the duplicate rows to keep.")


@module(category="rows", params=DeduplicateParams, passthrough=True, reads=lambda p: p.subset, engine="arrow")
def deduplicate(data: pa.Table, params: DeduplicateParams) -> pa.Table:
    """Drop repeated rows, keeping the first or last of each (nulls count as equal)."""
    require_columns(data, params.subset or [], field="subset")
    keys = ", ".join(quote(c) for c in params.subset or data.column_names)
    if not keys:
        return data
    pick = "min" if params.keep == "first" else "max"
    table = with_row_numbers(data.select(params.subset or data.column_names))
    sql = f"SELECT {pick}(__row) AS __row FROM data GROUP BY {keys} ORDER BY 1"
    kept = run_query({"data": table}, sql, field="subset", columns=data.column_names)["__row"]
    return take(data, kept)


class DropNullsParams(ModuleParams):
    subset: list[str] | None = Field(None, min_length=1, description="Columns to look at; all if omitted.")
    how: Annotated[
        Literal["any", "all"],
        enum_descriptions(
            {
                "any": "drop a row with a null in any of the columns",
                "all": "drop a row only when all the columns are null",
            }
        ),
    ] = Field("any", description="Drop a row if any, or only if all, of them are null.")


@module(category="rows", params=DropNullsParams, passthrough=True, reads=lambda p: p.subset, engine="arrow")
def drop_nulls(data: pa.Table, params: DropNullsParams) -> pa.Table:
    """Drop rows with null values (NaN counts as null; empty text is not null)."""
    require_columns(data, params.subset or [], field="subset")
    present = [_present(data.column(c)) for c in params.subset or data.column_names]
    if not present:
        return data
    combine = pc.and_ if params.how == "any" else pc.or_
    return keep(data, functools.reduce(combine, present))


def _present(column: pa.ChunkedArray) -> pa.ChunkedArray:
    valid = pc.is_valid(column)
    return pc.and_(valid, pc.invert(pc.is_nan(column)).fill_null(True)) if pa.types.is_floating(column.type) else valid


Strategy = Annotated[
    Literal["forward", "backward", "mean", "median", "mode"],
    enum_descriptions(
        {
            "forward": "the previous non-null value in row order (leading nulls stay)",
            "backward": "the next non-null value in row order (trailing nulls stay)",
            "mean": "the average of the column's values (numbers only; the column becomes float)",
            "median": "the middle of the column's values (numbers only; the column becomes float)",
            "mode": "the most frequent value, the smallest of equally frequent ones (any type)",
        }
    ),
]


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


@module(category="rows", params=FillNullsParams, passthrough=True, reads=_fill_reads, engine="arrow")
def fill_nulls(data: pa.Table, params: FillNullsParams) -> pa.Table:
    """Replace nulls with given values, or by a strategy (previous, next, mean, median, most frequent)."""
    values = params.values or {}
    require_columns(data, values, field="values")
    require_columns(data, params.columns or [], field="columns")
    for column, value in values.items():
        data = with_column(data, column, _fill_value(data.column(column), column, value))
    if params.strategy is not None:
        for column in params.columns or []:
            data = with_column(data, column, _fill_strategy(data.column(column), column, params.strategy))
    return data


def _fill_value(values: pa.ChunkedArray, column: str, value: object) -> pa.ChunkedArray:
    """Nulls (and NaN) replaced by `value`, which must fit the column's type."""
    if is_text_type(values.type) and not isinstance(value, str):  # no column holds text and numbers
        raise ModuleError(
            f"column '{column}' ({dtype_name(values)}) cannot hold {value!r}; give a value of the column's type",
            Where(field="values"),
        )
    try:
        number = isinstance(value, (int, float)) and not isinstance(value, bool)
        exact = Decimal(str(value)) if number and pa.types.is_decimal(values.type) else value
        fill = pa.scalar(exact).cast(_plain(values.type))  # a safe cast: 1.5 fits no integer column
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError, pa.ArrowTypeError, OverflowError) as exc:
        raise ModuleError(
            f"column '{column}' ({dtype_name(values)}) cannot hold {value!r}: {exc}; give a value of the column's type",
            Where(field="values"),
        ) from exc
    return _in_own_type(values, lambda plain: pc.fill_null(plain, fill))


def _fill_strategy(values: pa.ChunkedArray, column: str, strategy: Strategy) -> pa.ChunkedArray:
    if strategy in ("forward", "backward"):
        return _fill_from_neighbours(values, pc.fill_null_forward if strategy == "forward" else pc.fill_null_backward)
    if strategy == "mode":
        fill = _most_frequent(values)
        return values if fill is None else _in_own_type(values, lambda plain: pc.fill_null(plain, fill))
    if not is_number_type(values.type):
        raise ModuleError(
            f"column '{column}' holds {dtype_name(values)} values; {strategy} needs numbers (use mode, or cast_types first)",
            Where(field="columns"),
        )
    numbers = _nan_as_null(as_float(values))  # a mean is rarely whole, so integer columns become float
    if strategy == "mean":
        fill = pc.mean(numbers)
    else:
        fill = pc.quantile(numbers, q=0.5, interpolation="linear")[0]
    return pc.fill_null(numbers, fill) if fill.is_valid else numbers


def _fill_from_neighbours(values: pa.ChunkedArray, fill: Callable[[pa.Array], pa.Array]) -> pa.ChunkedArray:
    """Each null (or NaN) takes the previous or next value: the row positions are filled, then taken,
    so every type (lists, structs, views, dictionaries) keeps its own."""
    positions = pa.array(np.arange(len(values), dtype=np.int64), mask=~_present_mask(values))
    taken = take(pa.table({"v": values}), fill(positions)).column(0)
    return _nan_as_null(taken)


def _present_mask(values: pa.ChunkedArray) -> np.ndarray:
    return pc.is_valid(_nan_as_null(values)).to_numpy(zero_copy_only=False)


def _most_frequent(values: pa.ChunkedArray) -> pa.Scalar | None:
    """The most frequent value (the smallest of equally frequent ones, as pandas' mode), or None."""
    plain = _nan_as_null(values.cast(_plain(values.type)))
    counts = pc.value_counts(plain.drop_null()).flatten()
    if not len(counts[0]):
        return None
    ranked = pa.table({"value": counts[0], "count": counts[1]})
    order = pc.sort_indices(sortable(ranked), sort_keys=[("count", "descending"), ("value", "ascending")])
    return ranked.column("value")[order[0].as_py()]


def _in_own_type(values: pa.ChunkedArray, fill: Callable[[pa.ChunkedArray], pa.ChunkedArray]) -> pa.ChunkedArray:
    """`fill` over the column's plain values (views as strings, dictionaries decoded, NaN as null),
    the result in the column's type."""
    filled = fill(_nan_as_null(values.cast(_plain(values.type))))
    if pa.types.is_dictionary(values.type):  # the fill value may be new to the dictionary
        filled = pc.dictionary_encode(filled)
    return filled.cast(values.type) if filled.type != values.type else filled


def _plain(kind: pa.DataType) -> pa.DataType:
    if pa.types.is_dictionary(kind):
        kind = kind.value_type
    return pa.large_string() if pa.types.is_string_view(kind) else kind


def _nan_as_null(values: pa.ChunkedArray) -> pa.ChunkedArray:
    return pc.if_else(pc.is_nan(values), None, values) if pa.types.is_floating(values.type) else values
