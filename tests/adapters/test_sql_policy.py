"""Database URLs as flowcharts may write them: kinds, drivers, options, hosts, and the one query.

Against the real PostgreSQL and MariaDB on 127.0.0.1: what is refused never reaches them.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from adapters.registry import adapter_for
from adapters.sources import ReadSqlParams, WriteSqlParams
from dataops.errors import AdapterError, Where
from dataops.settings import get_settings
from module_library.arrow_convert import arrow_to_pandas

WHERE = Where("flow", "node")
METADATA_AS_A_NUMBER = "2852039166"  # resolves to 169.254.169.254 without being an address literal


@pytest.fixture
def settings_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[pytest.MonkeyPatch]:
    """Set DATAOPS_* variables for one test; the settings are read again on both sides."""
    get_settings.cache_clear()
    yield monkeypatch
    get_settings.cache_clear()


def read(url: str, root: Path, **params) -> pd.DataFrame:
    """Through the adapter without validation, as a launchpad edit would arrive."""
    unchecked = ReadSqlParams.model_construct(url=url, **{"table": None, "query": None, "params": None, **params})
    return arrow_to_pandas(adapter_for("sql").read(unchecked, root=root, where=WHERE))


@pytest.mark.parametrize("backend", ["postgres", "mysql"])
def test_plain_urls_use_the_installed_drivers(request: pytest.FixtureRequest, tmp_path: Path, backend: str) -> None:
    """postgresql:// and mysql:// as users write them (SQLAlchemy 2.1 alone picks psycopg 3 / mysqlclient)."""
    server = sa.engine.make_url(request.getfixturevalue(f"{backend}_url"))
    plain = server.set(drivername=server.get_backend_name()).render_as_string(hide_password=False)
    table = f"t_{uuid.uuid4().hex[:12]}"
    frame = pd.DataFrame({"id": [1, 2], "城市": ["北京", "上海"]})
    try:
        adapter_for("sql").write(frame, WriteSqlParams(url=plain, table=table), root=tmp_path, where=WHERE)
        read_back = read(plain, tmp_path, table=table)
        pd.testing.assert_frame_equal(read_back, frame, check_dtype=False)
    finally:
        engine = sa.create_engine(server, poolclass=sa.pool.NullPool)
        with engine.begin() as connection:
            connection.execute(sa.text(f"DROP TABLE IF EXISTS {table}"))
        engine.dispose()


@pytest.mark.parametrize("option", ["local_infile=1", "client_flag=128", "init_command=DROP TABLE x", "unix_socket=/x"])
def test_mysql_options_outside_the_allow_list_are_refused(mysql_url: str, tmp_path: Path, option: str) -> None:
    url = f"{mysql_url}?{option}"
    key = option.split("=")[0]
    message = rf"the url option '{key}' is not allowed for mysql \(allowed: binary_prefix, charset, collation"
    with pytest.raises(ValueError, match=message):
        ReadSqlParams(url=url, query="SELECT 1 AS one")
    with pytest.raises(AdapterError, match=rf"^flow › node › url: {message}"):
        read(url, tmp_path, query="SELECT 1 AS one")


def test_load_data_local_infile_cannot_copy_a_host_file(mysql_url: str, tmp_path: Path) -> None:
    """The issue's attack: local_infile=1 and LOAD DATA LOCAL INFILE '/etc/passwd'."""
    table = f"t_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(mysql_url, poolclass=sa.pool.NullPool)
    with engine.begin() as connection:
        connection.execute(sa.text(f"CREATE TABLE {table} (line TEXT)"))
    attack = f"LOAD DATA LOCAL INFILE '/etc/passwd' INTO TABLE {table}; SELECT * FROM {table}"
    try:
        with pytest.raises(ValueError, match="the query is not one SELECT that can be checked"):
            ReadSqlParams(url=mysql_url, query=attack)
        for url in (mysql_url, f"{mysql_url}?local_infile=1"):
            with pytest.raises(AdapterError, match=r"^flow › node › (url|query): the (url option|query)"):
                read(url, tmp_path, query=attack)
        with engine.connect() as connection:
            assert connection.execute(sa.text(f"SELECT COUNT(*) FROM {table}")).scalar() == 0
    finally:
        with engine.begin() as connection:
            connection.execute(sa.text(f"DROP TABLE {table}"))
        engine.dispose()


