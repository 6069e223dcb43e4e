"""SQL against the real PostgreSQL and MariaDB on 127.0.0.1, and SQLite in the data root."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import sqlalchemy as sa

from adapters.registry import adapter_for
from adapters.sources import ReadSqlParams, WriteSqlParams
from dataops.errors import AdapterError, Where
from module_library.arrow_convert import arrow_to_pandas

WHERE = Where("flow", "node")
PROJECT = Path(__file__).resolve().parents[2]
BACKENDS = ["postgres", "mysql", "sqlite"]


@dataclass
class Database:
    """A database for one test: `url` as a flowchart gives it, `engine` to look behind the adapter's back."""

    url: str
    root: Path
    engine: sa.Engine
    tables: list[str] = field(default_factory=list)

    def table(self) -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        self.tables.append(name)
        return name

    def read(self, **params) -> pd.DataFrame:
        read = adapter_for("sql").read(ReadSqlParams(url=self.url, **params), root=self.root, where=WHERE)
        return arrow_to_pandas(read)  # as a pandas module receives it

    def write(self, frame: pd.DataFrame, table: str, **params) -> str:
        params = WriteSqlParams(url=self.url, table=table, **params)
        return adapter_for("sql").write(frame, params, root=self.root, where=WHERE)

    def rows(self, table: str) -> pd.DataFrame:
        with self.engine.connect() as connection:
            return pd.read_sql(sa.text(f"SELECT * FROM {table} ORDER BY id"), connection)

    def table_names(self) -> list[str]:
        return sa.inspect(self.engine).get_table_names()


@pytest.fixture(params=BACKENDS)
def db(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Database]:
    if request.param == "sqlite":
        url, direct = "sqlite:///warehouse.sqlite", f"sqlite:///{tmp_path}/warehouse.sqlite"
    else:
        url = direct = request.getfixturevalue(f"{request.param}_url")
    engine = sa.create_engine(direct, poolclass=sa.pool.NullPool)
    with engine.connect():
        pass  # creates the SQLite file
    database = Database(url, tmp_path, engine)
    yield database
    with engine.begin() as connection:
        for table in database.tables:
            connection.execute(sa.text(f"DROP TABLE IF EXISTS {table}"))
    engine.dispose()


def sample() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "id": [1, 2, 3],
            "城市": ["北京", None, "上海"],
            "库存": pd.array([5, None, 7], dtype="Int64"),
            "价格": [10.5, np.nan, 7.25],
            "下单时间": pd.to_datetime(["2024-01-02 10:30:05", "2024-02-03", None], format="ISO8601"),
        }
    )


def test_round_trip(db: Database) -> None:
    table = db.table()
    assert db.write(sample(), table).startswith(f"sql table '{table}' on ")
    pd.testing.assert_frame_equal(db.read(table=table), sample())
    by_query = db.read(query=f"SELECT * FROM {table} ORDER BY id")
    if db.engine.dialect.name == "sqlite":  # no date type: a query returns the stored text, a table its declared type
        by_query["下单时间"] = pd.to_datetime(by_query["下单时间"])
    pd.testing.assert_frame_equal(by_query, sample())


def test_the_pushdown_hint_selects_table_columns(db: Database) -> None:
    table = db.table()
    db.write(sample(), table)
    params = ReadSqlParams(url=db.url, table=table)
    frame = arrow_to_pandas(adapter_for("sql").read(params, root=db.root, columns=["价格", "id"]))
    pd.testing.assert_frame_equal(frame, sample()[["id", "价格"]])
    frame = arrow_to_pandas(adapter_for("sql").read(params, root=db.root, columns=["made downstream"]))
    pd.testing.assert_frame_equal(frame, sample())


def test_query_params_are_bound_never_pasted(db: Database) -> None:
    table = db.table()
    db.write(sample(), table)
    query = f"SELECT id FROM {table} WHERE 城市 = :city OR id IN :ids ORDER BY id"
    assert db.read(query=query, params={"city": "上海", "ids": [1]})["id"].tolist() == [1, 3]
    assert db.read(query=query, params={"city": "x' OR '1'='1", "ids": [-1]}).empty
    assert len(db.rows(table)) == 3


