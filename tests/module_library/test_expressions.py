"""Expressions are SQL evaluated by a locked-down DuckDB: no files, network, settings or statements."""

from __future__ import annotations

import pandas as pd
import pytest

from dataops.errors import ModuleError
from module_library.expressions import check_statement, evaluate, evaluate_condition, referenced_columns

FRAME = pd.DataFrame({"城市": ["北京", "上海", None], "price": [95.0, None, 10.0], "qty": [1, 2, 3]})


def test_condition_keeps_true_and_drops_null() -> None:
    mask = evaluate_condition(FRAME, "price > 90")
    assert mask.tolist() == [True, False, False]
    assert evaluate_condition(FRAME, "城市 = '北京' OR qty >= 3").tolist() == [True, False, True]


def test_value_keeps_row_order_and_nulls() -> None:
    values = evaluate(FRAME, "price * qty", field="expression").to_pylist()
    assert values == [95.0, None, 30.0]


def test_condition_must_be_boolean() -> None:
    with pytest.raises(
        ModuleError, match="condition: the condition must be true or false for each row, but it gives int"
    ):
        evaluate_condition(FRAME, "qty + 1")


def test_unknown_column_names_it_and_the_available_ones() -> None:
    with pytest.raises(
        ModuleError,
        match=r"^condition: unknown column 'prise' \(available: 城市, price, qty\); did you mean 'price'\?$",
    ):
        evaluate_condition(FRAME, "prise > 1")


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("(SELECT count(*) FROM read_csv('/etc/passwd')) > 0", "file system operations are disabled"),
        ("length(getenv('HOME')) > 0", "getenv"),
        ("qty > 0; COPY data TO '/tmp/x.csv'", r"only one expression is allowed \(found ';'\)"),
        ("qty > 0 -- ) AS v FROM read_csv('/etc/passwd')", "comments are not allowed"),
        ("qty > 0 /* hidden */", "comments are not allowed"),
        ("qty > 0) AS v FROM data, (SELECT 1", r"unbalanced '\)'"),
        ("(qty > 0", r"unbalanced '\('"),
        ("   ", "the expression is empty"),
        (
            "current_setting('enable_external_access') = 'false' AND (SELECT 1 FROM glob('/*')) = 1",
            "file system operations are disabled",
        ),
    ],
)
def test_escapes_are_refused(expression: str, message: str) -> None:
    with pytest.raises(ModuleError, match=message):
        evaluate_condition(FRAME, expression)


def test_sql_query_statement_check() -> None:
    check_statement("SELECT 城市, sum(price) FROM data GROUP BY 1", field="query")
    for bad, message in [
        ("SELECT 1; SELECT 2", "only one expression is allowed"),
        ("INSTALL httpfs", "only one SELECT query is allowed"),
        ("ATTACH 'x.db'", "only one SELECT query is allowed"),
        ("SET threads = 1", "only one SELECT query is allowed"),
        ("PRAGMA version", "only one SELECT query is allowed"),
    ]:
        with pytest.raises(ModuleError, match=message):
            check_statement(bad, field="query")


def test_the_kept_connection_forgets_frames_and_survives_errors() -> None:
    import duckdb

    from module_library.expressions import sandbox

    frame = pd.DataFrame({"a": [1, 2, 3]})
    assert evaluate(frame, "a * 2", field="expression").to_pylist() == [2, 4, 6]
    with sandbox({}) as con, pytest.raises(duckdb.CatalogException, match="data"):
        con.sql("SELECT * FROM data").fetchall()  # the frame was unregistered
    with pytest.raises(ModuleError, match=r"^condition: unknown column 'b' \(available: a\)$"):
        evaluate(frame, "b > 1", field="condition")
    assert evaluate(pd.DataFrame({"b": [5]}), "b + 1", field="expression").to_pylist() == [6]
    with sandbox({}) as con, pytest.raises(duckdb.Error):  # still locked after the error
        con.sql("SELECT * FROM read_csv('/etc/passwd')").fetchall()


def test_a_forked_process_evaluates_on_its_own_connection() -> None:
    import os

    frame = pd.DataFrame({"a": [1, 2]})
    evaluate(frame, "a + 1", field="expression")  # the parent now holds a connection
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child reports through the pipe
        try:
            os.write(write, str(evaluate(frame, "a * 10", field="expression").to_pylist()).encode())
        finally:
            os._exit(0)
    os.close(write)
    os.waitpid(pid, 0)
    assert os.read(read, 100) == b"[10, 20]"
    assert evaluate(frame, "a - 1", field="expression").to_pylist() == [0, 1]


def test_duckdbs_temp_directory_is_private_so_cwd_tmp_cannot_be_read(tmp_path, monkeypatch) -> None:
    """DuckDB allows its temp directory even with external access off; the default is <cwd>/.tmp."""
    from module_library import expressions

    (tmp_path / ".tmp").mkdir()
    (tmp_path / ".tmp" / "secret.csv").write_text("password\nhunter2\n")
    monkeypatch.chdir(tmp_path)
    expressions._close_idle_connections()  # a fresh connection, opened in this working directory
    for path in (".tmp/secret.csv", str(tmp_path / ".tmp" / "secret.csv")):
        with pytest.raises(ModuleError, match="Permission Error"):
            expressions.run_query({}, f"SELECT * FROM read_csv('{path}')", field="query")
    setting = expressions.run_query({}, "SELECT current_setting('temp_directory') AS t", field="query")["t"][0]
    assert setting.as_py() == str(expressions.temp_directory()) and "dataops-duckdb-" in setting.as_py()


@pytest.mark.parametrize(
    ("text", "columns"),
    [
        ("l_shipdate >= DATE '1994-01-01' AND l_shipdate < DATE '1994-01-01' + INTERVAL 3 MONTH", ["l_shipdate"]),
        ("EXTRACT(year FROM o_orderdate) = 1995", ["o_orderdate"]),
        ("CASE WHEN 价格 > 1 THEN 'high' ELSE \"备 注\" END = 'DATE'", ["价格", "备 注"]),
        ("upper(t.name) LIKE '%A%' AND x IS NOT NULL", ["name", "x"]),
        ("not ( valid", []),
    ],
)
def test_referenced_columns_come_from_duckdbs_parser(text: str, columns: list[str]) -> None:
    assert referenced_columns(text) == columns
