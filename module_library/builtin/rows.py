"""Row modules: keep, order, sample and split rows (Arrow in, Arrow out; every column keeps its type)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field, model_validator

from dataops.errors import ModuleError, Where
from module_library import ModuleParams, module
from module_library.checks import require_columns
from module_library.expressions import condition_mask, referenced_columns
from module_library.fields import SqlCondition
from module_library.tables import keep, sortable, take


class FilterRowsParams(ModuleParams):
    condition: str = Field(description="SQL boolean expression; rows where it is true are kept (null drops).")


@module(
    category="rows",
    params=FilterRowsParams,
    passthrough=True,
    reads=lambda p: referenced_columns(p.condition),
    engine="arrow",
    row_filter=lambda p: p.condition,
)
def filter_rows(data: pa.Table, params: FilterRowsParams) -> pa.Table:
    """Keep the rows where a SQL condition is true."""
    return keep(data, condition_mask(data, params.condition))


class SortRowsParams(ModuleParams):
    by: list[str] = Field(min_length=1, description="Columns to sort by, most significant first.")
    descending: bool | list[bool] = Field(False, description="One flag for all keys, or one per key.")

    @model_validator(mode="after")
    def _one_flag_per_key(self) -> SortRowsParams:
        if isinstance(self.descending, list) and len(self.descending) != len(self.by):
            raise ValueError(f"descending has {len(self.descending)} flags but by has {len(self.by)} columns")
        return self


def flags(descending: bool | list[bool], count: int) -> list[bool]:
    """One descending flag per key."""
    return descending if isinstance(descending, list) else [descending] * count


@module(category="rows", params=SortRowsParams, passthrough=True, reads=lambda p: p.by, engine="arrow")
def sort_rows(data: pa.Table, params: SortRowsParams) -> pa.Table:
    """Sort rows by columns (stable, nulls last)."""
    require_columns(data, params.by, field="by")
    keys = [
        (column, "descending" if down else "ascending", "at_end")
        for column, down in zip(params.by, flags(params.descending, len(params.by)), strict=True)
    ]
    try:
        order = pc.sort_indices(sortable(data.select(list(dict.fromkeys(params.by)))), sort_keys=keys)
    except (pa.ArrowNotImplementedError, pa.ArrowTypeError) as exc:
        raise ModuleError(f"cannot sort by these columns: {exc}", Where(field="by")) from exc
    return take(data, order)


class LimitRowsParams(ModuleParams):
    n: int = Field(ge=0, description="How many rows to keep, from the top.")


@module(category="rows", params=LimitRowsParams, passthrough=True, reads=[], engine="arrow")
def limit_rows(data: pa.Table, params: LimitRowsParams) -> pa.Table:
    """Keep the first n rows."""
    return data.slice(0, params.n)


class SampleRowsParams(ModuleParams):
    n: int | None = Field(None, ge=0, description="How many rows to draw (all if the table is smaller).")
    fraction: float | None = Field(None, ge=0, le=1, description="Share of rows to draw, 0 to 1 (instead of n).")
    seed: int = Field(0, description="Random seed: the same seed draws the same rows.")

    @model_validator(mode="after")
    def _n_or_fraction(self) -> SampleRowsParams:
        if (self.n is None) == (self.fraction is None):
            raise ValueError("give either 'n' or 'fraction'")
        return self


@module(category="rows", params=SampleRowsParams, passthrough=True, reads=[], engine="arrow")
def sample_rows(data: pa.Table, params: SampleRowsParams) -> pa.Table:
    """Draw a reproducible random sample of rows, kept in their original order."""
    size = params.n if params.n is not None else round((params.fraction or 0) * data.num_rows)
    picked = np.random.default_rng(params.seed).choice(data.num_rows, size=min(size, data.num_rows), replace=False)
    return take(data, pa.array(np.sort(picked), pa.int64()))


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
    engine="arrow",
)
def split_rows(data: pa.Table, params: SplitRowsParams) -> dict[str, pa.Table]:
    """Send each row to matched or unmatched by a SQL condition; together they are the input."""
    mask = condition_mask(data, params.condition)
    return {"matched": keep(data, mask), "unmatched": keep(data, pc.invert(mask))}
