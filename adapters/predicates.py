"""Predicate pushdown: the simple conjuncts of a SQL condition as a `pyarrow.dataset` filter.

A `filter_rows` whose input is a Parquet or Arrow source read only by it lets the source apply
what of its condition translates: row groups whose statistics rule the rows out are never
decoded, and rows that fail are never materialised. The filter node still applies the whole
condition in DuckDB afterwards, so a partial (or slightly wider) translation is always correct:
the pushed filter only has to keep every row the condition keeps.

The condition is parsed by DuckDB (`json_serialize_sql`), never evaluated against the file:
DuckDB does not read it (external access stays off). Translated are the conjuncts of a top-level
AND that compare a column with a constant (`=`, `<>`, `<`, `<=`, `>`, `>=`, `BETWEEN`, `IN`,
`IS [NOT] NULL`); constants such as `DATE '1994-01-01' + INTERVAL 1 YEAR` or `0.06 - 0.01` are
folded by DuckDB itself. A constant is used only when it converts exactly to the column's type;
floating columns keep NaN (DuckDB orders NaN above every number); string views are compared as
text. Anything else stays with the filter node.
"""

from __future__ import annotations

import datetime
import decimal
import functools
import json
import operator
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc  # pyarrow.dataset's Expression and field; importing pyarrow.dataset loads pandas

from module_library.expressions import sandbox

COMPARISONS: dict[str, Callable[[Any, Any], Any]] = {
    "COMPARE_EQUAL": operator.eq,
    "COMPARE_NOTEQUAL": operator.ne,
    "COMPARE_LESSTHAN": operator.lt,
    "COMPARE_LESSTHANOREQUALTO": operator.le,
    "COMPARE_GREATERTHAN": operator.gt,
    "COMPARE_GREATERTHANOREQUALTO": operator.ge,
}
SYMBOLS = {
    "COMPARE_EQUAL": "=",
    "COMPARE_NOTEQUAL": "<>",
    "COMPARE_LESSTHAN": "<",
    "COMPARE_LESSTHANOREQUALTO": "<=",
    "COMPARE_GREATERTHAN": ">",
    "COMPARE_GREATERTHANOREQUALTO": ">=",
}
MIRRORED = {
    "COMPARE_LESSTHAN": "COMPARE_GREATERTHAN",
    "COMPARE_LESSTHANOREQUALTO": "COMPARE_GREATERTHANOREQUALTO",
    "COMPARE_GREATERTHAN": "COMPARE_LESSTHAN",
    "COMPARE_GREATERTHANOREQUALTO": "COMPARE_LESSTHANOREQUALTO",
    "COMPARE_EQUAL": "COMPARE_EQUAL",
    "COMPARE_NOTEQUAL": "COMPARE_NOTEQUAL",
}
_BY_SYMBOL = {symbol: sort for sort, symbol in SYMBOLS.items()}
# Functions whose value changes from row to row: a "constant" calling one is not constant.
VOLATILE = {"random", "uuid", "gen_random_uuid", "uuidv4", "uuidv7", "nextval", "currval", "setseed"}


@dataclass
class RowFilter:
    """A filter node's condition offered to the source that feeds only it.

    The adapter fills in what it applied (`applied`, the pyarrow expression's text) and how many
    rows the source holds (`total`), for the source node's metadata.
    """

    condition: str
    node: str
    applied: str = ""
    total: int | None = None


@dataclass(frozen=True)
class Pushed:
    """The translated conjuncts: one pyarrow expression, and its text for the UI."""

    expression: pc.Expression
    text: str


@dataclass(frozen=True)
class Conjunct:
    """One translatable conjunct, the column on the left: `test` is one of `=`, `<>`, `<`, `<=`,
    `>`, `>=`, `BETWEEN`, `IN`, `IS NULL`, `IS NOT NULL`; `values` are DuckDB's folded constants
    (None where DuckDB could not fold one). Sources turn it into their own filter language."""

    column: str
    test: str
    values: tuple[pa.Scalar | None, ...]