def test_if_exists_fail_replace_append(db: Database) -> None:
    table = db.table()
    db.write(sample(), table)
    with pytest.raises(
        AdapterError,
        match=rf"^flow › node › if_exists: sql table '{table}' on .* already exists; set if_exists: replace",
    ):
        db.write(sample(), table)
    db.write(sample().iloc[:1], table, if_exists="replace")
    assert db.rows(table)["id"].tolist() == [1]
    db.write(sample().iloc[1:], table, if_exists="append")
    pd.testing.assert_frame_equal(db.read(table=table), sample())


def test_append_with_an_unknown_column_leaves_the_table_unchanged(db: Database) -> None:
    table = db.table()
    db.write(sample(), table)
    with pytest.raises(AdapterError, match=rf"^flow › node: cannot write sql table '{table}' on .*: \w+"):
        db.write(sample().assign(备注="x"), table, if_exists="append")
    pd.testing.assert_frame_equal(db.read(table=table), sample())


@pytest.mark.parametrize("backend", ["postgres", "mysql"])
def test_append_failing_after_many_rows_leaves_the_table_unchanged(
    request: pytest.FixtureRequest, tmp_path: Path, backend: str
) -> None:
    url = request.getfixturevalue(f"{backend}_url")
    database = Database(url, tmp_path, sa.create_engine(url, poolclass=sa.pool.NullPool))
    table = database.table()
    try:
        database.write(pd.DataFrame({"id": [1, 2]}), table)
        many = pd.DataFrame({"id": pd.Series([*range(10, 2509), "not a number"], dtype=object)})
        with pytest.raises(AdapterError, match=rf"cannot write sql table '{table}'"):
            database.write(many, table, if_exists="append")
        assert database.rows(table)["id"].tolist() == [1, 2]
    finally:
        with database.engine.begin() as connection:
            connection.execute(sa.text(f"DROP TABLE IF EXISTS {table}"))
        database.engine.dispose()


def test_a_failed_replace_leaves_the_table_unchanged(db: Database) -> None:
    # A value each database refuses, in the last of 2,500 rows: the old table must survive.
    bad = {"postgresql": "NUL \x00 byte", "mysql": float("inf"), "sqlite": 2**70}[db.engine.dialect.name]
    table = db.table()
    db.write(sample(), table)
    replacement = pd.DataFrame({"id": range(2500), "v": pd.Series(["ok"] * 2499 + [bad], dtype=object)})
    if isinstance(bad, float):
        replacement["v"] = [1.0] * 2499 + [bad]
    with pytest.raises(AdapterError, match=rf"^flow › node: cannot write sql table '{table}'"):
        db.write(replacement, table, if_exists="replace")
    pd.testing.assert_frame_equal(db.read(table=table), sample())
    assert not [name for name in db.table_names() if name.startswith("_dataops_")]


def test_mariadb_urls_swap_tables_in_too(mysql_url: str, tmp_path: Path) -> None:
    url = mysql_url.replace("mysql+", "mariadb+", 1)
    engine = sa.create_engine(mysql_url, poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        if not connection.dialect.is_mariadb:
            pytest.skip("the MySQL test server is not MariaDB")
    database = Database(url, tmp_path, engine)
    table = database.table()
    try:
        database.write(sample(), table)
        with pytest.raises(AdapterError, match=rf"^flow › node: cannot write sql table '{table}'"):
            database.write(pd.DataFrame({"id": [1, 2], "v": [1.0, float("inf")]}), table, if_exists="replace")
        pd.testing.assert_frame_equal(database.read(table=table), sample())
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text(f"DROP TABLE IF EXISTS {table}"))
        engine.dispose()


