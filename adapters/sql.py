"""SQL databases through SQLAlchemy: PostgreSQL (psycopg2), MySQL/MariaDB (PyMySQL), SQLite and more.

Why SQLAlchemy with pandas' `read_sql`/`to_sql` rather than ADBC: one URL format and one code
path for every database (ADBC has no MySQL driver), reflected tables carry column types (SQLite
dates come back as dates), and `to_sql` creates a table from the frame's dtypes. Rows are read
with numpy-nullable dtypes, so integer columns with NULLs stay integers, then take the dtypes of
every other format through Arrow.

- `url` may hold `${VAR}` references to the variables the operator allows, filled from the
  environment, so passwords stay out of the flowchart; every message masks them. Plain
  postgresql:// and mysql:// use the installed drivers (psycopg2, PyMySQL); URL options, database
  kinds and hosts are checked against allow-lists (`adapters/sql_policy.py`).
- A relative SQLite path (`sqlite:///warehouse.sqlite`) is a file in the data root and, like
  every file path, may not resolve outside it.
- `read_sql` runs exactly one query (checked with sqlglot), with `params` bound by the driver
  (never pasted into the text), in a read-only transaction (SQLite: a read-only connection) that
  is rolled back: reading never changes the database.
- `write_sql` writes in one transaction, so a failure leaves the table as it was. MySQL and
  MariaDB commit table creation implicitly, so there a new or replaced table is filled under a
  staging name carrying the writer's connection id and swapped in with one atomic RENAME TABLE;
  staging tables whose connection is gone (a killed writer) are dropped before the next write.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import pyarrow as pa

from adapters.base import Adapter, reason
from adapters.optional import require
from adapters.predicates import RowFilter
from adapters.projection import projection
from adapters.registry import register_adapter
from adapters.sql_policy import query_problem
from adapters.sql_url import SqlLocation, database_url, masked, scrub, sqlite_file
from adapters.sql_where import ALIAS, derived_table, dialect_of, kinds, select_list, where
from dataops.errors import AdapterError, Where, did_you_mean
from module_library.arrow_convert import column_to_arrow

if TYPE_CHECKING:
    import pandas as pd
    from sqlalchemy.engine import URL, Connection, Engine
    from sqlalchemy.sql import Executable

# The pip package of each DBAPI driver module SQLAlchemy may ask for.
DRIVER_PACKAGES = {
    "psycopg2": "psycopg2-binary",
    "psycopg": "psycopg[binary]",
    "pymysql": "PyMySQL",
    "MySQLdb": "mysqlclient",
    "pyodbc": "pyodbc",
    "oracledb": "oracledb",
    "pymssql": "pymssql",
}
CONNECT_TIMEOUT_SECONDS = 10
_LISTED_TABLES = 20
STAGING_PREFIX = "_dataops_"
_STAGING = re.compile(rf"^{STAGING_PREFIX}c(\d+)_[0-9a-f]+$")
# The first statement of a read's transaction makes it read-only (SQLite opens the file read-only).
_READ_ONLY = {"postgresql": "SET TRANSACTION READ ONLY", "mysql": "START TRANSACTION READ ONLY"}


def _sa() -> Any:
    return require("sqlalchemy", package="SQLAlchemy", purpose="reading and writing databases")


class SqlAdapter(Adapter):
    format = "sql"

    def locate(self, params: Any, root: Path, where: Where) -> SqlLocation:
        url = database_url(params.url, root, where.inside(Where(field="url")))
        return SqlLocation(url, getattr(params, "table", None), getattr(params, "query", None))

    def _check_readable(self, location: SqlLocation, where: Where) -> None:
        path = sqlite_file(location.url)
        if path is not None and not path.is_file():
            raise AdapterError(
                f"{self._describe(location)}: the SQLite database file does not exist", where.inside(Where(field="url"))
            )

    def _describe(self, location: SqlLocation) -> str:
        what = f"table '{location.table}'" if location.table else "query"
        return f"sql {what} on {masked(location.url)}"

    def _read(self, location: SqlLocation, params: Any, columns: Sequence[str] | None) -> pa.Table:
        return self._read_rows(location, params, columns, None)

    def _read_rows(
        self, location: SqlLocation, params: Any, columns: Sequence[str] | None, rows: RowFilter | None
    ) -> pa.Table:
        """Only the needed columns and, with `rows`, only the rows its pushable conjuncts keep,
        selected by the database (`adapters/sql_where.py`)."""
        sa = _sa()
        described = self._describe(location)
        field = "table" if location.table else "query"
        bound_values = getattr(params, "params", None) or {}
        if location.query is not None:
            problem = query_problem(location.query, location.url.get_backend_name())
            if problem:
                raise AdapterError(problem, Where(field="query"))
        statement, bound = (None, None) if location.query is None else _query(location.query, bound_values)
        narrowed = False
        with self._connection(location, read_only=True) as connection:
            try:
                if connection.dialect.name in _READ_ONLY:
                    connection.exec_driver_sql(_READ_ONLY[connection.dialect.name])
                if location.table:
                    statement, bound = _select_table(connection, location.table, columns, described, rows), None
                elif columns is not None or rows is not None:
                    statement, bound, narrowed = _select_query(
                        connection, location.query or "", bound_values, columns, rows
                    )
                table = _fetch(connection, statement, bound)
            except sa.exc.ResourceClosedError as exc:
                raise AdapterError(
                    f"{described} returned no rows to read; read_sql runs a SELECT",
                    Where(field="query"),
                ) from exc
            except sa.exc.DBAPIError as exc:  # the rows are fetched without pandas: no pandas error here
                raise AdapterError(
                    f"{described} failed: {_driver_message(exc, location.url)}", Where(field=field)
                ) from exc
        selected = None if location.table or narrowed else projection(table.column_names, columns)
        if selected is None:
            return table
        wanted = set(selected)  # by position: a query may repeat a name (the base renames it .1)
        return table.select([i for i, name in enumerate(table.column_names) if name in wanted])

    def _write(self, frame: pd.DataFrame, location: SqlLocation, params: Any) -> None:
        import pandas as pd

        sa = _sa()
        described = self._describe(location)
        schema, name = split_table(location.table or "")
        if_exists = getattr(params, "if_exists", "fail")
        duplicated = frame.columns[frame.columns.duplicated()].unique().tolist()
        if duplicated:
            raise AdapterError(
                f"cannot write {described}: the data has duplicate column names {duplicated}; rename them first"
            )
        path = sqlite_file(location.url)
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            with self._connection(location) as connection:
                with connection.begin():
                    exists = sa.inspect(connection).has_table(name, schema=schema)
                    if exists and if_exists == "fail":
                        raise AdapterError(
                            f"{described} already exists; set if_exists: replace to overwrite it, or append to add "
                            "the rows",
                            Where(field="if_exists"),
                        )
                    if not _swap_needed(connection, exists, if_exists):
                        frame.to_sql(name, connection, schema=schema, if_exists=if_exists, index=False)
                        return
                _swap_in(connection, frame, schema, name, replace=exists)
        except (sa.exc.DBAPIError, pd.errors.DatabaseError) as exc:
            raise AdapterError(f"cannot write {described}: {_driver_message(exc, location.url)}") from exc

    @contextmanager
    def _connection(self, location: SqlLocation, *, read_only: bool = False) -> Iterator[Connection]:
        """A connection on a pool-less engine, disposed afterwards; failing to connect is one clear error."""
        sa = _sa()
        path = sqlite_file(location.url) if read_only else None
        engine = _engine(location.url if path is None else _read_only_sqlite(location.url, path))
        try:
            try:
                connection = engine.connect()
            except sa.exc.DBAPIError as exc:
                raise AdapterError(
                    f"cannot connect to {masked(location.url)}: {scrub(reason(exc.orig), location.url)}; check the "
                    "host, port, user and password in the url, and that the server is running",
                    Where(field="url"),
                ) from exc
            with connection:
                yield connection
        finally:
            engine.dispose()


def _fetch(connection: Connection, statement: Any, bound: dict[str, Any] | None) -> pa.Table:
    """The rows as Arrow, each column typed by pyarrow from the driver's values: decimals stay
    decimals, dates dates, zoned timestamps keep their zone, integers with NULLs stay integers."""
    result = connection.execute(statement, bound or {})
    names = [str(name) for name in result.keys()]
    rows = result.fetchall()
    return pa.Table.from_arrays([column_to_arrow([row[i] for row in rows]) for i in range(len(names))], names=names)


def _driver_message(exc: Exception, url: URL) -> str:
    """The driver's own message (pandas wraps it for text queries and inserts), password scrubbed."""
    sa = _sa()
    cause = exc if isinstance(exc, sa.exc.DBAPIError) else exc.__cause__
    return scrub(reason(cause.orig if isinstance(cause, sa.exc.DBAPIError) else exc), url)


