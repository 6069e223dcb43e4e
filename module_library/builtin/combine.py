"""Combine modules: join two tables (DuckDB), stack many (Arrow)."""

from __future__ import annotations

from typing import Literal

import pyarrow as pa
from pydantic import Field, model_validator

from dataops.errors import ModuleError, Where
from module_library.builtin.aggregate import with_row_numbers
from module_library.checks import require_columns
from module_library.expressions import quote, restore_types, run_query
from module_library.sdk import ModuleParams, Needs, NoParams, Wanted, many, module

How = Literal["inner", "left", "right", "outer", "semi", "anti", "cross"]
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
    left = {c.removesuffix("_left") for c in wanted} | wanted | set(left_keys)
    right = {c.removesuffix("_right") for c in wanted} | wanted | set(right_keys)
    return {"left": Wanted(left, left_keys), "right": Wanted(right, right_keys)}


@module(category="combine", params=JoinParams, inputs=("left", "right"), needs=_join_needs, engine="arrow")
def join(left: pa.Table, right: pa.Table, params: JoinParams) -> pa.Table:
    """Join two tables on key columns; null keys never match (as in SQL); rows keep the left's order."""
    left_keys, right_keys = params.keys
    require_columns(left, left_keys, field="on" if params.on else "left_on")
    require_columns(right, right_keys, field="on" if params.on else "right_on")
    _check_key_kinds(left, right, params)
    pairs = list(zip(left_keys, right_keys, strict=True))
    condition = " AND ".join(f"l.{quote(a)} = r.{quote(b)}" for a, b in pairs)
    order = "ORDER BY l.__row NULLS LAST, r.__row NULLS LAST"
    if params.how in ("semi", "anti"):
        exists = "EXISTS" if params.how == "semi" else "NOT EXISTS"
        columns = ", ".join(f"l.{quote(c)}" for c in left.column_names)
        sql = f"SELECT {columns} FROM l WHERE {exists} (SELECT 1 FROM r WHERE {condition}) ORDER BY l.__row"
        types = {f.name: f.type for f in left.schema}
    else:
        select, types = _output_columns(left, right, params)
        source = "l CROSS JOIN r" if params.how == "cross" else f"l {SQL_JOIN[params.how]} r ON {condition}"
        sql = f"SELECT {', '.join(select)} FROM {source} {order}"
    tables = {"l": with_row_numbers(left), "r": with_row_numbers(right)}
    result = run_query(tables, sql, field="how", columns=left.column_names + right.column_names)
    return restore_types(result, types)


def _output_columns(left: pa.Table, right: pa.Table, params: JoinParams) -> tuple[list[str], dict[str, pa.DataType]]:
    """The select list: left columns, then right ones; shared keys once; clashing names suffixed."""
    left_keys, right_keys = params.keys
    shared = {b for a, b in zip(left_keys, right_keys, strict=True) if a == b}
    coalesce = params.how in ("right", "outer")
    select, types = [], {}
    right_rest = [c for c in right.column_names if c not in shared]
    for field in left.schema:
        name = field.name
        if name in shared:
            expression = f"COALESCE(l.{quote(name)}, r.{quote(name)})" if coalesce else f"l.{quote(name)}"
        else:
            expression = f"l.{quote(name)}"
            name = f"{name}_left" if name in right_rest and name not in left_keys else name
        select.append(f"{expression} AS {quote(name)}")
        types[name] = field.type
    for name in right_rest:
        output = f"{name}_right" if name in left.column_names else name
        select.append(f"r.{quote(name)} AS {quote(output)}")
        types[output] = right.schema.field(name).type
    return select, types


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
    as_text = [t.cast(pa.schema([pa.field(f.name, pa.string()) if f.name in clashing else f for f in t.schema])) for t in data]
    return pa.concat_tables(as_text, promote_options="permissive")
