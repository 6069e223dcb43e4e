"""Benchmark 2b: a table handed to a remote module on 127.0.0.1 and back, against the seed's JSON.

Ours: the remote-module protocol (`module_library.remote`): the frame becomes an Arrow table, is
sent as an Arrow IPC stream in one HTTP request to a `dataops.remote.service` process that decodes
it, runs an identity module and answers with an IPC stream, which becomes a frame again. The seed:
`bench.handoff_worker`, JSON records both ways. Also measured: how long a service that starts takes
to appear in a running editor's palette, and how long one killed takes to show as unavailable.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa

from bench.common import ROOT, alternate, clock, median, python, sales_table
from bench.handoff import json_handoff, serving, worker
from bench.report import Section, Target
from module_library.arrow_convert import arrow_to_pandas
from module_library.remote import Target as Service
from module_library.remote import call

TARGET = 20.0
TOKEN = "bench-token"
INTERVAL = 1.0


def identity_spec():  # type: ignore[no-untyped-def]
    """A module that returns its input: the hand-off alone is timed."""
    from module_library.module_spec import ModuleSpec
    from module_library.params import NoParams
    from module_library.ports import Port

    return ModuleSpec(
        name="identity",
        category="bench",
        description="Return the input table",
        params=NoParams,
        inputs=(Port("data"),),
        outputs=("result",),
        fn=lambda data, params: data,
        engine="arrow",
    )


def main() -> None:
    """`python -m bench.handoff_remote`: serve the identity module; the port on stdout's first line."""
    from dataops.remote.service import make_server

    server = make_server({"identity": identity_spec()}, "1", TOKEN)
    print(server.server_address[1], flush=True)
    server.serve_forever()


def remote_handoff(frame: pd.DataFrame, port: int) -> Callable[[], pd.DataFrame]:
    target = Service(f"http://127.0.0.1:{port}/identity", TOKEN, "1")

    def run() -> pd.DataFrame:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        return call("identity", target, {}, {"data": table}, ("result",))["result"].to_pandas()

    return run


def latencies() -> tuple[float, float]:
    """(service up → in the palette, killed → shown unavailable), seconds, with a real editor."""
    with tempfile.TemporaryDirectory() as tmp:
        home = Path(tmp) / "home"
        home.mkdir()
        shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
        env = {**os.environ, "DAGSTER_HOME": str(home), "DATAOPS_REMOTE_TOKENS": TOKEN, "DATAOPS_PLUGINS": tmp}
        editor_port, service_port = _free_port(), _free_port()
        editor = subprocess.Popen(
            [python(), "-m", "dataops.cli.main", "editor", "--port", str(editor_port)], cwd=ROOT, env=env
        )
        served = None
        try:
            url = f"http://127.0.0.1:{editor_port}"
            _until(lambda: _get(f"{url}/api/remote") is not None, 180)
            command = [python(), "-m", "dataops.cli.main", "serve-module", "tests/dataops/remote/served_modules.py"]
            command += ["--port", str(service_port), "--register", url, "--token", TOKEN, "--interval", str(INTERVAL)]
            served = subprocess.Popen(command, cwd=ROOT, env=env, stderr=subprocess.DEVNULL)
            _until(lambda: _get(f"http://127.0.0.1:{service_port}/scale_remote/describe") is not None, 180, every=0.02)
            up = time.monotonic()
            _until(lambda: _listed(url) == "available", 60, every=0.05)
            appeared = time.monotonic() - up
            served.send_signal(signal.SIGKILL)
            killed = time.monotonic()
            _until(lambda: _listed(url) == "unavailable", 60, every=0.05)
            return appeared, time.monotonic() - killed
        finally:
            for process in (served, editor):
                if process is not None:
                    process.kill()
                    process.wait()


def run(rows: int, repeats: int) -> Section:
    frame = arrow_to_pandas(sales_table(rows))
    with serving("bench.handoff_remote") as port, worker() as json_port:
        ours, theirs = remote_handoff(frame, port), json_handoff(frame, json_port)
        assert ours().equals(frame), "the remote hand-off changed the frame"
        assert len(theirs()) == len(frame)
        times = alternate({"remote": lambda: clock(ours), "json": lambda: clock(theirs)}, repeats)
    remote_s, json_s = median(times["remote"]), median(times["json"])
    appeared, lapsed = latencies()
    section = Section(
        name="handoff_remote",
        title="2b. Hand-off to a remote module",
        intro=(
            "The same 10-column table handed to a module in another process on 127.0.0.1 and back. **Remote "
            "module (ours)**: `pa.Table.from_pandas`, one HTTP request carrying an Arrow IPC stream to a "
            "`dataops serve-module` service (an identity module), an IPC stream back, `to_pandas` "
            "(docs/remote-modules.md). **JSON over HTTP (seed)**: as in benchmark 2. Below the table: how long "
            "a service that starts takes to appear in a running editor's palette (`/api/modules`), and how long "
            f"one killed takes to show as unavailable, with a {INTERVAL:g} s heartbeat."
        ),
        headers=["hand-off", "median s", "speed-up"],
        settings=f"{rows:,} rows × 10 columns; {repeats} alternating runs",
    )
    section.rows = [
        ["Arrow IPC over HTTP to a remote module (ours)", remote_s, f"{json_s / remote_s:.0f}x"],
        ["JSON records over HTTP (seed)", json_s, "1x"],
    ]
    section.targets.append(Target("Remote hand-off speed-up over JSON/HTTP", json_s / remote_s, TARGET, at_least=True))
    section.targets.append(Target("Service up → in the palette", appeared, 5.0, unit=" s"))
    section.targets.append(
        Target("Killed → unavailable (heartbeat intervals)", lapsed / INTERVAL, 3.0, unit=" intervals")
    )
    section.notes.append(f"palette after {appeared:.2f} s; unavailable {lapsed:.2f} s after the kill")
    print(
        f"  remote {remote_s:.3f} s  json {json_s:.3f} s  {json_s / remote_s:.0f}x; "
        f"palette {appeared:.2f} s, unavailable {lapsed:.2f} s",
        flush=True,
    )
    return section


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> object:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return json.loads(response.read())
    except OSError:
        return None


def _listed(url: str) -> str:
    modules = _get(f"{url}/api/modules")
    entry = (
        next((m for m in modules["modules"] if m["name"] == "scale_remote"), None)
        if isinstance(modules, dict)
        else None
    )
    if entry is None:
        return "absent"
    return "unavailable" if entry["description"].startswith("[unavailable]") else "available"


def _until(check: Callable[[], bool], timeout: float, every: float = 0.2) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError("the remote hand-off benchmark waited too long")
        time.sleep(every)


if __name__ == "__main__":
    main()
