"""Combine modules: join two tables (DuckDB finds the row pairs, Arrow takes the rows), stack many (Arrow)."""

from __future__ import annotations

from typing import Annotated, Literal

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field, model_validator

from dataops.errors import ModuleError, Where
from module_library import ModuleParams, Needs, NoParams, Wanted, many, module
from module_library.builtin.aggregate import with_row_numbers
from module_library.checks import require_columns
from module_library.expressions import quote, run_query
from module_library.params import enum_descriptions
from module_library.tables import take

How = Annotated[
    Literal["inner", "left", "right", "outer", "semi", "anti", "cross"],
    enum_descriptions(
        {
            "inner": "only rows with a match on both sides",
            "left": "every left row; right columns empty where no match",
            "right": "every right row; left columns empty where no match",
            "outer": "every row of both sides; the other side's columns empty where no match",
            "semi": "the left rows that have a match (left columns only)",
            "anti": "the left rows that have no match (left columns only)",
            "cross": "every left row paired with every right row (no keys)",
        }
    ),
]
SQL_JOIN = {"inner": "INNER JOIN", "left": "LEFT JOIN", "right": "RIGHT JOIN", "outer": "FULL OUTER JOIN"}


class JoinParams(ModuleParams):
    how: How = Field(
        "inner",
        description="inner, left, right, outer (which unmatched rows to keep); semi/anti: the left rows with/without "
        "a match (left columns only); cross: every pair (no keys).",
    )
    on: list[str] | None = Field(None, description="Key columns present on both sides.")
    left_on: list[str] | None = Field(None, description="Left key columns (with right_on).")
    right_on: list[str] | None = Field(None, description="Right key columns (with left_on).")

    @model_validator(mode="after")
    def _keys(self) -> JoinParams:
        if self.how == "cross":
            if self.on is not None or self.left_on is not None or self.right_on is not None:
                raise ValueError("a cross join pairs every row with every row; it takes no keys")
            return self
        if self.on is not None:
            if self.left_on is not None or self.right_on is not None:
                raise ValueError("give either 'on' or 'left_on' + 'right_on', not both")
            if not self.on:
                raise ValueError("'on' needs at least one column")
            return self
        if not self.left_on or not self.right_on:
            raise ValueError("give 'on', or both 'left_on' and 'right_on'")
        if len(self.left_on) != len(self.right_on):
            raise ValueError(f"left_on has {len(self.left_on)} columns but right_on has {len(self.right_on)}")
        return self

    @property
    def keys(self) -> tuple[list[str], list[str]]:
        return (self.on, self.on) if self.on else (self.left_on or [], self.right_on or [])


def _join_needs(params: JoinParams, downstream: Needs) -> dict[str, Needs]:
    """Each side: its keys (required) and the consumers' columns with the _left/_right suffixes
    undone, taken where the side has them (a side does not know the other side's columns)."""
    left_keys, right_keys = params.keys
    if params.how in ("semi", "anti"):
        left = None if downstream is None else Wanted(set(downstream) | set(left_keys), left_keys)
        return {"left": left, "right": frozenset(right_keys)}
    if downstream is None:
        return {"left": None, "right": None}
    wanted = set(downstream)
    left_columns = {c.removesuffix("_left") for c in wanted} | wanted | set(left_keys)
    right_columns = {c.removesuffix("_right") for c in wanted} | wanted | set(right_keys)
    return {"left": Wanted(left_columns, left_keys), "right": Wanted(right_columns, right_keys)}


@module(category="combine", params=JoinParams, inputs=("left", "right"), needs=_join_needs, engine="arrow")
def join(left: pa.Table, right: pa.Table, params: JoinParams) -> pa.Table:
    """Join two tables on key columns; null keys never match (as in SQL); rows keep the left's order."""
    left_keys, right_keys = params.keys
    require_columns(left, left_keys, field="on" if params.on else "left_on")
    require_columns(right, right_keys, field="on" if params.on else "right_on")
    _check_key_kinds(left, right, params)
    if params.how in ("semi", "anti"):
        return take(left, _matching_rows(left, right, params))
    left_rows, right_rows = _row_pairs(left, right, params)
    return _assemble(take(left, left_rows), take(right, right_rows), params)


def _row_pairs(left: pa.Table, right: pa.Table, params: JoinParams) -> tuple[pa.Array, pa.Array]:
    """The (left row, right row) positions of the output rows, in the left's order, then the right's
    (a row without a partner has a null position). DuckDB sees only the keys and the positions."""
    if params.how == "cross":
        left_rows = np.repeat(np.arange(left.num_rows, dtype=np.int64), right.num_rows)
        right_rows = np.tile(np.arange(right.num_rows, dtype=np.int64), left.num_rows)
        return pa.array(left_rows), pa.array(right_rows)
    sql = (
        f"SELECT l.__row AS l, r.__row AS r FROM l {SQL_JOIN[params.how]} r ON {_condition(params)} "
        "ORDER BY l NULLS LAST, r NULLS LAST"
    )
    pairs = run_query(
        _key_tables(left, right, params), sql, field="how", columns=left.column_names + right.column_names
    )
    return pairs.column("l").combine_chunks(), pairs.column("r").combine_chunks()


