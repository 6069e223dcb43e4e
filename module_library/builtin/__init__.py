"""Built-in modules; importing this package registers them all."""

from module_library.builtin import (
    aggregate,
    cleaning,
    columns,
    combine,
    dates,
    features,
    quality,
    reshape,
    rows,
    sources,
    sql,
    stats,
    text,
    window,
)

__all__ = [
    "aggregate",
    "cleaning",
    "columns",
    "combine",
    "dates",
    "features",
    "quality",
    "reshape",
    "rows",
    "sources",
    "sql",
    "stats",
    "text",
    "window",
]
