"""Select the requested columns of a source, or all of them.

The `columns` an adapter receives are a pushdown hint computed from the whole flowchart (see
`dataops_defs/compiler/plan.py`). They are applied only when every one of them exists: a missing one
means a node will report an unknown column, and it should see (and suggest from) all the
columns there are. A user-facing `columns` param (e.g. `read_parquet`) is validated by its
adapter before calling this.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence


def projection(available: Sequence[str], columns: Collection[str] | None) -> list[str] | None:
    """`columns` in the source's order when all exist, else None (read everything).

    `columns` may be a `module_library.Wanted`: then only its `required` columns must exist and
    the others are taken where present (the two sides of a join).
    """
    if columns is None:
        return None
    must = getattr(columns, "required", columns)
    if not set(must) <= set(available):
        return None
    wanted = set(columns)
    return [name for name in available if name in wanted]
