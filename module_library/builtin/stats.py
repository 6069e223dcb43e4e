"""Statistics modules: profile a table, with a histogram per numeric column for the UI."""

from __future__ import annotations

import base64
import io

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from module_library import ModuleResult, NoParams, module
from module_library.checks import dtype_name, is_number_type
from module_library.tables import as_float, sortable

MAX_HISTOGRAMS = 20
HISTOGRAM_BINS = 20


PROFILE = pa.schema(
    [("column", pa.string()), ("dtype", pa.string()), ("count", pa.int64()), ("nulls", pa.int64())]
    + [("distinct", pa.int64())]
    + [(name, pa.float64()) for name in ("mean", "std", "min", "max")]
)


@module(category="stats", params=NoParams, engine="arrow")
def describe(data: pa.Table, params: NoParams) -> ModuleResult:
    """One row per column: type, counts of values, nulls and distinct values, and numeric summaries.

    mean, std (sample standard deviation), min and max are given for numeric columns, else null.
    """
    rows = []
    for name, column in zip(data.column_names, data.columns, strict=True):
        numbers = _numbers(column)
        rows.append(
            {
                "column": name,
                "dtype": dtype_name(column),
                "count": len(column) - _nulls(column),
                "nulls": _nulls(column),
                "distinct": _distinct(column),
                "mean": pc.mean(numbers).as_py() if numbers is not None else None,
                "std": pc.stddev(numbers, ddof=1).as_py() if numbers is not None else None,
                "min": pc.min(numbers).as_py() if numbers is not None else None,
                "max": pc.max(numbers).as_py() if numbers is not None else None,
            }
        )
    return ModuleResult(pa.Table.from_pylist(rows, schema=PROFILE), metadata={"histograms": histograms_markdown(data)})


def _numbers(column: pa.ChunkedArray) -> pa.ChunkedArray | None:
    """A numeric column as float64 with NaN as null (pandas' summaries skip NaN), else None."""
    if not is_number_type(column.type):
        return None
    numbers = as_float(column)
    return pc.if_else(pc.is_nan(numbers), None, numbers)


def _nulls(column: pa.ChunkedArray) -> int:
    """Nulls, NaN included (as pandas counts them)."""
    if pa.types.is_floating(column.type):
        return int(pc.sum(pc.fill_null(pc.is_nan(column), True).cast(pa.int64())).as_py() or 0)
    return column.null_count


def _distinct(column: pa.ChunkedArray) -> int:
    """Distinct values, nulls and NaN not counted (a hash table of the values: faster than count_distinct)."""
    try:  # views decoded first: pyarrow 26's unique turns a null view into ""
        distinct = pc.unique(sortable(pa.table({"v": column})).column(0))
    except (pa.ArrowNotImplementedError, pa.ArrowTypeError):  # e.g. structs: count their distinct text
        distinct = pc.unique(pa.array([None if v is None else str(v) for v in column.to_pylist()], pa.string()))
    missing = distinct.null_count
    if pa.types.is_floating(distinct.type):
        missing += int(pc.any(pc.is_nan(distinct)).as_py() or False)
    return len(distinct) - missing


def histograms_markdown(data: pa.Table) -> str:
    """Markdown with one small PNG histogram (base64, inline) per numeric column."""
    numeric = [
        name for name in data.column_names if (n := _numbers(data.column(name))) is not None and n.null_count < len(n)
    ]
    if not numeric:
        return "_no numeric columns with values_"
    parts = [
        f"**{_escape(name)}**\n\n{_histogram(_numbers(data.column(name)), name)}" for name in numeric[:MAX_HISTOGRAMS]
    ]
    if len(numeric) > MAX_HISTOGRAMS:
        parts.append(f"_{len(numeric) - MAX_HISTOGRAMS} more numeric columns not drawn_")
    return "\n\n".join(parts)


def _histogram(numbers: pa.ChunkedArray | None, name: str) -> str:
    try:
        return f"![{_escape(name)}]({_png(numbers)})"
    except ValueError:  # e.g. one value so large that no bins fit around it in float64
        return "_no histogram: the values cannot be split into bins_"


def _png(numbers: pa.ChunkedArray | None) -> str:
    """A data URI of the column's histogram; the title stays out of the image (fonts may lack CJK)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    figure = Figure(figsize=(3.2, 2.0), dpi=80, layout="tight")
    FigureCanvasAgg(figure)
    axes = figure.subplots()
    values = numbers.drop_null().to_numpy() if numbers is not None else np.array([])
    counts, edges = np.histogram(values[np.isfinite(values)], bins=HISTOGRAM_BINS)
    axes.stairs(counts, edges, fill=True, color="#4f6bed")  # bars from the counts, not from a million points
    axes.tick_params(labelsize=7)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def _escape(text: str) -> str:
    return text.replace("[", "\\[").replace("]", "\\]").replace("*", "\\*")