def _read_only_sqlite(url: URL, path: Path) -> URL:
    """The SQLite file opened with mode=ro: no statement can write to it."""
    return url.set(database=f"file:{quote(str(path))}", query={**url.query, "mode": "ro", "uri": "true"})


def split_table(table: str) -> tuple[str | None, str]:
    """`schema.table` into its parts; a plain name has no schema."""
    schema, _, name = table.rpartition(".")
    return schema or None, name


def _engine(url: URL) -> Engine:
    sa = _sa()
    connect_args = {}
    if url.get_backend_name() == "postgresql" and "connect_timeout" not in url.query:
        connect_args["connect_timeout"] = CONNECT_TIMEOUT_SECONDS
    try:
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool, connect_args=connect_args)
    except sa.exc.NoSuchModuleError:
        raise AdapterError(
            f"unknown database kind '{url.drivername}' in the url; e.g. postgresql+psycopg2, mysql+pymysql, sqlite",
            Where(field="url"),
        ) from None
    except ImportError as exc:
        module = (exc.name or url.get_driver_name()).split(".")[0]
        package = DRIVER_PACKAGES.get(module, module)
        raise AdapterError(
            f"the database driver '{module}' for {url.drivername} is not installed; install it with: pip install "
            f"{package}",
            Where(field="url"),
        ) from exc
    if url.get_backend_name() == "sqlite":
        _transactional_sqlite(engine)
    return engine