def test_postgres_options_outside_the_allow_list_are_refused() -> None:
    with pytest.raises(ValueError, match=r"the url option 'options' is not allowed for postgresql"):
        ReadSqlParams(url="postgresql://u@db/sales?options=-c%20default_transaction_read_only%3Doff", table="t")
    with pytest.raises(ValueError, match=r"the url option 'host' is not allowed for postgresql"):
        ReadSqlParams(url="postgresql://u@db/sales?host=169.254.169.254", table="t")
    assert ReadSqlParams(url="postgresql://u@db/sales?sslmode=require&connect_timeout=5", table="t")


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql://u@169.254.169.254/db", r"host '169.254.169.254' is a link-local or cloud metadata address"),
        ("mysql://u@[fe80::1]/db", r"host 'fe80::1' is a link-local or cloud metadata address"),
        ("postgresql://u@metadata.google.internal/db", r"host 'metadata.google.internal' is a cloud metadata service"),
        ("postgresql://u@100.100.100.200/db", r"host '100.100.100.200' is a link-local or cloud metadata address"),
        (f"postgresql://u@{METADATA_AS_A_NUMBER}/db", rf"host '{METADATA_AS_A_NUMBER}' resolves to 169.254.169.254"),
        ("mssql+pymssql://u@db/x", r"database kind 'mssql\+pymssql' is not supported"),
    ],
)
def test_database_hosts_follow_the_outbound_policy(url: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ReadSqlParams(url=url, table="t")


def test_a_host_from_the_environment_is_checked_once_filled(tmp_path: Path, settings_env: pytest.MonkeyPatch) -> None:
    settings_env.setenv("DATAOPS_SECRET_DB_HOST", METADATA_AS_A_NUMBER)
    params = ReadSqlParams(url="postgresql://u@${DATAOPS_SECRET_DB_HOST}:5432/db", table="t")
    with pytest.raises(AdapterError, match=r"^flow › node › url: host '\*\*\*' resolves to 169.254.169.254, which is a"):
        adapter_for("sql").read(params, root=tmp_path, where=WHERE)


def test_the_operator_can_narrow_the_hosts(postgres_url: str, tmp_path: Path, settings_env: pytest.MonkeyPatch) -> None:
    settings_env.setenv("DATAOPS_OUTBOUND_HOSTS", "db.example.com,*.corp.example")
    with pytest.raises(ValueError, match=r"host '127.0.0.1' is not in DATAOPS_OUTBOUND_HOSTS \(db.example.com, "):
        ReadSqlParams(url=postgres_url, query="SELECT 1 AS one")
    settings_env.setenv("DATAOPS_OUTBOUND_HOSTS", "10.0.0.0/8,127.0.0.0/8")
    get_settings.cache_clear()
    assert read(postgres_url, tmp_path, query="SELECT 1 AS one")["one"].tolist() == [1]
    settings_env.setenv("DATAOPS_OUTBOUND_SCHEMES", "mysql")
    get_settings.cache_clear()
    with pytest.raises(ValueError, match=r"postgresql:// is not in DATAOPS_OUTBOUND_SCHEMES \(mysql\)"):
        ReadSqlParams(url=postgres_url, query="SELECT 1 AS one")


def test_expanded_values_are_masked_in_connection_errors(postgres_url: str, tmp_path: Path, settings_env) -> None:
    """User, host and database from the environment: the driver's message quotes them, the error never does."""
    server = sa.engine.make_url(postgres_url)
    settings_env.setenv("DATAOPS_SECRET_DB_USER", "reporting-user-8812")
    settings_env.setenv("DATAOPS_SECRET_DB_HOST", "127.0.0.1")
    settings_env.setenv("DATAOPS_SECRET_DB_NAME", "sales-db-4471")
    url = f"postgresql://${{DATAOPS_SECRET_DB_USER}}@${{DATAOPS_SECRET_DB_HOST}}:{server.port}/${{DATAOPS_SECRET_DB_NAME}}"
    with pytest.raises(AdapterError) as caught:
        adapter_for("sql").read(ReadSqlParams(url=url, table="t"), root=tmp_path, where=WHERE)
    message = str(caught.value)
    assert message.startswith(f"flow › node › url: cannot connect to postgresql+psycopg2://***@***:{server.port}/***: ")
    for value in ("reporting-user-8812", "127.0.0.1", "sales-db-4471"):
        assert value not in message


@pytest.mark.parametrize("variable", ["HOME", "DATAOPS_POSTGRES_URL", "PGPASSWORD"])
def test_only_allowed_variables_are_expanded(variable: str, tmp_path: Path, settings_env) -> None:
    settings_env.setenv(variable, "sqlite:///w.sqlite")
    url = f"${{{variable}}}"
    with pytest.raises(ValueError, match=rf"\$\{{{variable}\}} is not an allowed variable; "):
        WriteSqlParams(url=url, table="t")
    unchecked = WriteSqlParams.model_construct(url=url, table="t", if_exists="fail")
    with pytest.raises(AdapterError, match=rf"^flow › node › url: \$\{{{variable}\}} is not an allowed variable"):
        adapter_for("sql").write(pd.DataFrame({"a": [1]}), unchecked, root=tmp_path, where=WHERE)
    if not variable.startswith("DATAOPS_"):
        settings_env.setenv("DATAOPS_ALLOWED_ENV", f"OTHER,{variable}")
        get_settings.cache_clear()
        adapter_for("sql").write(pd.DataFrame({"a": [1]}), WriteSqlParams(url=url, table="t"), root=tmp_path)
        assert (tmp_path / "w.sqlite").is_file()