def to_arrow_filter(condition: str, schema: pa.Schema) -> Pushed | None:
    """The conjuncts of `condition` that translate against `schema`, ANDed; None if none does."""
    return _translate(condition, schema)


@functools.lru_cache(maxsize=64)
def _translate(condition: str, schema: pa.Schema) -> Pushed | None:
    pushed = [
        found
        for conjunct in conjuncts(condition, tuple(schema.names))
        if (found := _arrow(conjunct, schema)) is not None
    ]
    if not pushed:
        return None
    expression = functools.reduce(operator.and_, [e for e, _ in pushed])
    return Pushed(expression, " AND ".join(text for _, text in pushed))


@functools.lru_cache(maxsize=64)
def conjuncts(condition: str, names: tuple[str, ...]) -> tuple[Conjunct, ...]:
    """The conjuncts of `condition`'s top-level AND that compare one of `names` (a source's columns,
    each named once) with constants; the rest stays with the filter node."""
    tree = _parse(condition)
    if tree is None:
        return ()
    found = [(c, operands) for c in _conjuncts(tree) if (operands := _operands(c, names)) is not None]
    values = _fold([constant for _, (_, constants) in found for constant in constants])
    return tuple(_structured(node, name, constants, names, values) for node, (name, constants) in found)


def _structured(
    node: dict[str, Any],
    name: str,
    constants: list[dict[str, Any]],
    names: tuple[str, ...],
    values: dict[int, pa.Scalar],
) -> Conjunct:
    kind, sort = node["class"], node["type"]
    folded = tuple(values.get(id(c)) for c in constants)
    if sort in ("OPERATOR_IS_NULL", "OPERATOR_IS_NOT_NULL"):
        return Conjunct(name, "IS NULL" if sort == "OPERATOR_IS_NULL" else "IS NOT NULL", ())
    if kind == "OPERATOR":
        return Conjunct(name, "IN", folded)
    if kind == "BETWEEN":
        return Conjunct(name, "BETWEEN", folded)
    sort = sort if _column(node["left"], names) == name else MIRRORED[sort]
    return Conjunct(name, SYMBOLS[sort], folded)


def _parse(condition: str) -> dict[str, Any] | None:
    """DuckDB's parse of `condition` (a fresh copy: callers key constants by node identity)."""
    text = _parsed(condition)
    return json.loads(text) if text else None


@functools.lru_cache(maxsize=64)
def _parsed(condition: str) -> str:
    """The condition's expression tree as JSON; empty when DuckDB cannot parse it. Cached: the
    source and the filter node of one run translate the same condition."""
    with sandbox({}) as con:
        try:
            tree = json.loads(con.execute("SELECT json_serialize_sql(?)", [f"SELECT ({condition})"]).fetchall()[0][0])
        except duckdb.Error:
            return ""
    if tree.get("error") or len(tree.get("statements", [])) != 1:
        return ""
    return json.dumps(tree["statements"][0]["node"]["select_list"][0])


def _conjuncts(node: dict[str, Any]) -> Iterator[dict[str, Any]]:
    if node.get("class") == "CONJUNCTION" and node.get("type") == "CONJUNCTION_AND":
        for child in node["children"]:
            yield from _conjuncts(child)
    else:
        yield node


def _column(node: dict[str, Any], names: tuple[str, ...]) -> str | None:
    """The source's column a bare column reference names (DuckDB matches names case-insensitively);
    None for a name the source holds twice."""
    if node.get("class") != "COLUMN_REF" or len(node.get("column_names", [])) != 1:
        return None
    name = node["column_names"][0]
    if name not in names:
        matches = [n for n in names if n.lower() == name.lower()]
        name = matches[0] if len(matches) == 1 else ""
    return name if name and names.count(name) == 1 else None


def _is_constant(node: Any) -> bool:
    """No column, subquery, parameter or row-dependent function anywhere inside."""
    if isinstance(node, dict):
        kind = node.get("class")
        if kind in ("COLUMN_REF", "SUBQUERY", "PARAMETER", "WINDOW", "STAR", "LAMBDA", "LAMBDA_REF"):
            return False
        if kind == "FUNCTION" and str(node.get("function_name", "")).lower() in VOLATILE:
            return False
        return all(_is_constant(value) for value in node.values())
    if isinstance(node, list):
        return all(_is_constant(item) for item in node)
    return True


