"""Real services for the production tests: a fresh PostgreSQL database per session on the shared
server, RabbitMQ as the Celery broker, and a throw-away PostgreSQL cluster a test may stop."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tests.conftest import service_url
from tests.support.dagster_server import free_port

BROKER = os.environ.get("DATAOPS_TEST_CELERY_BROKER", "pyamqp://guest:guest@127.0.0.1:5672//")


def unavailable(message: str) -> None:
    """Skip, or fail when DATAOPS_REQUIRE_SERVICES is set."""
    if os.environ.get("DATAOPS_REQUIRE_SERVICES"):
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def instance_db() -> Iterator[str]:
    """A `postgresql+psycopg2://` URL (as Dagster needs it) of a database created for this session and dropped after it."""
    admin = sa.engine.make_url(service_url("postgres"))
    name = f"dataops_test_{uuid.uuid4().hex[:12]}"
    engine = sa.create_engine(admin, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with engine.connect() as connection:
        connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin.set(drivername="postgresql+psycopg2", database=name).render_as_string(hide_password=False)
    finally:
        with engine.connect() as connection:
            connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


@pytest.fixture(scope="session")
def broker() -> str:
    """The RabbitMQ URL once its port answers."""
    url = sa.engine.make_url(BROKER.replace("pyamqp://", "amqp://", 1))
    try:
        socket.create_connection((url.host or "127.0.0.1", url.port or 5672), timeout=5).close()
    except OSError as exc:
        unavailable(f"RabbitMQ is unreachable at {url.host}:{url.port} ({exc}); start it with scripts/services.sh")
    return BROKER


class Cluster:
    """A PostgreSQL cluster of our own (initdb), run by the `postgres` user on a free port."""

    def __init__(self, folder: Path, port: int) -> None:
        self.folder = folder
        self.port = port
        self.url = f"postgresql://postgres@127.0.0.1:{port}/postgres"

    def _pg_ctl(self, *args: str) -> None:
        _as_postgres(_bin("pg_ctl"), "-D", str(self.folder / "data"), "-w", "-t", "60", *args)

    def start(self) -> None:
        options = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        self._pg_ctl("-o", options, "-l", str(self.folder / "postgres.log"), "start")

    def stop(self) -> None:
        self._pg_ctl("-m", "fast", "stop")


@pytest.fixture
def throwaway_postgres() -> Iterator[Cluster]:
    """A new cluster for a test that stops and restarts it; never the shared server."""
    if not glob.glob("/usr/lib/postgresql/*/bin/initdb") or shutil.which("runuser") is None:
        unavailable("PostgreSQL server binaries (initdb, pg_ctl) or runuser are not installed")
    folder = Path(tempfile.mkdtemp(prefix="dataops-pg-"))
    shutil.chown(folder, "postgres", "postgres")
    cluster = Cluster(folder, free_port())
    try:
        _as_postgres(_bin("initdb"), "-D", str(folder / "data"), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        cluster.start()
        yield cluster
    finally:
        if (folder / "data" / "postmaster.pid").exists():
            cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)


def _bin(name: str) -> str:
    return sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))[-1]


def _as_postgres(*command: str) -> None:
    """initdb and postgres refuse to run as root."""
    prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    done = subprocess.run([*prefix, *command], capture_output=True, text=True, timeout=120, cwd="/")
    if done.returncode != 0:
        raise AssertionError(f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}")
