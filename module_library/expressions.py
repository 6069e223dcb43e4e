"""SQL expressions over a DataFrame, evaluated by DuckDB in a sandbox.

User strings never reach `eval`, `exec` or `DataFrame.query`. DuckDB runs with external access
disabled (no files, no network, no extensions) and its configuration locked, and the text is
checked to be exactly one expression (no `;`, no comments, no parenthesis closing ours), so
`read_csv('/etc/passwd')`, `COPY`, `ATTACH`, `SET` and hidden second statements all fail.
Only the expression's value is computed, never a round trip of the whole table.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager

import duckdb
import pandas as pd
import pyarrow as pa

from dataops.deadline import StepTimeout, cancel_at_deadline, remaining
from dataops.errors import ModuleError, Where, did_you_mean

SANDBOX_CONFIG = {
    "enable_external_access": False,
    "autoinstall_known_extensions": False,
    "autoload_known_extensions": False,
    "lock_configuration": True,
}
_MISSING_COLUMN = re.compile(r'Referenced column "(?P<column>[^"]+)" not found')


# One idle DuckDB connection kept per thread: opening one takes 10-15 ms and a run evaluates
# several expressions. DuckDB's worker threads do not survive a fork (a child that touches
# DuckDB would hang), so every idle connection is closed before this process forks.
_idle: dict[int, duckdb.DuckDBPyConnection] = {}
_idle_lock = threading.Lock()


@contextmanager
def sandbox(tables: dict[str, pd.DataFrame]) -> Iterator[duckdb.DuckDBPyConnection]:
    """A DuckDB connection with `tables` registered and the outside world locked out.

    Only registered frames and query results pass through it; the frames are unregistered
    afterwards, and a connection whose query failed or was interrupted is closed, not kept.
    """
    with _idle_lock:
        con = _idle.pop(threading.get_ident(), None)
    con = con or duckdb.connect(config=SANDBOX_CONFIG)
    try:
        for name, frame in tables.items():
            con.register(name, frame)
        with cancel_at_deadline(con.interrupt):
            yield con
        for name in tables:
            con.unregister(name)
    except BaseException:
        con.close()
        raise
    with _idle_lock:
        _idle[threading.get_ident()] = con


def _close_idle_connections() -> None:
    with _idle_lock:
        for con in _idle.values():
            con.close()
        _idle.clear()


os.register_at_fork(before=_close_idle_connections)


def check_expression(text: str, *, field: str) -> None:
    """Refuse anything that is not one SQL expression: statements, comments, unbalanced parens."""
    if not text.strip():
        raise ModuleError("the expression is empty", Where(field=field))
    try:
        tokens = duckdb.tokenize(text)
    except Exception as exc:
        raise ModuleError(f"cannot read the expression: {exc}", Where(field=field)) from exc
    raw = text.encode("utf-8")  # token positions are byte offsets
    depth = 0
    for start, kind in tokens:
        if kind == duckdb.token_type.comment:
            raise ModuleError("comments are not allowed in an expression", Where(field=field))
        if kind != duckdb.token_type.operator:
            continue
        char = raw[start : start + 1].decode()
        if char == ";":
            raise ModuleError("only one expression is allowed (found ';')", Where(field=field))
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth < 0:
            raise ModuleError("unbalanced ')' in the expression", Where(field=field))
    if depth:
        raise ModuleError("unbalanced '(' in the expression", Where(field=field))


def referenced_columns(text: str) -> list[str]:
    """Every identifier in an expression: a superset of the columns it reads (for projection).

    Function names come along too; that only widens a projection, which is intersected with
    the columns that exist.
    """
    try:
        tokens = duckdb.tokenize(text)
    except Exception:
        return []
    raw = text.encode("utf-8")
    ends = [start for start, _ in tokens[1:]] + [len(raw)]
    names = []
    for (start, kind), end in zip(tokens, ends, strict=True):
        if kind != duckdb.token_type.identifier:
            continue
        word = raw[start:end].decode("utf-8", errors="ignore").strip()
        if raw[end : end + 1] == b"(" or word.endswith("("):
            continue  # a function call, not a column
        word = word.rstrip(",) ")
        names.append(word[1:-1].replace('""', '"') if word.startswith('"') and word.endswith('"') else word)
    return list(dict.fromkeys(n for n in names if n))


def check_statement(text: str, *, field: str) -> None:
    """Refuse anything but one read-only SELECT query (for `sql_query`)."""
    check_expression(text, field=field)
    with sandbox({}) as con:
        try:
            statements = con.extract_statements(text)
        except duckdb.Error as exc:
            raise ModuleError(_clean(exc), Where(field=field)) from exc
    if len(statements) != 1 or statements[0].type != duckdb.StatementType.SELECT:
        raise ModuleError("only one SELECT query is allowed", Where(field=field))


def evaluate(frame: pd.DataFrame, expression: str, *, field: str) -> pa.ChunkedArray:
    """The value of `expression` for every row of `frame`, in row order."""
    check_expression(expression, field=field)
    sql = f'SELECT ({expression}) AS "__value" FROM data'
    return run_query({"data": frame}, sql, field=field, columns=frame.columns)["__value"]


def run_query(tables: dict[str, pd.DataFrame], sql: str, *, field: str, columns: Sequence[str] = ()) -> pa.Table:
    """Run vetted SQL in the sandbox; DuckDB's errors become module errors naming the field."""
    with sandbox(tables) as con:
        try:
            return con.sql(sql).to_arrow_table()
        except (duckdb.InterruptException, RuntimeError) as exc:
            # Cancelled by the deadline timer (InterruptException) or by SIGALRM arriving while
            # DuckDB held the main thread (it surfaces as "Query interrupted").
            left = remaining()
            if left is not None and left <= 0.5 and "interrupt" in str(exc).lower():
                raise StepTimeout("the query ran longer than the node's time limit (set 'timeout')") from exc
            raise
        except duckdb.Error as exc:
            raise _as_module_error(exc, field, columns) from exc


def evaluate_condition(frame: pd.DataFrame, condition: str, *, field: str = "condition") -> pd.Series:
    """A boolean mask: True where `condition` holds; null counts as False."""
    values = evaluate(frame, condition, field=field)
    if not (pa.types.is_boolean(values.type) or pa.types.is_null(values.type)):
        raise ModuleError(
            f"the condition must be true or false for each row, but it gives {values.type} values",
            Where(field=field),
        )
    if pa.types.is_null(values.type):  # e.g. `NULL`, or a column with no values: false everywhere
        return pd.Series(False, index=frame.index)
    mask = values.fill_null(False).to_numpy(zero_copy_only=False).astype(bool, copy=False)
    return pd.Series(mask, index=frame.index)


def _as_module_error(exc: duckdb.Error, field: str, columns: Sequence[str]) -> ModuleError:
    missing = _MISSING_COLUMN.search(str(exc))
    if missing:
        column = missing.group("column")
        hint = did_you_mean(column, columns)
        available = ", ".join(str(c) for c in columns)
        return ModuleError(f"unknown column '{column}' (available: {available}){hint}", Where(field=field))
    return ModuleError(_clean(exc), Where(field=field))


def _clean(exc: duckdb.Error) -> str:
    """DuckDB's message without the echo of our wrapper query."""
    return str(exc).split("\n\nLINE ")[0].replace("\n", " ").strip()