def test_missing_table_lists_the_tables(db: Database) -> None:
    table = db.table()
    db.write(sample(), table)
    with pytest.raises(
        AdapterError,
        match=rf"^flow › node › table: sql table '{table}x' on .* does not exist \(tables: .*{table}.*\); "
        rf"did you mean '{table}'\?",
    ):
        db.read(table=f"{table}x")


def test_sql_error_in_the_query(db: Database) -> None:
    with pytest.raises(AdapterError, match=r"^flow › node › query: sql query on .* failed: \w+"):
        db.read(query="SELECT no_such_column FROM no_such_table_x")
    with pytest.raises(ValueError, match=r"query\n.*the query is not one SELECT that can be checked"):
        db.read(query="SELEC 1")


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("DELETE FROM {table}", "the query is a DELETE statement; read_sql runs only a SELECT"),
        ("DROP TABLE {table}; COMMIT; SELECT 1", "the query holds 3 statements; read_sql runs exactly one SELECT"),
        ("WITH d AS (DELETE FROM {table} RETURNING id) SELECT * FROM d", "the query contains DELETE"),
        ("UPDATE {table} SET id = 0", "the query is a UPDATE statement"),
    ],
)
def test_read_sql_accepts_exactly_one_query(db: Database, query: str, message: str) -> None:
    """Checked at validation, and again by the adapter for params that skipped it (the launchpad)."""
    table = db.table()
    db.write(sample(), table)
    query = query.format(table=table)
    with pytest.raises(ValueError, match=message):
        db.read(query=query)
    unchecked = ReadSqlParams.model_construct(url=db.url, query=query, table=None, params=None)
    with pytest.raises(AdapterError, match=rf"^flow › node › query: {message}"):
        adapter_for("sql").read(unchecked, root=db.root, where=WHERE)
    assert len(db.rows(table)) == 3


def test_a_query_that_writes_through_a_function_fails_read_only(postgres_url: str, tmp_path: Path) -> None:
    """A SELECT can still write (nextval); the read-only transaction refuses it."""
    sequence = f"s_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(postgres_url, poolclass=sa.pool.NullPool)
    with engine.begin() as connection:
        connection.execute(sa.text(f"CREATE SEQUENCE {sequence}"))
    try:
        with pytest.raises(AdapterError, match=r"^flow › node › query: .* failed: .*cannot execute nextval\(\) in a read-only"):
            Database(postgres_url, tmp_path, engine).read(query=f"SELECT nextval('{sequence}') AS n")
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text(f"DROP SEQUENCE {sequence}"))
        engine.dispose()


def test_sqlite_is_read_through_a_read_only_connection(tmp_path: Path) -> None:
    database = Database("sqlite:///w.sqlite", tmp_path, sa.create_engine(f"sqlite:///{tmp_path}/w.sqlite"))
    database.write(sample(), "t")
    location = adapter_for("sql").locate(ReadSqlParams(url=database.url, table="t"), tmp_path, WHERE)
    with adapter_for("sql")._connection(location, read_only=True) as connection:
        with pytest.raises(sa.exc.OperationalError, match="attempt to write a readonly database"):
            connection.exec_driver_sql("DELETE FROM t")
    assert len(database.rows("t")) == 3
    database.engine.dispose()


def test_query_placeholders_and_params_must_match(db: Database) -> None:
    with pytest.raises(AdapterError, match=r"^flow › node › params: the query uses :city but params has no 'city'"):
        db.read(query="SELECT :city AS c", params={"cty": "x"})
    with pytest.raises(AdapterError, match=r"^flow › node › params: params 'extra' is not used by the query"):
        db.read(query="SELECT :city AS c", params={"city": "x", "extra": 1})


def test_unreachable_database(tmp_path: Path) -> None:
    url = "postgresql+psycopg2://postgres@127.0.0.1:1/test"
    with pytest.raises(
        AdapterError, match=r"^flow › node › url: cannot connect to postgresql\+psycopg2://postgres@127.0.0.1:1/test: "
    ):
        adapter_for("sql").read(ReadSqlParams(url=url, table="t"), root=tmp_path, where=WHERE)


