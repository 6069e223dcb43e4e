"""Statistics modules: profile a table, with a histogram per numeric column for the UI."""

from __future__ import annotations

import base64
import io

import numpy as np
import pandas as pd

from module_library.checks import is_number
from module_library.sdk import ModuleResult, NoParams, module

MAX_HISTOGRAMS = 20
HISTOGRAM_BINS = 20


@module(category="stats", params=NoParams)
def describe(data: pd.DataFrame, params: NoParams) -> ModuleResult:
    """One row per column: type, counts of values, nulls and distinct values, and numeric summaries.

    mean, std (sample standard deviation), min and max are given for numeric columns, else null.
    """
    rows = []
    for name in data.columns:
        series = data[name]
        numbers = series.astype("float64") if is_number(series) else None
        rows.append(
            {
                "column": str(name),
                "dtype": str(series.dtype),
                "count": int(series.count()),
                "nulls": int(series.isna().sum()),
                "distinct": int(series.nunique(dropna=True)),
                "mean": numbers.mean() if numbers is not None else None,
                "std": numbers.std() if numbers is not None else None,
                "min": numbers.min() if numbers is not None else None,
                "max": numbers.max() if numbers is not None else None,
            }
        )
    profile = pd.DataFrame(
        rows, columns=["column", "dtype", "count", "nulls", "distinct", "mean", "std", "min", "max"]
    ).astype(
        {"column": "str", "dtype": "str", "count": "int64", "nulls": "int64", "distinct": "int64"}
        | dict.fromkeys(["mean", "std", "min", "max"], "float64")
    )
    return ModuleResult(profile, metadata={"histograms": histograms_markdown(data)})


def histograms_markdown(data: pd.DataFrame) -> str:
    """Markdown with one small PNG histogram (base64, inline) per numeric column."""
    numeric = [name for name in data.columns if is_number(data[name]) and data[name].notna().any()]
    if not numeric:
        return "_no numeric columns with values_"
    parts = [f"**{_escape(str(name))}**\n\n{_histogram(data[name], str(name))}" for name in numeric[:MAX_HISTOGRAMS]]
    if len(numeric) > MAX_HISTOGRAMS:
        parts.append(f"_{len(numeric) - MAX_HISTOGRAMS} more numeric columns not drawn_")
    return "\n\n".join(parts)


def _histogram(series: pd.Series, name: str) -> str:
    try:
        return f"![{_escape(name)}]({_png(series)})"
    except ValueError:  # e.g. one value so large that no bins fit around it in float64
        return "_no histogram: the values cannot be split into bins_"


def _png(series: pd.Series) -> str:
    """A data URI of the column's histogram; the title stays out of the image (fonts may lack CJK)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(3.2, 2.0), dpi=80, layout="tight")
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    values = series.dropna().astype("float64")
    axes.hist(values[np.isfinite(values)], bins=HISTOGRAM_BINS, color="#4f6bed")
    axes.tick_params(labelsize=7)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _escape(text: str) -> str:
    return text.replace("[", "\\[").replace("]", "\\]").replace("*", "\\*")
