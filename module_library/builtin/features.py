"""Feature modules: scale numbers, encode categories, bin values."""

from __future__ import annotations

from itertools import pairwise
from typing import Literal

import numpy as np
import pandas as pd
from pydantic import Field, model_validator

from dataops.errors import ModuleError, Where
from module_library.checks import require_columns, require_numeric
from module_library.sdk import ModuleParams, module

MAX_ONE_HOT_VALUES = 1000


class NormalizeParams(ModuleParams):
    columns: list[str] = Field(min_length=1, description="Numeric columns to rescale in place.")
    method: Literal["minmax", "zscore"] = Field(
        "minmax", description="minmax maps to 0..1; zscore to mean 0, standard deviation 1 (population)."
    )


@module(category="features", params=NormalizeParams, passthrough=True, reads=lambda p: p.columns)
def normalize(data: pd.DataFrame, params: NormalizeParams) -> pd.DataFrame:
    """Rescale numeric columns to 0..1 (minmax) or to standard scores (zscore); a constant column becomes 0."""
    require_columns(data, params.columns, field="columns")
    require_numeric(data, params.columns, field="columns")
    scaled = {}
    for column in params.columns:
        values = data[column].astype("float64")
        if params.method == "minmax":
            centre, spread = values.min(), values.max() - values.min()
        else:
            centre, spread = values.mean(), values.std(ddof=0)
        scaled[column] = (values - centre) / spread if spread else values * 0.0
    return data.assign(**scaled)


class OneHotEncodeParams(ModuleParams):
    columns: list[str] = Field(min_length=1, description="Category columns to encode.")
    drop_original: bool = Field(True, description="Remove the encoded columns.")


@module(category="features", params=OneHotEncodeParams, passthrough=True, reads=lambda p: p.columns)
def one_hot_encode(data: pd.DataFrame, params: OneHotEncodeParams) -> pd.DataFrame:
    """Add a 0/1 column <column>_<value> per distinct value (sorted), after the other columns; null sets none."""
    require_columns(data, params.columns, field="columns")
    kept = data.drop(columns=params.columns) if params.drop_original else data
    encoded: dict[str, pd.Series] = {}
    for column in params.columns:
        series = data[column]
        values = sorted(series.dropna().unique())
        if len(values) > MAX_ONE_HOT_VALUES:
            raise ModuleError(
                f"column '{column}' has {len(values):,} distinct values; one-hot encoding makes at most "
                f"{MAX_ONE_HOT_VALUES:,} columns (bin_column or group them first)",
                Where(field="columns"),
            )
        for value in values:
            name = f"{column}_{value}"
            if name in kept.columns or name in encoded:
                raise ModuleError(f"the new column '{name}' exists already; rename it first", Where(field="columns"))
            encoded[name] = series.eq(value).fillna(False).astype("int64")
    return pd.concat([kept, pd.DataFrame(encoded, index=data.index)], axis=1)


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
)
def bin_column(data: pd.DataFrame, params: BinColumnParams) -> pd.DataFrame:
    """Put each value into an interval (a, b], the first one closed [a, b]; values outside the edges get null."""
    require_columns(data, [params.column], field="column")
    require_numeric(data, [params.column], field="column")
    values = data[params.column].astype("float64")
    edges = _edges(values, params.bins)
    labels = params.labels or [
        f"{'[' if i == 0 else '('}{_number(a)}, {_number(b)}]" for i, (a, b) in enumerate(pairwise(edges))
    ]
    if len(set(edges)) == 1:  # a constant column: every value lies in the first bin
        binned = pd.Series(np.where(values.notna(), labels[0], None), index=data.index, dtype="str")
    else:
        codes = pd.cut(values, edges, labels=False, include_lowest=True)
        binned = codes.map(lambda i: labels[int(i)], na_action="ignore").astype("str")
    return data.assign(**{params.output: binned})


def _edges(values: pd.Series, bins: int | list[float]) -> list[float]:
    if not isinstance(bins, int):
        return list(bins)
    if values.notna().sum() == 0:
        return [0.0] * (bins + 1)
    return list(np.linspace(values.min(), values.max(), bins + 1))


def _number(value: float) -> str:
    """An edge as people write it: 10 rather than 10.0, 56.215 rather than 56.21500000000001."""
    return str(int(value)) if float(value).is_integer() else f"{value:.10g}"
