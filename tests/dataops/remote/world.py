"""Real processes for the remote-module tests: an editor that keeps registrations in a Dagster
instance of its own, services started with `dataops serve-module` (or any command), `dataops run`."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parents[3]
TOKEN = "operator-issued-token-1"
STARTUP = 180.0  # seconds a process may take to start on a busy two-core machine


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(what: str, check: Callable[[], Any], timeout: float = STARTUP, every: float = 0.2) -> Any:
    """`check()` once it is truthy; fails naming `what` after `timeout` s."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = check()
        except (OSError, ValueError):
            value = None
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(every)


class World:
    """A project folder, its Dagster home, and the processes the test started (stopped on exit)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        for sub in ("flowcharts", "plugins", "data", "dagster_home"):
            (root / sub).mkdir(parents=True, exist_ok=True)
        shutil.copy(PROJECT / "dagster.yaml", root / "dagster_home" / "dagster.yaml")
        self.env = {
            **os.environ,
            "PYTHONPATH": str(PROJECT),
            "DAGSTER_HOME": str(root / "dagster_home"),
            "DATAOPS_FLOWCHARTS": str(root / "flowcharts"),
            "DATAOPS_PLUGINS": str(root / "plugins"),
            "DATAOPS_DATA_ROOT": str(root / "data"),
            "DATAOPS_STORAGE_ROOT": str(root / "storage"),
            "DATAOPS_REMOTE_TOKENS": f"{TOKEN},second-token",
            "DATAOPS_DAGSTER_URL": f"http://127.0.0.1:{free_port()}",  # no Dagster UI: reloads are reported, not raised
            "DATAOPS_WARM": "off",
        }
        self.processes: list[subprocess.Popen[bytes]] = []
        self.editor_url = ""

    def start(self, command: Sequence[str], log: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
        out = (self.root / log).open("wb")
        process = subprocess.Popen(
            list(command), cwd=PROJECT, env={**self.env, **(env or {})}, stdout=out, stderr=subprocess.STDOUT
        )
        self.processes.append(process)
        return process

    def start_editor(self) -> str:
        port = free_port()
        self.start([sys.executable, "-m", "dataops.cli.main", "editor", "--port", str(port)], "editor.log")
        self.editor_url = f"http://127.0.0.1:{port}"
        wait_for("the editor", lambda: self.get("/api/remote") is not None)
        return self.editor_url

    def serve(
        self, target: str, *extra: str, token: str = TOKEN, log: str = "service.log"
    ) -> tuple[subprocess.Popen[bytes], int]:
        port = free_port()
        command = [sys.executable, "-m", "dataops.cli.main", "serve-module", target, "--port", str(port)]
        command += ["--register", self.editor_url, "--token", token, *extra]
        return self.start(command, log), port

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(self.editor_url + path, timeout=30) as response:
            return json.loads(response.read())

    def post(self, path: str, body: Any, token: str | None = None) -> tuple[int, Any]:
        headers = {"Content-Type": "application/json"}
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        request = urllib.request.Request(self.editor_url + path, json.dumps(body).encode(), headers, method="POST")
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    def remote(self, name: str) -> dict[str, Any] | None:
        return next((m for m in self.get("/api/remote")["modules"] if m["name"] == name), None)

    def palette(self, name: str) -> dict[str, Any] | None:
        return next((m for m in self.get("/api/modules")["modules"] if m["name"] == name), None)

    def dataops(self, *args: str, timeout: float = 400) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "dataops.cli.main", *args],
            cwd=self.root,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
        for process in self.processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def world(root: Path) -> Iterator[World]:
    started = World(root)
    try:
        yield started
    finally:
        started.stop()
