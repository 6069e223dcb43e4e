"""What a source reads or a sink writes, as the asset key both sides agree on.

A file is `["file", <path parts under the data root>]`; a database table is
`["table", <database>, <schema>, <table>]`; a query (read, never written) is
`["query", <database>, <flowchart>, <node>]`. A source and a sink naming the same file or table
meet at the same key: that is how one flowchart's output becomes another's input.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

import dagster as dg

from dataops.spec import ValidFlowchart

# The schema a table lives in when its name gives none.
_DEFAULT_SCHEMA = {"postgresql": "public", "sqlite": "main"}


@dataclass(frozen=True)
class Target:
    """A source's or sink's data: its asset key and the kinds the UI shows (format, storage)."""

    key: dg.AssetKey
    kinds: frozenset[str]
    description: str


def target_of(flowchart: ValidFlowchart, node: str, root: str) -> Target | None:
    """The file or table a source or sink node names in its params; None for other nodes.

    Args:
        root: The data root (resolved), which relative paths and absolute ones inside it are keyed under.
    """
    spec = flowchart.modules[node]
    if spec.kind not in ("source", "sink"):
        return None
    params = flowchart.params[node]
    path = getattr(params, "path", None)
    if path:
        return _file(str(path), spec.format, root)
    url = getattr(params, "url", None)
    if url:
        return _table(str(url), getattr(params, "table", None), flowchart.name, node)
    return None


def _file(path: str, fmt: str | None, root: str) -> Target:
    pure = PurePosixPath(path.replace("\\", "/"))
    base = PurePosixPath(root.replace("\\", "/"))
    if pure.is_absolute() and pure.is_relative_to(base):
        pure = pure.relative_to(base)
    parts = [p for p in pure.parts if p not in ("", ".", "/")]
    kind = fmt or (pure.suffix.lstrip(".").lower() or "file")
    return Target(dg.AssetKey(["file", *parts]), frozenset({kind, "file"}), f"the file {pure.as_posix()}")


def _table(url: str, table: str | None, flowchart: str, node: str) -> Target:
    dialect, database = _database(url)
    if table:
        schema, _, name = table.rpartition(".")
        schema = schema or _DEFAULT_SCHEMA.get(dialect, database)
        return Target(
            dg.AssetKey(["table", database, schema, name]),
            frozenset({dialect, "table"}),
            f"the table {schema}.{name} in {dialect} database {database}",
        )
    return Target(
        dg.AssetKey(["query", database, flowchart, node]),
        frozenset({dialect, "sql"}),
        f"a query of node {node} ({flowchart}) in {dialect} database {database}",
    )


def _database(url: str) -> tuple[str, str]:
    """The dialect and database a URL template names, read without filling its `${VAR}`s (no secrets)."""
    from sqlalchemy.engine.url import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        parsed: Any = make_url(url)
    except ArgumentError:  # e.g. the whole URL is one `${VAR}`
        return url.partition(":")[0].partition("+")[0] or "sql", url
    dialect = parsed.get_backend_name()
    database = parsed.database or parsed.host or dialect
    if dialect == "sqlite":
        database = PurePosixPath(database.replace("\\", "/")).name or "memory"
    return dialect, database
