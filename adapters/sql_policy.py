"""What a flowchart may ask of a database: which kinds, which URL options, which hosts, and one query.

Allow-lists rather than deny-lists: an option not named here (`local_infile`, `client_flag`,
`init_command`, `options`, `host`, `sslkey`) is refused, so a driver's new option is refused too.
The query must be exactly one statement that reads (SELECT, WITH ... SELECT, UNION), parsed with
sqlglot in the database's own dialect; `SELECT ... INTO` and data-changing CTEs are refused.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dataops.outbound import host_problem, scheme_problem

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

# The installed driver for each database kind written without one (postgresql://, mysql://).
DEFAULT_DRIVERS = {"postgresql": "psycopg2", "mysql": "pymysql", "mariadb": "pymysql"}
_POSTGRES_OPTIONS = (
    "password sslmode connect_timeout application_name target_session_attrs client_encoding "
    "keepalives keepalives_idle keepalives_interval keepalives_count"
)
_MYSQL_OPTIONS = "charset collation connect_timeout read_timeout write_timeout binary_prefix"
URL_OPTIONS = {
    "postgresql": frozenset(_POSTGRES_OPTIONS.split()),
    "mysql": frozenset(_MYSQL_OPTIONS.split()),
    "mariadb": frozenset(_MYSQL_OPTIONS.split()),
    "sqlite": frozenset({"timeout"}),
}
_SQLGLOT_DIALECTS = {"postgresql": "postgres", "mysql": "mysql", "mariadb": "mysql", "sqlite": "sqlite"}


def with_default_driver(url: URL) -> URL:
    """postgresql:// and mysql:// as users write them, on the drivers the project installs."""
    driver = DEFAULT_DRIVERS.get(url.drivername)
    return url.set(drivername=f"{url.drivername}+{driver}") if driver else url


def url_problem(url: URL) -> str | None:
    """Why the server may not connect to this database URL (kind, options, host), or None."""
    backend = url.get_backend_name()
    if backend not in URL_OPTIONS:
        return (
            f"database kind '{url.drivername}' is not supported; read_sql and write_sql take "
            "postgresql://, mysql://, mariadb:// or sqlite:/// URLs"
        )
    problem = scheme_problem(backend)
    if problem:
        return problem
    if backend == "sqlite" and str(url.query.get("uri", "")).lower() in ("true", "1"):
        return (
            "the url option uri=true (SQLite URI filenames) is not supported; give a path relative to the data "
            "root, e.g. sqlite:///warehouse.sqlite"
        )
    refused = sorted(set(url.query) - URL_OPTIONS[backend])
    if refused:
        allowed = ", ".join(sorted(URL_OPTIONS[backend])) or "none"
        return f"the url option '{refused[0]}' is not allowed for {backend} (allowed: {allowed})"
    if url.host and backend != "sqlite":
        return host_problem(url.host)
    return None


def query_problem(query: str, backend: str | None) -> str | None:
    """Why `query` is not exactly one read-only query in the dialect of `backend`, or None."""
    import sqlglot
    from sqlglot import exp

    try:
        statements = [s for s in sqlglot.parse(query, read=_SQLGLOT_DIALECTS.get(backend or "")) if s is not None]
    except sqlglot.errors.SqlglotError as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        return f"the query is not one SELECT that can be checked ({first}); read_sql runs exactly one SELECT"
    if len(statements) != 1:
        return f"the query holds {len(statements)} statements; read_sql runs exactly one SELECT (or WITH ... SELECT)"
    statement = statements[0]
    if not isinstance(statement, exp.Query):
        return f"the query is a {statement.key.upper()} statement; read_sql runs only a SELECT and never changes data"
    changing = (exp.Into, exp.Insert, exp.Update, exp.Delete, exp.Merge, exp.Create, exp.Drop, exp.Alter, exp.Command)
    found = next(statement.find_all(*changing), None)
    if found is not None:
        what = "SELECT ... INTO" if isinstance(found, exp.Into) else found.key.upper()
        return f"the query contains {what}, which changes data; read_sql only reads"
    return None