def _operands(node: dict[str, Any], names: tuple[str, ...]) -> tuple[str, list[dict[str, Any]]] | None:
    """The column and the constant operands of a translatable conjunct."""
    kind, sort = node.get("class"), node.get("type")
    if kind == "COMPARISON" and sort in COMPARISONS:
        for column, other in ((node["left"], node["right"]), (node["right"], node["left"])):
            name = _column(column, names)
            if name is not None and _is_constant(other):
                return name, [other]
    elif kind == "BETWEEN":
        name = _column(node["input"], names)
        if name is not None and _is_constant(node["lower"]) and _is_constant(node["upper"]):
            return name, [node["lower"], node["upper"]]
    elif kind == "OPERATOR" and sort == "COMPARE_IN":
        name = _column(node["children"][0], names)
        if name is not None and all(_is_constant(c) for c in node["children"][1:]):
            return name, node["children"][1:]
    elif kind == "OPERATOR" and sort in ("OPERATOR_IS_NULL", "OPERATOR_IS_NOT_NULL"):
        name = _column(node["children"][0], names)
        if name is not None:
            return name, []
    return None


def _fold(constants: list[dict[str, Any]]) -> dict[int, pa.Scalar]:
    """DuckDB's value of each constant expression, keyed by the node's identity."""
    keys = [json.dumps(node, sort_keys=True) for node in constants]
    missing = [key for key in dict.fromkeys(keys) if key not in _folded]
    if missing:
        if len(_folded) > _FOLDED_KEPT:
            _folded.clear()
        with sandbox({}) as con:
            try:  # all in one query; if DuckDB refuses one, one at a time, so only its own conjunct stays
                _folded.update(zip(missing, _evaluate(con, missing), strict=True))
            except (duckdb.Error, pa.ArrowException, IndexError):
                for key in missing:
                    try:
                        _folded[key] = _evaluate(con, [key])[0]
                    except (duckdb.Error, pa.ArrowException, IndexError):
                        _folded[key] = None
    return {id(node): value for node, key in zip(constants, keys, strict=True) if (value := _folded[key]) is not None}


_folded: dict[str, pa.Scalar | None] = {}  # a constant's JSON -> its value (None: DuckDB refused it)
_FOLDED_KEPT = 1024


def _evaluate(con: duckdb.DuckDBPyConnection, nodes: list[str]) -> list[pa.Scalar]:
    """The values of constant expression trees (as JSON), from one `SELECT` of them all."""
    statement = _select(con)
    select_list = [{**json.loads(node), "alias": f"v{i}"} for i, node in enumerate(nodes)]
    statement["statements"][0]["node"]["select_list"] = select_list
    sql = con.execute("SELECT json_deserialize_sql(?)", [json.dumps(statement)]).fetchall()[0][0]
    row = con.sql(sql).to_arrow_table()
    return [row.column(i)[0] for i in range(len(nodes))]


_template: list[str] = []  # DuckDB's tree of `SELECT 1`, as JSON: its select list is replaced


