"""Feature modules: scale numbers, encode categories, bin values."""

from __future__ import annotations

from itertools import pairwise
from typing import Annotated, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field, model_validator

from dataops.errors import ModuleError, Where
from module_library import ModuleParams, module
from module_library.checks import require_columns, require_numeric
from module_library.params import enum_descriptions
from module_library.tables import as_float, sortable, with_column

MAX_ONE_HOT_VALUES = 1000


class NormalizeParams(ModuleParams):
    columns: list[str] = Field(min_length=1, description="Numeric columns to rescale in place.")
    method: Annotated[
        Literal["minmax", "zscore"],
        enum_descriptions(
            {
                "minmax": "smallest value 0, largest 1, the others in proportion between",
                "zscore": "distance from the mean in standard deviations (population)",
            }
        ),
    ] = Field("minmax", description="minmax maps to 0..1; zscore to mean 0, standard deviation 1 (population).")


@module(category="features", params=NormalizeParams, passthrough=True, reads=lambda p: p.columns, engine="arrow")
def normalize(data: pa.Table, params: NormalizeParams) -> pa.Table:
    """Rescale numeric columns to 0..1 (minmax) or to standard scores (zscore); a constant column becomes 0."""
    require_columns(data, params.columns, field="columns")
    require_numeric(data, params.columns, field="columns")
    for column in params.columns:
        values = as_float(data.column(column))
        known = _without_nan(values)
        if params.method == "minmax":
            low, high = pc.min(known).as_py(), pc.max(known).as_py()
            centre, spread = low, (high - low if low is not None else None)
        else:
            centre, spread = pc.mean(known).as_py(), pc.stddev(known, ddof=0).as_py()
        scaled = pc.divide(pc.subtract(values, centre), spread) if spread else pc.multiply(values, 0.0)
        data = with_column(data, column, scaled)
    return data


def _without_nan(values: pa.ChunkedArray) -> pa.ChunkedArray:
    """Float values with NaN as null: summaries skip both, as pandas' do."""
    return pc.if_else(pc.is_nan(values), None, values)


class OneHotEncodeParams(ModuleParams):
    columns: list[str] = Field(min_length=1, description="Category columns to encode.")
    drop_original: bool = Field(True, description="Remove the encoded columns.")


@module(category="features", params=OneHotEncodeParams, passthrough=True, reads=lambda p: p.columns, engine="arrow")
def one_hot_encode(data: pa.Table, params: OneHotEncodeParams) -> pa.Table:
    """Add a 0/1 column <column>_<value> per distinct value (sorted), after the other columns; null sets none."""
    require_columns(data, params.columns, field="columns")
    kept = data.drop_columns(params.columns) if params.drop_original else data
    encoded: dict[str, pa.ChunkedArray] = {}
    for column in params.columns:
        values = sortable(data.select([column])).column(0)
        distinct = pc.unique(values).drop_null()
        if pa.types.is_floating(distinct.type):
            distinct = distinct.filter(pc.invert(pc.is_nan(distinct)))
        if len(distinct) > MAX_ONE_HOT_VALUES:
            raise ModuleError(
                f"column '{column}' has {len(distinct):,} distinct values; one-hot encoding makes at most "
                f"{MAX_ONE_HOT_VALUES:,} columns (bin_column or group them first)",
                Where(field="columns"),
            )
        for value in pc.array_take(distinct, pc.sort_indices(distinct)).to_pylist():
            name = f"{column}_{value}"
            if name in kept.column_names or name in encoded:
                raise ModuleError(f"the new column '{name}' exists already; rename it first", Where(field="columns"))
            encoded[name] = pc.fill_null(pc.equal(values, pa.scalar(value, values.type)), False).cast(pa.int64())
    for name, indicator in encoded.items():
        kept = with_column(kept, name, indicator)
    return kept


class BinColumnParams(ModuleParams):
    column: str = Field(description="Numeric column to bin.")
    bins: int | list[float] = Field(
        description="Number of equal-width bins over min..max, or the bin edges in increasing order."
    )
    labels: list[str] | None = Field(None, description="One name per bin; default the interval, e.g. (10, 20].")
    as_: str | None = Field(None, alias="as", description="Output column; default <column>_bin.")

    @model_validator(mode="after")
    def _bins_and_labels(self) -> BinColumnParams:
        if isinstance(self.bins, int):
            if self.bins < 1:
                raise ValueError("bins must be at least 1")
            count = self.bins
        else:
            if len(self.bins) < 2 or any(b <= a for a, b in pairwise(self.bins)):
                raise ValueError("bin edges must be at least two numbers in strictly increasing order")
            count = len(self.bins) - 1
        if self.labels is not None and len(self.labels) != count:
            raise ValueError(f"{len(self.labels)} labels for {count} bins")
        return self

    @property
    def output(self) -> str:
        return self.as_ or f"{self.column}_bin"


@module(
    category="features",
    params=BinColumnParams,
    passthrough=True,
    reads=lambda p: [p.column],
    produces=lambda p: [p.output],
    engine="arrow",
)
def bin_column(data: pa.Table, params: BinColumnParams) -> pa.Table:
    """Put each value into an interval (a, b], the first one closed [a, b]; values outside the edges get null."""
    require_columns(data, [params.column], field="column")
    require_numeric(data, [params.column], field="column")
    values = _without_nan(as_float(data.column(params.column)))
    edges = _edges(values, params.bins)
    labels = params.labels or [
        f"{'[' if i == 0 else '('}{_number(a)}, {_number(b)}]" for i, (a, b) in enumerate(pairwise(edges))
    ]
    numbers = values.to_numpy(zero_copy_only=False)
    if len(set(edges)) == 1:  # a constant column: every value lies in the first bin
        codes = np.zeros(len(numbers), dtype=np.int64)
    else:
        codes = np.searchsorted(np.asarray(edges), numbers, side="left") - 1
        codes[numbers == edges[0]] = 0  # the first interval is closed on the left
    inside = ~np.isnan(numbers) & (codes >= 0) & (codes < len(labels))
    positions = pa.array(np.where(inside, codes, 0), pa.int64(), mask=~inside)
    return with_column(data, params.output, pa.array(labels, pa.string()).take(positions))


def _edges(values: pa.ChunkedArray, bins: int | list[float]) -> list[float]:
    if not isinstance(bins, int):
        return list(bins)
    low, high = pc.min(values).as_py(), pc.max(values).as_py()
    if low is None:
        return [0.0] * (bins + 1)
    return [float(e) for e in np.linspace(low, high, bins + 1)]


def _number(value: float) -> str:
    """An edge as people write it: 10 rather than 10.0, 56.215 rather than 56.21500000000001."""
    return str(int(value)) if float(value).is_integer() else f"{value:.10g}"