def _transactional_sqlite(engine: Engine) -> None:
    """SQLAlchemy's recipe: Python's sqlite3 would commit DDL outside the transaction."""
    event = _sa().event

    @event.listens_for(engine, "connect")
    def _no_implicit_transactions(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")


def _select_table(
    connection: Connection, table: str, columns: Sequence[str] | None, described: str, rows: RowFilter | None
) -> Executable:
    sa = _sa()
    schema, name = split_table(table)
    try:
        reflected = sa.Table(name, sa.MetaData(), schema=schema, autoload_with=connection)
    except sa.exc.NoSuchTableError as exc:
        inspector = sa.inspect(connection)
        names = sorted(inspector.get_table_names(schema=schema) + inspector.get_view_names(schema=schema))
        listing = ", ".join(names[:_LISTED_TABLES]) + (", …" if len(names) > _LISTED_TABLES else "")
        raise AdapterError(
            f"{described} does not exist (tables: {listing or 'none'}){did_you_mean(name, names)}",
            Where(field="table"),
        ) from exc
    selected = projection([column.name for column in reflected.columns], columns)
    # no needed column at all still reads every row (a count downstream needs them)
    statement = sa.select(*(_as_read(reflected.c[c]) for c in selected or reflected.columns.keys()))
    dialect = dialect_of(connection.dialect.name)
    kinds = _kinds(connection, sa.select(reflected), {}) if rows is not None and dialect is not None else None
    if rows is None or dialect is None or kinds is None:
        return statement
    condition, values, rows.applied = where(rows.condition, kinds, dialect)
    return statement.where(sa.text(condition).bindparams(**values)) if condition else statement


def _as_read(column: Any) -> Any:
    """A reflected column as selected: floats stay floats (SQLAlchemy's MySQL DOUBLE would make
    Decimal objects of them); other types keep their result processing (SQLite dates as dates)."""
    sa = _sa()
    if isinstance(column.type, sa.Float) and column.type.asdecimal:
        return sa.type_coerce(column, sa.Float(asdecimal=False)).label(column.name)
    return column


def _select_query(
    connection: Connection, query: str, params: dict[str, Any], columns: Sequence[str] | None, rows: RowFilter | None
) -> tuple[Executable, dict[str, Any], bool]:
    """`SELECT <needed columns> FROM (<query>) WHERE <pushed conjuncts>`, its bound values, and
    whether it was narrowed (not when the dialect is unknown, the query has a top-level ORDER BY or
    repeats a column name, or a needed column is missing)."""
    dialect = dialect_of(connection.dialect.name)
    body = derived_table(query, dialect) if dialect else None
    if dialect is None or body is None:
        return _query(query, params)[0], params, False
    derived = f"({body}\n) AS {ALIAS}"
    try:  # in a savepoint: a query the database refuses as a derived table (MariaDB: a repeated column name) is read as written
        with connection.begin_nested():
            kinds = _kinds(connection, _query(f"SELECT * FROM {derived} WHERE 1=0", params)[0], params)
    except _sa().exc.DBAPIError:
        return _query(query, params)[0], params, False
    if kinds is None:
        return _query(query, params)[0], params, False
    names = list(kinds)
    selected = projection(names, columns) or names
    condition, values, shown = where(rows.condition, kinds, dialect) if rows is not None else ("", {}, "")
    if rows is not None:
        rows.applied = shown
    text = f"SELECT {select_list(selected, dialect)} FROM {derived}" + (f" WHERE {condition}" if condition else "")
    bound = {**params, **values}
    return _expanding(_sa().text(text), params), bound, True


def _kinds(connection: Connection, statement: Executable, params: dict[str, Any]) -> dict[str, str | None] | None:
    """The result columns of `statement` and their kinds, from a run that fetches no row (None:
    a name repeats)."""
    sa = _sa()
    if isinstance(statement, sa.Select):
        statement = statement.where(sa.false())
    result = connection.execute(statement, params)
    try:
        return kinds(result.cursor.description or (), connection.dialect.driver)
    finally:
        result.close()


def _query(query: str, params: dict[str, Any]) -> tuple[Executable, dict[str, Any]]:
    """The query as given, its `:name` placeholders bound to `params` (lists expand for IN :name)."""
    sa = _sa()
    statement = sa.text(query)
    placeholders = list(statement.compile().params)
    missing = [name for name in placeholders if name not in params]
    if missing:
        raise AdapterError(
            f"the query uses :{missing[0]} but params has no '{missing[0]}'{did_you_mean(missing[0], params)}",
            Where(field="params"),
        )
    unused = [name for name in params if name not in placeholders]
    if unused:
        used = ", ".join(f":{name}" for name in placeholders) or "none"
        raise AdapterError(
            f"params '{unused[0]}' is not used by the query (its placeholders: {used})", Where(field="params")
        )
    return _expanding(statement, params), params


def _expanding(statement: Any, params: dict[str, Any]) -> Any:
    """`statement` with list values expanded for `IN :name`."""
    lists = [_sa().bindparam(name, expanding=True) for name, value in params.items() if isinstance(value, list)]
    return statement.bindparams(*lists) if lists else statement


def _swap_needed(connection: Connection, exists: bool, if_exists: str) -> bool:
    """MySQL/MariaDB commit CREATE and DROP at once: a new table is filled aside and renamed in."""
    return connection.dialect.name in ("mysql", "mariadb") and not (exists and if_exists == "append")


def _swap_in(connection: Connection, frame: pd.DataFrame, schema: str | None, name: str, *, replace: bool) -> None:
    """Fill a staging table, then rename it in (and the old table out) with one atomic RENAME TABLE."""
    sa = _sa()

    def quoted(table: str) -> str:
        return connection.dialect.identifier_preparer.format_table(sa.table(table, schema=schema))

    _drop_stale_staging(connection, schema, quoted)
    connection_id = connection.exec_driver_sql("SELECT CONNECTION_ID()").scalar()
    connection.commit()
    staging = f"{STAGING_PREFIX}c{connection_id}_{uuid.uuid4().hex[:12]}"
    retired = f"{staging}_old"
    try:
        with connection.begin():
            frame.to_sql(staging, connection, schema=schema, if_exists="fail", index=False)
        renames = [(name, retired)] if replace else []
        renames.append((staging, name))
        with connection.begin():
            connection.execute(sa.text("RENAME TABLE " + ", ".join(f"{quoted(a)} TO {quoted(b)}" for a, b in renames)))
    except BaseException:
        with suppress(Exception), connection.begin():  # the original error is the one to report
            connection.execute(sa.text(f"DROP TABLE IF EXISTS {quoted(staging)}"))
        raise
    if replace:
        with connection.begin():
            connection.execute(sa.text(f"DROP TABLE {quoted(retired)}"))


def _drop_stale_staging(connection: Connection, schema: str | None, quoted: Any) -> None:
    """Drop staging tables of writers whose connection is gone (killed mid-write): live ones are kept."""
    sa = _sa()
    owners = {
        name: int(match.group(1))
        for name in sa.inspect(connection).get_table_names(schema=schema)
        if (match := _STAGING.match(name.removesuffix("_old")))
    }
    if not owners:
        connection.commit()
        return
    alive = {int(i) for i in connection.exec_driver_sql("SELECT ID FROM information_schema.PROCESSLIST").scalars()}
    stale = [name for name, owner in owners.items() if owner not in alive]
    for name in stale:
        connection.exec_driver_sql(f"DROP TABLE IF EXISTS {quoted(name)}")
    connection.commit()


register_adapter(SqlAdapter())
