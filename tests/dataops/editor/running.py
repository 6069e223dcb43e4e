"""`dataops editor` as a real process on a free port, for tests that need a real server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import requests

from tests.support.dagster_server import PROJECT, free_port


@contextmanager
def running_editor(log: Path, env: Mapping[str, str] | None = None) -> Iterator[tuple[str, subprocess.Popen[bytes]]]:
    """The editor's URL and process, with the current environment plus `env`; stopped on exit."""
    port = free_port()
    with log.open("wb") as out:
        editor = subprocess.Popen(
            [sys.executable, "-m", "dataops.cli.main", "editor", "--port", str(port)],
            env={**os.environ, **(env or {}), "PYTHONPATH": str(PROJECT)},
            cwd=PROJECT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for(url, editor, log)
        yield url, editor
    finally:
        if editor.poll() is None:
            os.killpg(editor.pid, signal.SIGTERM)
        editor.wait(timeout=30)


def _wait_for(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{url}/api/config", timeout=2).ok:
                return
        except requests.ConnectionError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.3)
    raise AssertionError(f"the editor did not start; log:\n{log.read_text()[-3000:]}")
