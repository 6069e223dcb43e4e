"""Start the processes of a deployment as docs/deploy.md describes them, and stop them again.

A deployment here is a code server (`dagster api grpc -m dataops_defs`), a webserver and a daemon
on deploy/workspace.yaml, sharing one instance (a copy of deploy/dagster.yaml); Celery workers
are `dagster-celery worker start` processes on deploy/celery.yaml.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

import dagster as dg
import requests

from tests.support.dagster_server import PROJECT, DagsterServer, free_port

DEPLOY = PROJECT / "deploy"
BIN = Path(sys.executable).parent
T = TypeVar("T")


def wait_for(condition: Callable[[], T], timeout: float, message: str, interval: float = 0.5) -> T:
    """Poll `condition()` until it returns something truthy, and return that."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout} s waiting for {message}")


def deploy_home(folder: Path) -> Path:
    """A DAGSTER_HOME holding a copy of the shipped deploy/dagster.yaml (runtime files stay out of the tree)."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(DEPLOY / "dagster.yaml", folder / "dagster.yaml")
    return folder


@contextmanager
def instance_at(home: str | Path, postgres_url: str) -> Iterator[dg.DagsterInstance]:
    """A deployment's instance opened from the test (deploy/dagster.yaml reads the URL from the environment)."""
    previous = os.environ.get("DATAOPS_POSTGRES_URL")
    os.environ["DATAOPS_POSTGRES_URL"] = postgres_url
    try:
        with dg.DagsterInstance.from_config(str(home)) as instance:
            yield instance
    finally:
        if previous is None:
            del os.environ["DATAOPS_POSTGRES_URL"]
        else:
            os.environ["DATAOPS_POSTGRES_URL"] = previous


def start(command: Sequence[str], env: Mapping[str, str], log: Path, cwd: Path = PROJECT) -> subprocess.Popen[bytes]:
    """A process in its own session (so `stop` reaches its children), output to `log`."""
    with log.open("ab") as out:
        return subprocess.Popen(
            list(command),
            cwd=cwd,
            env={**os.environ, **env, "PYTHONPATH": str(PROJECT)},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop(process: subprocess.Popen[bytes], timeout: float = 30) -> None:
    """SIGTERM to the process group, SIGKILL after `timeout`."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, sig)
        try:
            process.wait(timeout=timeout)
            return
        except subprocess.TimeoutExpired:
            continue


def wait_for_port(port: int, process: subprocess.Popen[bytes], log: Path, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        if process.poll() is not None:
            break
        time.sleep(0.3)
    raise AssertionError(f"nothing listens on {port}; log:\n{log.read_text()[-4000:]}")


class Deployment(DagsterServer):
    """The webserver's GraphQL API, plus the code server and daemon processes behind it."""

    def __init__(self, port: int, processes: dict[str, subprocess.Popen[bytes]], logs: Path) -> None:
        super().__init__(port, processes["webserver"], logs / "webserver.log")
        self.processes = processes
        self.logs = logs

    def daemons_healthy(self) -> bool:
        """Every daemon beat recently, and the webserver reads runs and their events again."""
        query = """{
          instance { daemonHealth { allDaemonStatuses { daemonType required healthy } } }
          runsOrError(limit: 1) { ... on Runs { results { eventConnection { events { __typename } } } } }
        }"""
        try:
            statuses = self.graphql(query)["instance"]["daemonHealth"]["allDaemonStatuses"]
        except (requests.RequestException, AssertionError):
            return False
        return all(s["healthy"] for s in statuses if s["required"])

    def wait_until_healthy(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.daemons_healthy():
                return
            time.sleep(1)
        raise AssertionError(f"daemons not healthy; log:\n{(self.logs / 'daemon.log').read_text()[-4000:]}")


@contextmanager
def deployment(env: Mapping[str, str], logs: Path) -> Iterator[Deployment]:
    """Code server, webserver and daemon, each its own process, as on separate machines."""
    logs.mkdir(parents=True, exist_ok=True)
    code_port, web_port = free_port(), free_port()
    env = {**env, "DATAOPS_CODE_SERVER_HOST": "127.0.0.1", "DATAOPS_CODE_SERVER_PORT": str(code_port)}
    workspace = str(DEPLOY / "workspace.yaml")
    processes: dict[str, subprocess.Popen[bytes]] = {}
    try:
        processes["code"] = start(
            [str(BIN / "dagster"), "api", "grpc", "-m", "dataops_defs", "-h", "127.0.0.1", "-p", str(code_port)],
            env,
            logs / "code.log",
        )
        wait_for_port(code_port, processes["code"], logs / "code.log")
        processes["webserver"] = start(
            [str(BIN / "dagster-webserver"), "-w", workspace, "-h", "127.0.0.1", "-p", str(web_port)],
            env,
            logs / "webserver.log",
        )
        processes["daemon"] = start([str(BIN / "dagster-daemon"), "run", "-w", workspace], env, logs / "daemon.log")
        wait_for_port(web_port, processes["webserver"], logs / "webserver.log")
        yield Deployment(web_port, processes, logs)
    finally:
        for name in ("daemon", "webserver", "code"):
            if name in processes:
                stop(processes[name])


@contextmanager
def celery_workers(count: int, env: Mapping[str, str], queue: str, logs: Path) -> Iterator[list[str]]:
    """`count` workers of one process each on `queue`; yields their names."""
    logs.mkdir(parents=True, exist_ok=True)
    names = [f"w{i}_{queue}" for i in range(count)]
    workers: list[subprocess.Popen[bytes]] = []
    try:
        for n, name in enumerate(names):
            command = [
                str(BIN / "dagster-celery"),
                *("worker", "start", "-A", "dagster_celery.app", "-y", str(DEPLOY / "celery.yaml")),
                *("-q", queue, "-n", name, "--", "--concurrency=1"),
            ]
            workers.append(start(command, env, logs / f"{name}.log"))
            if n == 0:  # the first one creates a fresh instance's tables; the others would race it
                _wait_for_lines(workers, [logs / f"{name}.log"], " ready.")
        _wait_for_lines(workers, [logs / f"{name}.log" for name in names], " ready.")
        yield names
    finally:
        for worker in workers:
            stop(worker)


def _wait_for_lines(
    processes: list[subprocess.Popen[bytes]], logs: list[Path], text: str, timeout: float = 120
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(log.exists() and text in log.read_text(errors="replace") for log in logs):
            return
        dead = [log for process, log in zip(processes, logs, strict=True) if process.poll() is not None]
        if dead:
            raise AssertionError(f"worker exited; log:\n{dead[0].read_text()[-4000:]}")
        time.sleep(0.5)
    raise AssertionError(f"workers not ready; log:\n{logs[0].read_text()[-4000:]}")