def _matching_rows(left: pa.Table, right: pa.Table, params: JoinParams) -> pa.Array:
    """The positions of the left rows with (semi) or without (anti) a partner, in order."""
    exists = "EXISTS" if params.how == "semi" else "NOT EXISTS"
    sql = f"SELECT l.__row FROM l WHERE {exists} (SELECT 1 FROM r WHERE {_condition(params)}) ORDER BY 1"
    rows = run_query(_key_tables(left, right, params), sql, field="how", columns=left.column_names + right.column_names)
    return rows.column(0).combine_chunks()


def _condition(params: JoinParams) -> str:
    return " AND ".join(f"l.{quote(a)} = r.{quote(b)}" for a, b in zip(*params.keys, strict=True))


def _key_tables(left: pa.Table, right: pa.Table, params: JoinParams) -> dict[str, pa.Table]:
    left_keys, right_keys = params.keys
    return {
        "l": with_row_numbers(left.select(list(dict.fromkeys(left_keys)))),
        "r": with_row_numbers(right.select(list(dict.fromkeys(right_keys)))),
    }


def _assemble(left: pa.Table, right: pa.Table, params: JoinParams) -> pa.Table:
    """Left columns, then right ones; keys shared by name once (either side's value for right and
    outer joins); other clashing names suffixed _left/_right. Every column keeps its type."""
    left_keys, right_keys = params.keys
    shared = {b for a, b in zip(left_keys, right_keys, strict=True) if a == b}
    right_rest = [c for c in right.column_names if c not in shared]
    names, columns = [], []
    for name in left.column_names:
        column = left.column(name)
        if name in shared and params.how in ("right", "outer"):
            column = _either(column, right.column(name))
        elif name not in shared and name in right_rest and name not in left_keys:
            name = f"{name}_left"
        names.append(name)
        columns.append(column)
    for name in right_rest:
        names.append(f"{name}_right" if name in left.column_names else name)
        columns.append(right.column(name))
    return pa.Table.from_arrays(columns, names=names)


def _either(first: pa.ChunkedArray, second: pa.ChunkedArray) -> pa.ChunkedArray:
    """`first`'s value where it has one, else `second`'s, in the type both fit."""
    kind = (
        pa.unify_schemas(
            [pa.schema([("k", first.type)]), pa.schema([("k", second.type)])], promote_options="permissive"
        )
        .field("k")
        .type
    )
    plain = pa.large_string() if pa.types.is_string_view(kind) else kind  # coalesce has no view kernel
    either = pc.coalesce(first.cast(plain), second.cast(plain))
    return either.cast(kind) if either.type != kind else either


def _check_key_kinds(left: pa.Table, right: pa.Table, params: JoinParams) -> None:
    """Keys must hold the same kind of values: DuckDB would otherwise cast text to numbers silently."""
    left_keys, right_keys = params.keys
    for a, b in zip(left_keys, right_keys, strict=True):
        kinds = (_kind(left.schema.field(a).type), _kind(right.schema.field(b).type))
        if "null" not in kinds and kinds[0] != kinds[1]:
            raise ModuleError(
                f"cannot match the keys '{a}' ({left.schema.field(a).type}) with '{b}' "
                f"({right.schema.field(b).type}): they hold different kinds of values; cast_types them to one type first",
                Where(field="on" if params.on else "left_on"),
            )


def _kind(kind: pa.DataType) -> str:
    if pa.types.is_dictionary(kind):
        return _kind(kind.value_type)
    if pa.types.is_null(kind):
        return "null"
    if pa.types.is_integer(kind) or pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return "number"
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
        return "text"
    if pa.types.is_temporal(kind):
        return "date/time"
    return str(kind)


@module(category="combine", inputs=(many("data"),), passthrough=True, reads=[], engine="arrow")
def union(data: list[pa.Table], params: NoParams) -> pa.Table:
    """Stack tables: rows in edge order, columns matched by name (missing ones are null)."""
    if not data:
        return pa.table({})
    try:
        return pa.concat_tables(data, promote_options="permissive")
    except (pa.ArrowInvalid, pa.ArrowTypeError, pa.ArrowNotImplementedError):
        pass  # a column holding numbers in one table and text in another: text, as no format stores a mix
    names = list(dict.fromkeys(name for table in data for name in table.column_names))
    clashing = {n for n in names if len({t.schema.field(n).type for t in data if n in t.column_names}) > 1}
    as_text = [
        t.cast(pa.schema([pa.field(f.name, pa.string()) if f.name in clashing else f for f in t.schema])) for t in data
    ]
    return pa.concat_tables(as_text, promote_options="permissive")
