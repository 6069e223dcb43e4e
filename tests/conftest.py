"""Shared fixtures: an isolated data root, flowcharts folder and Dagster home per test."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from dataops.settings import get_settings

PROJECT = Path(__file__).resolve().parents[1]

# `dataops run` in the tests runs in its own process: a warm run server the developer started
# (`dataops warm start`) must not serve them. tests/dataops/cli/test_warm.py starts its own.
os.environ["DATAOPS_WARM"] = "off"


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A project-like folder: data/ (a copy of the samples), flowcharts/, plugins/, dagster home.

    The DATAOPS_* variables point into it, so nothing a test does touches the repository.
    """
    data = tmp_path / "data"
    shutil.copytree(PROJECT / "data", data, ignore=shutil.ignore_patterns("out", "inbox"))
    for sub in ("flowcharts", "plugins", "dagster_home"):
        (tmp_path / sub).mkdir()
    shutil.copy(PROJECT / "dagster.yaml", tmp_path / "dagster_home" / "dagster.yaml")  # what users get
    monkeypatch.setenv("DATAOPS_DATA_ROOT", str(data))
    monkeypatch.setenv("DATAOPS_FLOWCHARTS", str(tmp_path / "flowcharts"))
    monkeypatch.setenv("DATAOPS_PLUGINS", str(tmp_path / "plugins"))
    monkeypatch.setenv("DATAOPS_STORAGE_ROOT", str(tmp_path / "storage"))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster_home"))
    get_settings.cache_clear()
    yield tmp_path
    get_settings.cache_clear()


# Database servers for the adapter tests: the real ones on 127.0.0.1 (scripts/services.sh starts
# them). Unreachable, a test skips with the reason, unless DATAOPS_REQUIRE_SERVICES is set.
SERVICES = {
    "postgres": ("DATAOPS_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"),
    "mysql": ("DATAOPS_TEST_MYSQL_URL", "mysql+pymysql://root@127.0.0.1:3306/test"),
}


def service_url(name: str) -> str:
    """The URL of test database `name` once `SELECT 1` succeeds there; otherwise skip (or fail)."""
    import sqlalchemy as sa

    variable, default = SERVICES[name]
    url = os.environ.get(variable, default)
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as connection:
            connection.execute(sa.text("SELECT 1"))
        return url
    except sa.exc.DBAPIError as exc:
        shown = sa.engine.make_url(url).render_as_string(hide_password=True)
        message = (
            f"{name} is unreachable at {shown} ({str(exc.orig).strip().splitlines()[0]}); start it with "
            f"scripts/services.sh or point {variable} at one"
        )
        if os.environ.get("DATAOPS_REQUIRE_SERVICES"):
            pytest.fail(message)
        pytest.skip(message)
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> str:
    return service_url("postgres")


@pytest.fixture(scope="session")
def mysql_url() -> str:
    return service_url("mysql")