@pytest.fixture
def mysql_user(mysql_url: str) -> Iterator[tuple[str, str]]:
    """A MariaDB user with a password holding URL-special characters."""
    user, password = f"dataops_{uuid.uuid4().hex[:8]}", "S3cret@pass/w:rd"
    engine = sa.create_engine(mysql_url, poolclass=sa.pool.NullPool)
    with engine.begin() as connection:
        connection.execute(sa.text(f"CREATE USER '{user}'@'%' IDENTIFIED BY :pw"), {"pw": password})
        connection.execute(sa.text(f"GRANT ALL ON {engine.url.database}.* TO '{user}'@'%'"))
    yield user, password
    with engine.begin() as connection:
        connection.execute(sa.text(f"DROP USER '{user}'@'%'"))
    engine.dispose()


def test_wrong_password_is_never_printed(
    mysql_url: str, mysql_user: tuple[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    user, password = mysql_user
    server = sa.engine.make_url(mysql_url)
    wrong = "Wr0ng-Passw0rd-7731"
    url = f"mysql+pymysql://{user}:{wrong}@{server.host}:{server.port or 3306}/{server.database}"
    with pytest.raises(AdapterError) as caught:
        adapter_for("sql").read(ReadSqlParams(url=url, query="SELECT 1 AS one"), root=tmp_path, where=WHERE)
    message = str(caught.value)
    assert message.startswith(f"flow › node › url: cannot connect to mysql+pymysql://{user}:***@")
    assert "Access denied" in message and wrong not in message
    # the right password, from the environment, needs no URL escaping for @ / :
    monkeypatch.setenv("DATAOPS_SECRET_TEST_DB_PASSWORD", password)
    url = f"mysql+pymysql://{user}:${{DATAOPS_SECRET_TEST_DB_PASSWORD}}@{server.host}:{server.port or 3306}/{server.database}"
    frame = adapter_for("sql").read(ReadSqlParams(url=url, query="SELECT 1 AS one"), root=tmp_path, where=WHERE)
    assert frame["one"].to_pylist() == [1]


def test_a_missing_environment_variable_is_named(tmp_path: Path) -> None:
    url = "postgresql+psycopg2://app:${DATAOPS_SECRET_NO_SUCH_VARIABLE}@db/sales"
    with pytest.raises(
        AdapterError,
        match=r"^flow › node › url: \$\{DATAOPS_SECRET_NO_SUCH_VARIABLE\} refers to the environment variable "
        r"DATAOPS_SECRET_NO_SUCH_VARIABLE, which is not set",
    ):
        adapter_for("sql").read(ReadSqlParams(url=url, table="t"), root=tmp_path, where=WHERE)


def test_a_whole_url_from_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATAOPS_SECRET_TEST_WAREHOUSE", "sqlite:///w.sqlite")
    write = WriteSqlParams(url="${DATAOPS_SECRET_TEST_WAREHOUSE}", table="t")
    adapter_for("sql").write(sample(), write, root=tmp_path, where=WHERE)
    assert (tmp_path / "w.sqlite").is_file()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("sqlite:///../outside.sqlite", r"'../outside.sqlite' resolves outside the data root"),
        ("sqlite:////etc/passwd", r"'/etc/passwd' resolves outside the data root"),
        ("sqlite:///file:x.db?uri=true", r"the url option uri=true \(SQLite URI filenames\) is not supported"),
    ],
)
def test_sqlite_files_are_confined_to_the_data_root(tmp_path: Path, url: str, message: str) -> None:
    root = tmp_path / "root"
    root.mkdir()
    params = WriteSqlParams.model_construct(url=url, table="t", if_exists="fail")  # as the launchpad could send
    with pytest.raises(AdapterError, match=rf"^flow › node › url: {message}"):
        adapter_for("sql").write(sample(), params, root=root, where=WHERE)
    assert list(tmp_path.rglob("*.sqlite")) == []


