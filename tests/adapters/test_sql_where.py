"""Pushdown into SQL sources: the SELECT list and WHERE written for PostgreSQL and MariaDB, what
the real servers are sent and return, and that the filter's answer never changes."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import sqlalchemy as sa

from adapters.predicates import RowFilter
from adapters.registry import adapter_for
from adapters.sql_where import derived_table, where
from module_library.discovery import discover
from module_library.expressions import condition_mask
from module_library.registry import get_module
from module_library.tables import keep

discover()
ReadSql = get_module("read_sql").params
KINDS = {"d": "date", "price": "number", "城市": "text", "note": None, "n": "number"}
CONDITION = (
    "d >= DATE '1994-01-01' AND d < DATE '1994-01-01' + INTERVAL 1 YEAR AND price BETWEEN 0.06 - 0.01 AND 0.06 + 0.01 "
    "AND 城市 IN ('北京', 'it''s: 50%') AND 城市 < 'z' AND note = 'x' AND n + 1 > 2 AND N IS NOT NULL"
)


@pytest.mark.parametrize(
    ("dialect", "sql", "shown"),
    [
        (
            "postgres",
            '"d" >= :_dataops_w0 AND "d" < :_dataops_w1 AND "price" BETWEEN :_dataops_w2 AND :_dataops_w3 AND "城市" IN '
            '(:_dataops_w4, :_dataops_w5) AND NOT "n" IS NULL',
            '"d" >= CAST(\'1994-01-01\' AS DATE) AND "d" < CAST(\'1995-01-01\' AS DATE) AND "price" BETWEEN 0.05 AND '
            "0.07 AND \"城市\" IN ('北京', 'it''s: 50%') AND NOT \"n\" IS NULL",
        ),
        (
            "mysql",
            "`d` >= :_dataops_w0 AND `d` < :_dataops_w1 AND `price` BETWEEN :_dataops_w2 AND :_dataops_w3 AND `城市` IN "
            "(:_dataops_w4, :_dataops_w5) AND NOT `n` IS NULL",
            "`d` >= CAST('1994-01-01' AS DATE) AND `d` < CAST('1995-01-01' AS DATE) AND `price` BETWEEN 0.05 AND 0.07 "
            "AND `城市` IN ('北京', 'it''s: 50%') AND NOT `n` IS NULL",
        ),
    ],
)
def test_the_pushable_conjuncts_in_each_dialect(dialect: str, sql: str, shown: str) -> None:
    """Text only for = and IN (collations order text their own way), a column of unknown kind
    only for IS NULL, expressions over columns never; constants folded by DuckDB and bound."""
    placed, values, written = where(CONDITION, KINDS, dialect)
    assert (placed, written) == (sql, shown)
    assert values == {
        "_dataops_w0": datetime.date(1994, 1, 1),
        "_dataops_w1": datetime.date(1995, 1, 1),
        "_dataops_w2": Decimal("0.05"),
        "_dataops_w3": Decimal("0.07"),
        "_dataops_w4": "北京",
        "_dataops_w5": "it's: 50%",
    }


def test_nothing_pushable_gives_no_where() -> None:
    assert where("城市 > 'a' OR n = 1", KINDS, "postgres") == ("", {}, "")
    assert where("note < 'x' AND n = 'a'", KINDS, "postgres") == ("", {}, "")


@pytest.mark.parametrize(
    ("query", "body"),
    [
        ("SELECT * FROM t;  ", "SELECT * FROM t"),
        ("SELECT a FROM t -- a comment", "SELECT a FROM t -- a comment"),
        ("SELECT a FROM t UNION ALL SELECT a FROM u", "SELECT a FROM t UNION ALL SELECT a FROM u"),
        ("SELECT a FROM t ORDER BY a", None),  # a derived table may lose its order
        ("WITH x AS (SELECT 1 AS a) SELECT a FROM x", "WITH x AS (SELECT 1 AS a) SELECT a FROM x"),
    ],
)
def test_which_queries_become_derived_tables(query: str, body: str | None) -> None:
    assert derived_table(query, "postgres") == body


DDL = {
    "postgresql": "CREATE TABLE {t} (id INT, 城市 VARCHAR(20), price NUMERIC(15, 2), d DATE, x DOUBLE PRECISION, note TEXT)",
    "mysql": "CREATE TABLE {t} (id INT, 城市 VARCHAR(20), price DECIMAL(15, 2), d DATE, x DOUBLE, note TEXT) "
    "CHARACTER SET utf8mb4",
}
ROWS = [
    (1, "beijing", Decimal("0.05"), datetime.date(1994, 3, 1), 1.5, "a"),
    (2, "Beijing", Decimal("0.06"), datetime.date(1994, 6, 1), 2.5, "b"),
    (3, "BEIJING", Decimal("0.07"), datetime.date(1994, 9, 1), 3.5, None),
    (4, "上海", Decimal("0.06"), datetime.date(1995, 1, 1), 4.5, "d"),
    (5, None, Decimal("0.08"), None, None, "e"),
    (6, "beijing", None, datetime.date(1994, 12, 31), 6.5, "f"),
]


@pytest.fixture(params=["postgres", "mysql"])
def table(request: pytest.FixtureRequest) -> Iterator[tuple[str, str, list[tuple[str, int]]]]:
    """A typed table on the real server; yields its url, name and the (statement, rows fetched) sent."""
    url = request.getfixturevalue(f"{request.param}_url")
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    name = f"w_{uuid.uuid4().hex[:10]}"
    with engine.begin() as connection:
        connection.exec_driver_sql(DDL[engine.dialect.name].format(t=name))
        connection.execute(
            sa.text(f"INSERT INTO {name} VALUES (:a, :b, :c, :d, :e, :f)"),
            [dict(zip("abcdef", row, strict=True)) for row in ROWS],
        )
    sent: list[tuple[str, int]] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        sent.append((statement, cursor.rowcount))

    sa.event.listen(sa.engine.Engine, "after_cursor_execute", record)
    try:
        yield url, name, sent
    finally:
        sa.event.remove(sa.engine.Engine, "after_cursor_execute", record)
        with engine.begin() as connection:
            connection.exec_driver_sql(f"DROP TABLE {name}")
        engine.dispose()


def _read(url: str, columns: list[str] | None = None, rows: RowFilter | None = None, **params) -> pa.Table:
    return adapter_for("sql").read(ReadSql(url=url, **params), root=Path("."), columns=columns, rows=rows)


FILTER = "城市 = 'beijing' AND d < DATE '1995-01-01' AND price >= 0.05 AND x < 7"


@pytest.mark.parametrize("source", ["table", "query"])
def test_a_filter_becomes_a_where_and_the_columns_a_select_list(table, source: str) -> None:
    url, name, sent = table
    q = "`" if url.startswith("mysql") else '"'
    params = (
        {"table": name}
        if source == "table"
        else {"query": f"SELECT * FROM {name} WHERE id < :top;", "params": {"top": 9}}
    )
    rows = RowFilter(FILTER, "beijing")
    needed = ["id", "城市", "price", "d", "x"]
    frame = _read(url, needed, rows, **params)
    # MariaDB compares text case-insensitively: 'Beijing' and 'BEIJING' come too, the filter drops them
    kept = [1] if url.startswith("postgres") else [1, 2, 3]
    assert frame["id"].to_pylist() == kept and frame.column_names == needed
    statement, fetched = sent[-1]
    assert statement.endswith(
        f"WHERE {q}城市{q} = %(_dataops_w0)s AND {q}d{q} < %(_dataops_w1)s AND {q}price{q} >= %(_dataops_w2)s "
        f"AND {q}x{q} < %(_dataops_w3)s"
    )
    assert fetched == len(kept)
    if source == "query":
        assert statement.startswith(
            f"SELECT {q}id{q}, {q}城市{q}, {q}price{q}, {q}d{q}, {q}x{q} FROM (SELECT * FROM {name} WHERE id < %(top)s\n)"
        )
    assert rows.applied == (
        f"{q}城市{q} = 'beijing' AND {q}d{q} < CAST('1995-01-01' AS DATE) AND {q}price{q} >= 0.05 AND {q}x{q} < 7"
    )
    pushed, whole = frame, _read(url, **params).select(needed)
    assert keep(pushed, condition_mask(pushed, FILTER)).equals(keep(whole, condition_mask(whole, FILTER)))


def test_an_ordered_query_is_read_as_written(table) -> None:
    url, name, sent = table
    rows = RowFilter("id > 2", "later")
    frame = _read(url, ["id"], rows, query=f"SELECT * FROM {name} ORDER BY id DESC")
    assert frame["id"].to_pylist() == [6, 5, 4, 3, 2, 1] and rows.applied == ""
    assert sent[-1] == (f"SELECT * FROM {name} ORDER BY id DESC", 6)


PUSHED = """
name: sql_pushed
nodes:
  - {{id: orders, module: read_sql, params: {{url: "{url}", query: "SELECT * FROM {table}"}}}}
  - {{id: beijing, module: filter_rows, params: {{condition: "城市 = 'beijing' AND price >= 0.05 AND note <> 'b'"}}}}
  - {{id: ids, module: select_columns, params: {{columns: [id, price]}}}}
  - {{id: save, module: write_parquet, params: {{path: out/beijing.parquet}}}}
