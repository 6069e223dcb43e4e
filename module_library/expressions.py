"""SQL expressions over a table (Arrow, or a DataFrame), evaluated by DuckDB in a sandbox.

User strings never reach `eval`, `exec` or `DataFrame.query`. DuckDB runs with external access
disabled (no files, no network, no extensions) and its configuration locked, and the text is
checked to be exactly one expression (no `;`, no comments, no parenthesis closing ours), so
`read_csv('/etc/passwd')`, `COPY`, `ATTACH`, `SET` and hidden second statements all fail.
Only the expression's value is computed, never a round trip of the whole table.

DuckDB spills to its `temp_directory`; by default that is `<cwd>/.tmp`, which it may read even
with external access off. The sandbox points it at a private folder of its own instead.
"""

from __future__ import annotations

import functools
import json
import os
import re
import tempfile
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, TypeAlias

import duckdb
import pyarrow as pa

from dataops.deadline import StepTimeout, cancel_at_deadline, remaining
from dataops.errors import ModuleError, Where, did_you_mean

if TYPE_CHECKING:
    import pandas as pd

    Table: TypeAlias = pa.Table | pd.DataFrame

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


def temp_directory() -> Path:
    """DuckDB's spill folder: private to this process, outside any folder a query could name."""
    global _temp
    if _temp is None:
        _temp = Path(tempfile.mkdtemp(prefix="dataops-duckdb-"))
    return _temp


_temp: Path | None = None


def _connect() -> duckdb.DuckDBPyConnection:
    return duckdb.connect(config={**SANDBOX_CONFIG, "temp_directory": str(temp_directory())})


@contextmanager
def sandbox(tables: Mapping[str, Table]) -> Iterator[duckdb.DuckDBPyConnection]:
    """A DuckDB connection with `tables` registered and the outside world locked out.

    Only registered tables and query results pass through it; the tables are unregistered
    afterwards, and a connection whose query failed or was interrupted is closed, not kept.
    """
    with _idle_lock:
        con = _idle.pop(threading.get_ident(), None)
    con = con or _connect()
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
    """The columns an expression reads (see `_referenced_columns`); parsed once per text."""
    return list(_referenced_columns(text))


@functools.lru_cache(maxsize=256)
def _referenced_columns(text: str) -> tuple[str, ...]:
    """The columns an expression reads, as DuckDB's parser finds them (for projection).

    Literals (`DATE '1994-01-01'`, `INTERVAL 3 MONTH`, strings), keywords (`CASE`, `EXTRACT(year
    FROM ...)`) and function names are not columns. A qualified `t.c` reads `c`. Text that does not
    parse reads nothing here; the node reports its own error when it runs.
    """
    with sandbox({}) as con:
        try:
            tree = json.loads(con.execute("SELECT json_serialize_sql(?)", [f"SELECT ({text})"]).fetchall()[0][0])
        except duckdb.Error:
            return ()
    if tree.get("error"):
        return ()
    names: list[str] = []
    pending: list[object] = [tree]
    while pending:
        node = pending.pop()
        if isinstance(node, dict):
            if node.get("class") == "COLUMN_REF" and node.get("column_names"):
                names.append(node["column_names"][-1])
            pending.extend(reversed(list(node.values())))
        elif isinstance(node, list):
            pending.extend(reversed(node))
    return tuple(dict.fromkeys(names))


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


def evaluate(frame: Table, expression: str, *, field: str) -> pa.ChunkedArray:
    """The value of `expression` for every row of `frame`, in row order.

    DuckDB scans only the columns the expression names; the others are never touched.
    """
    check_expression(expression, field=field)
    sql = f'SELECT ({expression}) AS "__value" FROM data'
    return run_query({"data": frame}, sql, field=field, columns=column_names(frame))["__value"]


def quote(name: str) -> str:
    """A column name as a SQL identifier (any text, Chinese and quotes included)."""
    return '"' + name.replace('"', '""') + '"'


def column_names(frame: Table) -> list[str]:
    return frame.column_names if isinstance(frame, pa.Table) else [str(c) for c in frame.columns]


def restore_types(result: pa.Table, types: Mapping[str, pa.DataType]) -> pa.Table:
    """Give result columns back the Arrow type their source column had where DuckDB only changed
    its representation: string views and dictionaries come back as plain text, time zones as UTC."""
    for index, field in enumerate(result.schema):
        wanted = types.get(field.name)
        if wanted is not None and wanted != field.type and _same_values(field.type, wanted):
            column = result.column(index)
            if pa.types.is_dictionary(wanted) and not pa.types.is_dictionary(column.type):
                column = column.dictionary_encode()  # Arrow casts text to a dictionary, not numbers
            result = result.set_column(index, field.name, column.cast(wanted))
    return result


def _same_values(got: pa.DataType, wanted: pa.DataType) -> bool:
    def text(kind: pa.DataType) -> bool:
        if pa.types.is_dictionary(kind):
            return text(kind.value_type)
        return pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind)

    if text(got) and text(wanted):
        return True
    if pa.types.is_timestamp(got) and pa.types.is_timestamp(wanted):
        return got.unit == wanted.unit
    return pa.types.is_dictionary(wanted) and got == wanted.value_type


def run_query(tables: Mapping[str, Table], sql: str, *, field: str, columns: Sequence[str] = ()) -> pa.Table:
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


def condition_mask(frame: Table, condition: str, *, field: str = "condition") -> pa.ChunkedArray:
    """A boolean Arrow mask: true where `condition` holds; null counts as false."""
    values = evaluate(frame, condition, field=field)
    if not (pa.types.is_boolean(values.type) or pa.types.is_null(values.type)):
        raise ModuleError(
            f"the condition must be true or false for each row, but it gives {values.type} values",
            Where(field=field),
        )
    if pa.types.is_null(values.type):  # e.g. `NULL`, or a column with no values: false everywhere
        return pa.chunked_array([pa.repeat(False, len(values))], pa.bool_())
    return values.fill_null(False)


def evaluate_condition(frame: pd.DataFrame, condition: str, *, field: str = "condition") -> pd.Series:
    """`condition_mask` as a pandas mask aligned with `frame` (for pandas modules)."""
    import pandas as pd

    mask = condition_mask(frame, condition, field=field).to_numpy(zero_copy_only=False).astype(bool, copy=False)
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