def test_a_missing_sqlite_file_is_not_created_by_reading(tmp_path: Path) -> None:
    with pytest.raises(AdapterError, match=r"^flow › node › url: .* the SQLite database file does not exist"):
        adapter_for("sql").read(ReadSqlParams(url="sqlite:///nope.sqlite", table="t"), root=tmp_path, where=WHERE)
    assert not (tmp_path / "nope.sqlite").exists()


def test_unknown_dialect_and_missing_driver(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(ValueError, match=r"database kind 'nosuchdb' is not supported; read_sql and write_sql take"):
        ReadSqlParams(url="nosuchdb://u@h/d", table="t")
    monkeypatch.setitem(sys.modules, "pymysql", None)
    params = ReadSqlParams(url="mysql+pymysql://u@127.0.0.1/d", table="t")
    with pytest.raises(AdapterError, match=r"driver 'pymysql' for mysql\+pymysql is not installed; .* install PyMySQL"):
        adapter_for("sql").read(params, root=tmp_path, where=WHERE)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"url": "sqlite:///w.sqlite"}, "give either 'table' or 'query'"),
        ({"url": "sqlite:///w.sqlite", "table": "t", "query": "SELECT 1"}, "give either 'table' or 'query'"),
        ({"url": "sqlite:///w.sqlite", "table": "t", "params": {"a": 1}}, "they need 'query'"),
        ({"url": "localhost:5432", "table": "t"}, "not a database URL"),
    ],
)
def test_read_params_are_checked(params: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ReadSqlParams(**params)


def test_write_params_are_checked() -> None:
    with pytest.raises(ValueError, match="'fail', 'replace' or 'append'"):
        WriteSqlParams(url="sqlite:///w.sqlite", table="t", if_exists="overwrite")


KILLED_WRITER = """
import sys
from pathlib import Path

import pandas as pd

from adapters.registry import adapter_for
from adapters.sources import WriteSqlParams

rows = 400_000
frame = pd.DataFrame({"id": range(rows), "v": ["a value of some length"] * rows})
params = WriteSqlParams(url=sys.argv[1], table=sys.argv[2], if_exists="replace")
adapter_for("sql").write(frame, params, root=Path(sys.argv[3]))
"""


def test_a_killed_mysql_writer_leaves_no_staging_table_behind(mysql_url: str, tmp_path: Path) -> None:
    """kill -9 mid-write keeps the old table; the next write drops the dead writer's staging table."""
    engine = sa.create_engine(mysql_url, poolclass=sa.pool.NullPool)
    database = Database(mysql_url, tmp_path, engine)
    table, other = database.table(), database.table()
    database.write(sample(), table)

    def staging() -> list[str]:
        return [name for name in database.table_names() if name.startswith("_dataops_")]

    def sessions() -> set[int]:
        with engine.connect() as connection:
            return set(connection.exec_driver_sql("SELECT ID FROM information_schema.PROCESSLIST").scalars())

    before, idle = set(staging()), sessions()
    script = tmp_path / "writer.py"
    script.write_text(KILLED_WRITER, encoding="utf-8")
    writer = subprocess.Popen([sys.executable, str(script), mysql_url, table, str(tmp_path)], cwd=PROJECT)
    try:
        deadline = time.monotonic() + 120
        while not set(staging()) - before and writer.poll() is None and time.monotonic() < deadline:
            time.sleep(0.05)
        left = set(staging()) - before
        assert left, "the writer never created its staging table"
        os.kill(writer.pid, signal.SIGKILL)
        writer.wait(timeout=30)
        deadline = time.monotonic() + 60
        while len(sessions() - idle) > 1 and time.monotonic() < deadline:  # the server ends the dead session
            time.sleep(0.2)
        assert left <= set(staging())  # what the issue saw: the staging table outlives its writer
        pd.testing.assert_frame_equal(database.read(table=table), sample())

        database.write(sample(), other)
        assert not left & set(staging())
    finally:
        if writer.poll() is None:
            writer.kill()
        with engine.begin() as connection:
            for name in set(staging()) - before:
                connection.execute(sa.text(f"DROP TABLE IF EXISTS `{name}`"))
    engine.dispose()
