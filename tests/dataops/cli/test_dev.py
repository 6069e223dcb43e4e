"""`dataops dev` stops its whole tree (webserver, daemon, code server, editor, warm run server)
within a few seconds of SIGTERM or SIGINT, with nothing left listening on its ports."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest
import requests

from dataops import warm_client
from dataops.cli.dev import _descendants
from tests.support.dagster_server import PROJECT, free_port


def _listening(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


def _alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except FileNotFoundError:
        return False


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.2)


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_everything_dataops_dev_started(workspace: Path, sig: signal.Signals) -> None:
    shutil.copy(PROJECT / "workspace.yaml", workspace / "workspace.yaml")
    shutil.copy(PROJECT / "flowcharts" / "sales_by_city.yaml", workspace / "flowcharts")
    port, editor = free_port(), free_port()
    folder = Path(tempfile.mkdtemp(prefix="dd-", dir="/tmp"))
    sock = folder / "w.sock"
    env = {
        **os.environ,
        "PYTHONPATH": str(PROJECT),
        "DATAOPS_EDITOR_PORT": str(editor),
        "DATAOPS_WARM": "on",
        "DATAOPS_WARM_SOCKET": str(sock),
    }
    log = (workspace / "dev.log").open("wb")
    dev = subprocess.Popen(
        [sys.executable, "-m", "dataops.cli.main", "dev", "-h", "127.0.0.1", "-p", str(port)],
        cwd=workspace,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    tree: list[int] = []
    try:
        _wait(lambda: _up(port) and _listening(editor) and warm_client.status(sock) is not None, 180, "dataops dev")
        tree = _descendants([dev.pid])
        assert len(tree) >= 6  # dataops dev, dagster dev, webserver, daemon, code server, editor, warm server
        started = time.monotonic()
        dev.send_signal(sig)
        assert dev.wait(timeout=30) == 0
        took = time.monotonic() - started
        _wait(lambda: not any(_alive(pid) for pid in tree), 5, "the rest of the tree")
        assert not _listening(port) and not _listening(editor)
        assert warm_client.status(sock) is None and not sock.exists()
        assert took < 10, took
        print(f"{sig.name}: dataops dev and its {len(tree) - 1} descendants stopped in {took:.1f} s")
    finally:
        for pid in [dev.pid, *tree]:
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)
        dev.wait()
        log.close()
        shutil.rmtree(folder, ignore_errors=True)


def _up(port: int) -> bool:
    try:
        return requests.get(f"http://127.0.0.1:{port}/server_info", timeout=2).ok
    except requests.RequestException:
        return False