edges: [{{from: orders, to: beijing}}, {{from: beijing, to: ids}}, {{from: ids, to: save}}]
"""


def test_a_flowchart_reads_only_the_rows_and_columns_it_needs(workspace: Path, table) -> None:
    from dataops.settings import get_settings  # the Dagster side only for this test
    from dataops.spec import parse_flowchart
    from dataops_defs.compiler import make_flowchart_job
    from dataops_defs.resources import make_resources

    url, name, sent = table
    flowchart = parse_flowchart(PUSHED.format(url=url, table=name))
    result = make_flowchart_job(flowchart).execute_in_process(resources=make_resources(get_settings()))
    assert result.success
    written = pq.read_table(workspace / "data" / "out" / "beijing.parquet")
    assert written.to_pydict() == {"id": [1], "price": [Decimal("0.05")]}
    q = "`" if url.startswith("mysql") else '"'
    selects = [s for s, _ in sent if s.startswith("SELECT ") and "_dataops_q" in s and "1=0" not in s]
    assert selects == [
        f"SELECT {q}id{q}, {q}城市{q}, {q}price{q}, {q}note{q} FROM (SELECT * FROM {name}\n) AS _dataops_q "
        f"WHERE {q}城市{q} = %(_dataops_w0)s AND {q}price{q} >= %(_dataops_w1)s"
    ]
    outputs = {  # step keys may carry the flowchart's graph: `<graph>.<op>`
        e.step_key.rpartition(".")[2]: e.event_specific_data.metadata
        for e in result.all_events
        if e.event_type_value == "STEP_OUTPUT"
    }
    assert outputs["sql_pushed__orders"]["filter pushed down"].value.startswith(
        f"{3 if q == '`' else 1} rows read: node `beijing` applied `{q}城市{q} = 'beijing' AND {q}price{q} >= 0.05`"
    )


def test_a_query_the_database_refuses_as_a_derived_table_is_read_as_written(table) -> None:
    """MariaDB refuses a derived table repeating a column name; PostgreSQL takes it but cannot tell
    the two apart: both read the query as written (in a savepoint, the transaction goes on)."""
    url, name, sent = table
    rows = RowFilter("id > 4", "later")
    frame = _read(url, ["id"], rows, query=f"SELECT id, id FROM {name}")
    assert frame.column_names == ["id", "id.1"] and frame.num_rows == 6 and rows.applied == ""
    assert sent[-1] == (f"SELECT id, id FROM {name}", 6)
