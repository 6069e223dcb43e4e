"""Built-in modules; importing this package registers them all.

The sources and sinks (read_*, write_*) are declared by the adapters that read and write
(`adapters/sources.py`), registered through the `dataops.modules` entry point like a plugin package.
"""

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
    "sql",
    "stats",
    "text",
    "window",
]