def _select(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    if not _template:
        _template.append(con.execute("SELECT json_serialize_sql('SELECT 1')").fetchall()[0][0])
    return json.loads(_template[0])


def _arrow(conjunct: Conjunct, schema: pa.Schema) -> tuple[pc.Expression, str] | None:
    """One conjunct as a pyarrow expression and as SQL text with its constants folded."""
    name, test = conjunct.column, conjunct.test
    field_type = schema.field(name).type
    target = _comparable(field_type)
    if target is None:
        return None
    column = pc.field(name) if target == field_type else pc.field(name).cast(target)
    shown = _identifier(name)
    if test == "IS NULL":
        return column.is_null(), f"{shown} IS NULL"
    if test == "IS NOT NULL":
        return column.is_valid(), f"{shown} IS NOT NULL"
    literals = [_literal(value, target) for value in conjunct.values]
    if test == "IN":  # nulls in the list never match
        if any(v is _UNKNOWN for v in literals):
            return None
        kept = [v for v in literals if v is not None]
        expression = column.isin(pa.array([v.as_py() for v in kept], target))
        text = f"{shown} IN ({', '.join(_sql(v) for v in kept)})"
    elif any(v is None or v is _UNKNOWN for v in literals):
        return None
    elif test == "BETWEEN":
        expression = (column >= literals[0]) & (column <= literals[1])
        text = f"{shown} BETWEEN {_sql(literals[0])} AND {_sql(literals[1])}"
    else:
        expression = COMPARISONS[_BY_SYMBOL[test]](column, literals[0])
        text = f"{shown} {test} {_sql(literals[0])}"
    if pa.types.is_floating(target):
        expression = expression | column.is_nan()
    return expression, text


def _identifier(name: str) -> str:
    return name if name.isidentifier() and name.isascii() else '"' + name.replace('"', '""') + '"'


def _sql(value: pa.Scalar) -> str:
    """A folded constant as SQL text."""
    python = value.as_py()
    if isinstance(python, str):
        return "'" + python.replace("'", "''") + "'"
    if isinstance(python, datetime.datetime):
        return f"TIMESTAMP '{python.isoformat(sep=' ')}'"
    if isinstance(python, datetime.date):
        return f"DATE '{python.isoformat()}'"
    return str(python).upper() if isinstance(python, bool) else str(python)


def _comparable(kind: pa.DataType) -> pa.DataType | None:
    """The type pyarrow compares a column as (views as text), or None for types not pushed."""
    if pa.types.is_string_view(kind):
        return pa.string()
    if pa.types.is_binary_view(kind):
        return None
    if (
        pa.types.is_integer(kind)
        or pa.types.is_floating(kind)
        or pa.types.is_decimal(kind)
        or pa.types.is_boolean(kind)
        or pa.types.is_date(kind)
        or pa.types.is_timestamp(kind)
        or pa.types.is_string(kind)
        or pa.types.is_large_string(kind)
    ):
        return kind
    return None


_UNKNOWN = object()  # a constant DuckDB could not fold


def _literal(value: pa.Scalar | None, kind: pa.DataType) -> Any:
    """`value` as a scalar of the column's type when it converts exactly; None for NULL; else _UNKNOWN."""
    if value is None:
        return _UNKNOWN
    if not value.is_valid:
        return None
    python = value.as_py()
    try:
        if pa.types.is_decimal(kind):
            if isinstance(python, bool) or not isinstance(python, (int, decimal.Decimal)):
                return _UNKNOWN
            exact = decimal.Decimal(python)
            quantized = exact.quantize(decimal.Decimal(1).scaleb(-kind.scale))
            if quantized != exact or len(quantized.as_tuple().digits) > kind.precision:
                return _UNKNOWN
            return pa.scalar(quantized, kind)
        if pa.types.is_integer(kind) or pa.types.is_floating(kind):
            if isinstance(python, bool) or not isinstance(python, (int, float, decimal.Decimal)):
                return _UNKNOWN
            number = float(python) if pa.types.is_floating(kind) or python != int(python) else int(python)
            return pa.scalar(number)
        if pa.types.is_date(kind):
            if isinstance(python, datetime.datetime):
                if python.tzinfo is not None or python.time() != datetime.time():
                    return _UNKNOWN
                python = python.date()
            if isinstance(python, str):
                python = datetime.date.fromisoformat(python)
            return pa.scalar(python, kind) if isinstance(python, datetime.date) else _UNKNOWN
        if pa.types.is_timestamp(kind):
            if not pa.types.is_timestamp(value.type) or (value.type.tz is None) != (kind.tz is None):
                return _UNKNOWN
            return value.cast(kind)
        if pa.types.is_boolean(kind):
            return pa.scalar(python) if isinstance(python, bool) else _UNKNOWN
        if pa.types.is_string(kind) or pa.types.is_large_string(kind):
            return pa.scalar(python, kind) if isinstance(python, str) else _UNKNOWN
    except (ValueError, TypeError, ArithmeticError, pa.ArrowException):
        return _UNKNOWN
    return _UNKNOWN
