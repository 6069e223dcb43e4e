"""Pushdown into SQL sources: the needed columns as the SELECT list, a filter's conjuncts as a WHERE.

A `read_sql` is narrowed in the database instead of after transfer: `SELECT <needed columns> FROM
(<query>) AS q WHERE <pushed conjuncts>` (a `table` gets the same SELECT and WHERE). The columns
and their kinds come from the query's own result description (`... WHERE 1=0`, nothing fetched).

A conjunct is pushed only where the database answers it like DuckDB or keeps more rows (the
filter node applies the whole condition afterwards): numbers against numeric constants, dates
against dates, text only for `=` and `IN` (a database's collation may fold case or pad spaces,
which keeps more; its ordering of text may differ, so `<`, `>` and `<>` are not pushed), and
`IS [NOT] NULL` on any kind. Identifiers and operators are written in the source's dialect by
sqlglot; every constant is a bound parameter, never pasted into the text. A query with a
top-level ORDER BY is not wrapped (a derived table may lose its order: MariaDB drops it).
"""

from __future__ import annotations

import datetime
import decimal
import math
from collections.abc import Sequence
from typing import Any

import sqlglot
from sqlglot import exp

from adapters.predicates import Conjunct, conjuncts

# sqlglot's name for each SQLAlchemy backend whose semantics the rules above were checked against.
DIALECTS = {"postgresql": "postgres", "mysql": "mysql", "mariadb": "mysql", "sqlite": "sqlite"}
ALIAS = "_dataops_q"
PARAMETER = "_dataops_w"
# The driver's type code of a result column (cursor.description) -> the kind compared here.
# PEP 249's type objects are too coarse (pymysql's NUMBER omits DECIMAL, psycopg2's has no DATE).
_KINDS: dict[str, dict[Any, str]] = {
    "postgres": {
        **dict.fromkeys((20, 21, 23, 700, 701, 1700), "number"),  # int8, int2, int4, float4, float8, numeric
        **dict.fromkeys((25, 1042, 1043), "text"),  # text, char(n), varchar
        1082: "date",
    },
    "mysql": {
        **dict.fromkeys((0, 1, 2, 3, 4, 5, 8, 9, 13, 246), "number"),  # DECIMAL ... YEAR, NEWDECIMAL
        **dict.fromkeys((15, 253, 254), "text"),  # VARCHAR, VAR_STRING, STRING (CHAR)
        **dict.fromkeys((10, 14), "date"),  # DATE, NEWDATE
    },
}
_DRIVERS = {"psycopg2": "postgres", "psycopg": "postgres", "pymysql": "mysql", "mysqldb": "mysql"}
_TEXT_TESTS = ("=", "IN")
_COMPARISONS = {"=": exp.EQ, "<>": exp.NEQ, "<": exp.LT, "<=": exp.LTE, ">": exp.GT, ">=": exp.GTE}


def dialect_of(backend: str) -> str | None:
    return DIALECTS.get(backend)


def derived_table(query: str, dialect: str) -> str | None:
    """`query` without a trailing semicolon, to be used as a derived table; None unless it is one
    SELECT (or UNION) without a top-level ORDER BY."""
    try:
        parsed = sqlglot.parse_one(query, read=dialect)
        tokens = sqlglot.tokenize(query, read=dialect)
    except sqlglot.errors.SqlglotError:
        return None
    if not isinstance(parsed, (exp.Select, exp.SetOperation)) or parsed.args.get("order"):
        return None
    if tokens and tokens[-1].token_type == sqlglot.TokenType.SEMICOLON:
        query = query[: tokens[-1].start]
    return query


def kinds(description: Sequence[Sequence[Any]], driver: str) -> dict[str, str | None] | None:
    """Each result column's kind (number, text, date; None: not compared here) from the driver's
    type codes; None when the result repeats a name (its columns cannot be told apart by name)."""
    known = _KINDS.get(_DRIVERS.get(driver, ""), {})
    found = {str(column[0]): known.get(column[1]) for column in description}
    return found if len(found) == len(description) else None


def where(condition: str, columns: dict[str, str | None], dialect: str) -> tuple[str, dict[str, Any], str]:
    """The pushable conjuncts of `condition` over `columns` (name -> kind) as a WHERE clause with
    `:_dataops_w<n>` placeholders, their values, and the same clause with the values written in;
    empty strings when nothing is pushable."""
    values: dict[str, Any] = {}
    placed, shown = [], []
    for conjunct in conjuncts(condition, tuple(columns)):
        bound = _values(conjunct, columns[conjunct.column])
        if bound is None:
            continue
        names = [f"{PARAMETER}{len(values) + i}" for i in range(len(bound))]
        values.update(zip(names, bound, strict=True))
        placed.append(_predicate(conjunct, [exp.var(f":{name}") for name in names]))
        shown.append(_predicate(conjunct, [_literal(value) for value in bound]))
    if not placed:
        return "", {}, ""
    return (
        exp.and_(*placed).sql(dialect=dialect),
        values,
        exp.and_(*shown).sql(dialect=dialect),
    )


def select_list(names: Sequence[str], dialect: str) -> str:
    return ", ".join(exp.column(name, quoted=True).sql(dialect=dialect) for name in names)


def _values(conjunct: Conjunct, kind: str | None) -> list[Any] | None:
    """The Python values to bind for `conjunct` on a column of `kind`, or None when it is not pushed."""
    if conjunct.test in ("IS NULL", "IS NOT NULL"):
        return []
    if kind is None or (kind == "text" and conjunct.test not in _TEXT_TESTS):
        return None
    if any(value is None for value in conjunct.values):
        return None  # DuckDB could not fold a constant
    python = [value.as_py() for value in conjunct.values if value is not None and value.is_valid]
    if conjunct.test != "IN" and len(python) != len(conjunct.values):
        return None  # a comparison with NULL: the filter node keeps nothing anyway
    converted = [_converted(value, kind) for value in python]
    if any(value is None for value in converted) or (conjunct.test == "IN" and not converted):
        return None
    return converted


def _converted(value: Any, kind: str) -> Any:
    """`value` when it compares with a `kind` column in the database as in DuckDB, else None."""
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, (int, float, decimal.Decimal)):
            return None
        return None if isinstance(value, float) and not math.isfinite(value) else value
    if kind == "date":
        if isinstance(value, datetime.datetime):  # DATE '...' + INTERVAL folds to a timestamp at midnight
            return value.date() if value.tzinfo is None and value.time() == datetime.time() else None
        return value if isinstance(value, datetime.date) else None
    return value if isinstance(value, str) else None


def _predicate(conjunct: Conjunct, operands: list[exp.Expression]) -> exp.Expression:
    column = exp.column(conjunct.column, quoted=True)
    test = conjunct.test
    if test == "IS NULL":
        return column.is_(exp.null())
    if test == "IS NOT NULL":
        return exp.not_(column.is_(exp.null()))
    if test == "IN":
        return column.isin(*operands)
    if test == "BETWEEN":
        return exp.Between(this=column, low=operands[0], high=operands[1])
    comparison: Any = _COMPARISONS[test]
    return comparison(this=column, expression=operands[0])


def _literal(value: Any) -> exp.Expression:
    if isinstance(value, str):
        return exp.Literal.string(value)
    if isinstance(value, datetime.date):
        return exp.cast(exp.Literal.string(value.isoformat()), exp.DataType.build("date"))
    return exp.Literal.number(str(value))
