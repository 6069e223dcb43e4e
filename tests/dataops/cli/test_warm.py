"""The warm run server (`dataops warm start|status|stop`, `dataops run` through it), with real processes.

A plugin module (`warm_probe.py` in $DATAOPS_PLUGINS) records, when it is imported and when
its nodes run, the pid and parent pid of that process: a run that went through the server is
a child of the server, a cold run is a child of this test process.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
import pytest

from dataops import warm_client as warm
from tests.support.cli import PROJECT, dataops

STALE_NOTE = "note: the warm run server is restarting on changed code; this run starts cold"

PROBE_PLUGIN = '''\
"""Test plugin modules: which process imports this file and runs the nodes; a slow node."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pandas as pd
from pydantic import Field

from module_library import ModuleParams, module

if os.environ.get("WARM_PROBE"):
    with open(os.environ["WARM_PROBE"], "a", encoding="utf-8") as records:
        records.write(json.dumps({"pid": os.getpid(), "ppid": os.getppid()}) + "\\n")


class WhoParams(ModuleParams):
    path: str = Field(description="File that receives the pid and parent pid of the node's process.")


@module(category="custom", params=WhoParams)
def whoami(data: pd.DataFrame, params: WhoParams) -> pd.DataFrame:
    """Record which process runs this node."""
    Path(params.path).write_text(json.dumps({"pid": os.getpid(), "ppid": os.getppid()}), encoding="utf-8")
    return data


class NapParams(ModuleParams):
    path: str = Field(description="File that receives the pid once the nap has started.")
    seconds: float = Field(30.0, description="How long to sleep.")


@module(category="custom", params=NapParams)
def nap(data: pd.DataFrame, params: NapParams) -> pd.DataFrame:
    """Sleep, after recording which process sleeps."""
    Path(params.path).write_text(json.dumps({"pid": os.getpid(), "ppid": os.getppid()}), encoding="utf-8")
    time.sleep(params.seconds)
    return data
'''

PROBE_FLOWCHART = """\
name: probe
nodes:
  - {{id: load, module: read_csv, params: {{path: sales.csv}}}}
  - {{id: valid, module: filter_rows, params: {{condition: "价格 IS NOT NULL AND 数量 > 0"}}}}
  - {{id: who, module: whoami, params: {{path: "{who}"}}}}
  - id: by_city
    module: group_aggregate
    params: {{by: [城市], aggregations: [{{column: 价格, function: sum, as: 总价}}]}}
  - {{id: save, module: write_csv, params: {{path: out/probe.csv}}}}
edges:
  - {{from: load, to: valid}}
  - {{from: valid, to: who}}
  - {{from: who, to: by_city}}
  - {{from: by_city, to: save}}
"""

SLOW_FLOWCHART = """\
name: slow
nodes:
  - {{id: load, module: read_csv, params: {{path: customers.csv}}}}
  - {{id: sleep, module: nap, params: {{path: "{nap}", seconds: 30}}}}
  - {{id: save, module: write_csv, params: {{path: out/slow.csv}}}}
edges:
  - {{from: load, to: sleep}}
  - {{from: sleep, to: save}}
"""


@dataclass
class Server:
    path: Path
    pid: int

    @property
    def log(self) -> Path:
        return self.path.with_suffix(".log")


def _command() -> list[str]:
    """The `dataops` command as tests/support/cli.py runs it."""
    script = Path(sys.executable).with_name("dataops")
    return [str(script)] if script.exists() else [sys.executable, "-m", "dataops.cli.main"]


def _alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"


def _wait(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.05)


def _ready(server: Server, timeout: float = 60.0) -> None:
    """Wait until the server answers (it re-executes itself after a stale request)."""
    _wait(lambda: warm.status(server.path) == server.pid, timeout, f"the warm run server on {server.path}")


def _start(path: Path) -> Server:
    result = dataops("warm", "start", cwd=path.parent)
    assert result.returncode == 0, result.stderr
    match = re.fullmatch(rf"warm run server: pid (\d+) on {re.escape(str(path))}\n", result.stdout)
    assert match, result.stdout
    return Server(path, int(match.group(1)))


def _shut_down(path: Path, pid: int | None) -> None:
    """Stop the server on `path` however it is: `dataops warm stop`, else SIGKILL of its pid."""
    dataops("warm", "stop", cwd=path.parent)
    if pid is None:
        return
    try:
        _wait(lambda: not _alive(pid), 10, f"server {pid} to stop")
    except pytest.fail.Exception:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes() if Path(f"/proc/{pid}/cmdline").exists() else b""
        if str(path).encode() in cmdline:  # still ours, not a recycled pid
            os.kill(pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def server() -> Iterator[Server]:
    """One server for the module, on a socket of its own (short path: AF_UNIX allows ~107 bytes)."""
    folder = Path(tempfile.mkdtemp(prefix="dw-", dir="/tmp"))
    path = folder / "w.sock"
    started: Server | None = None
    with pytest.MonkeyPatch.context() as patch:
        patch.delenv("DATAOPS_WARM", raising=False)
        patch.setenv("DATAOPS_WARM_SOCKET", str(path))
        try:
            started = _start(path)
            yield started
        finally:
            _shut_down(path, started.pid if started else warm.status(path))
            shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def private_socket(monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A socket path of the test's own; whatever server ends up on it is stopped afterwards."""
    folder = Path(tempfile.mkdtemp(prefix="dw-", dir="/tmp"))
    path = folder / "w.sock"
    monkeypatch.delenv("DATAOPS_WARM", raising=False)
    monkeypatch.setenv("DATAOPS_WARM_SOCKET", str(path))
    try:
        yield path
    finally:
        _shut_down(path, warm.status(path))
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture
def probe(workspace: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The probe plugin and flowcharts in the workspace; $WARM_PROBE collects the import records."""
    (workspace / "plugins" / "warm_probe.py").write_text(PROBE_PLUGIN, encoding="utf-8")
    flowcharts = workspace / "flowcharts"
    (flowcharts / "probe.yaml").write_text(PROBE_FLOWCHART.format(who=workspace / "who.json"), encoding="utf-8")
    (flowcharts / "slow.yaml").write_text(SLOW_FLOWCHART.format(nap=workspace / "nap.json"), encoding="utf-8")
    shutil.copy(PROJECT / "flowcharts" / "sales_by_city.yaml", flowcharts / "sales_by_city.yaml")
    monkeypatch.setenv("WARM_PROBE", str(workspace / "imports.jsonl"))
    return workspace


def _imports(workspace: Path) -> list[dict[str, int]]:
    """pid and parent pid of each `dataops run` process that loaded the probe plugin, in order
    (a run loads its plugins more than once: the records are deduplicated)."""
    file = workspace / "imports.jsonl"
    lines = file.read_text().splitlines() if file.exists() else []
    return [json.loads(line) for line in dict.fromkeys(lines)]


def _warm_run(server: Server, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """`dataops ARGS` once the server answers; again when a source edit made that run go cold."""
    for _ in range(3):
        _ready(server)
        result = dataops(*args, cwd=cwd)
        if STALE_NOTE not in result.stderr:
            break
    return result


def _cold_run(monkeypatch: pytest.MonkeyPatch, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    with monkeypatch.context() as patch:
        patch.setenv("DATAOPS_WARM", "off")
        return dataops(*args, cwd=cwd)


def _normalized(text: str) -> str:
    """Without what differs between two runs: the run id and the timings."""
    text = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "RUN", text)
    return re.sub(r"\d+\.\d+ s\b", "T s", text)


def _run_id(stdout: str) -> str:
    return stdout.splitlines()[0].split()[3]


# --- start, status, stop ---------------------------------------------------------------------


def test_start_status_stop(private_socket: Path) -> None:
    path = private_socket
    cwd = path.parent

    before = dataops("warm", "status", cwd=cwd)
    assert (before.returncode, before.stdout) == (1, f"warm run server: not running ({path})\n")

    server = _start(path)
    assert _alive(server.pid)
    assert path.stat().st_mode & 0o777 == 0o600
    assert f"dataops warm run server: pid {server.pid}, {path}, warm in " in server.log.read_text()

    running = dataops("warm", "status", cwd=cwd)
    assert (running.returncode, running.stdout) == (0, f"warm run server: pid {server.pid} on {path}\n")
    again = dataops("warm", "start", cwd=cwd)
    assert (again.returncode, again.stdout) == (0, f"warm run server: pid {server.pid} on {path}\n")

    stopped = dataops("warm", "stop", cwd=cwd)
    assert (stopped.returncode, stopped.stdout) == (0, f"warm run server: stopped pid {server.pid}\n")
    _wait(lambda: not _alive(server.pid), 10, "the stopped server to exit")
    assert not path.exists()  # the server removes its socket

    after = dataops("warm", "status", cwd=cwd)
    assert (after.returncode, after.stdout) == (1, f"warm run server: not running ({path})\n")
    nothing = dataops("warm", "stop", cwd=cwd)
    assert (nothing.returncode, nothing.stdout) == (0, "warm run server: not running\n")


def test_a_killed_servers_socket_is_taken_over(private_socket: Path) -> None:
    first = _start(private_socket)
    os.kill(first.pid, signal.SIGKILL)
    _wait(lambda: not _alive(first.pid), 10, "the killed server to exit")
    assert private_socket.is_socket()  # left behind, nobody listening

    status = dataops("warm", "status", cwd=private_socket.parent)
    assert (status.returncode, status.stdout) == (1, f"warm run server: not running ({private_socket})\n")
    second = _start(private_socket)
    assert second.pid != first.pid
    assert warm.status(private_socket) == second.pid


def test_socket_path() -> None:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATAOPS_WARM_SOCKET", "/tmp/somewhere/else.sock")
        assert warm.socket_path() == Path("/tmp/somewhere/else.sock")
        patch.delenv("DATAOPS_WARM_SOCKET")
        patch.setenv("XDG_RUNTIME_DIR", "/run/user/1234")
        path = warm.socket_path()
        assert path.parent == Path("/run/user/1234")
        assert re.fullmatch(r"warm-[0-9a-f]{12}\.sock", path.name)
        assert warm.socket_path() == path
        patch.setattr(warm, "PROJECT", Path("/another/checkout"))
        assert warm.socket_path() != path  # one server per project checkout
        patch.delenv("XDG_RUNTIME_DIR")
        assert warm.socket_path().parent == Path(f"/tmp/dataops-{os.getuid()}")


# --- runs through the server -------------------------------------------------------------------


def test_run_through_the_server_matches_a_cold_run(
    server: Server, probe: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = probe / "data" / "out" / "probe.csv"
    who = probe / "who.json"

    cold = _cold_run(monkeypatch, "run", "flowcharts/probe.yaml", cwd=probe)
    assert cold.returncode == 0, cold.stderr
    cold_csv = out.read_bytes()
    cold_who = json.loads(who.read_text())
    assert _imports(probe) == [cold_who]
    assert cold_who["ppid"] == os.getpid()  # DATAOPS_WARM=off: its own process, with a server running
    out.unlink()

    hot = _warm_run(server, "run", "flowcharts/probe.yaml", cwd=probe)
    assert hot.returncode == 0, hot.stderr
    assert hot.stderr == ""
    hot_who = json.loads(who.read_text())
    assert hot_who["ppid"] == server.pid  # forked by the server
    assert hot_who["pid"] not in (server.pid, cold_who["pid"])
    assert _imports(probe)[-1] == hot_who  # the plugin was loaded in the run's child, not in the server

    lines = hot.stdout.splitlines()
    assert lines[0].startswith("▶ probe  run ") and lines[0].endswith("  (flowcharts/probe.yaml)")
    assert [line.split()[1] for line in lines[1:-1]] == ["load", "valid", "who", "by_city", "save"]
    assert "231 rows × 7 cols" in lines[2]
    assert lines[-1].startswith("✓ probe succeeded in ")
    assert _normalized(hot.stdout) == _normalized(cold.stdout)
    assert out.read_bytes() == cold_csv
    assert "城市,总价" in cold_csv.decode("utf-8")

    with dg.DagsterInstance.get() as instance:
        for result in (cold, hot):
            run = instance.get_run_by_id(_run_id(result.stdout))
            assert run is not None
            assert (run.status, run.job_name, run.tags["dataops/source"]) == (
                dg.DagsterRunStatus.SUCCESS,
                "probe",
                "cli",
            )


def test_failing_run_reports_like_a_cold_run(server: Server, probe: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    args = ("run", "flowcharts/sales_by_city.yaml", "--set", "valid.condition=价钱 > 1")
    cold = _cold_run(monkeypatch, *args, cwd=probe)
    hot = _warm_run(server, *args, cwd=probe)
    assert cold.returncode == hot.returncode == 1
    assert _imports(probe)[-1]["ppid"] == server.pid
    assert "failing node: valid (filter_rows)" in hot.stderr
    assert "sales_by_city › valid › condition: unknown column '价钱'" in hot.stderr
    assert "Traceback" not in hot.stderr + hot.stdout
    assert _normalized(hot.stderr) == _normalized(cold.stderr)
    assert _normalized(hot.stdout) == _normalized(cold.stdout)
    assert not (probe / "data" / "out" / "sales_by_city.csv").exists()
    with dg.DagsterInstance.get() as instance:
        run = instance.get_run_by_id(_run_id(hot.stdout))
        assert run is not None and run.status == dg.DagsterRunStatus.FAILURE


def test_usage_error_through_the_server(server: Server, probe: Path) -> None:
    result = _warm_run(server, "run", "flowcharts/sales_by_city.yaml", "--set", "nodot=1", cwd=probe)
    assert result.returncode == 2
    assert result.stderr == "error: --set 'nodot=1': expected NODE.PARAM=VALUE\n"
    assert result.stdout == ""
    first = _imports(probe)[-1]
    assert first["ppid"] == server.pid

    missing = _warm_run(server, "run", "flowcharts/nope.yaml", cwd=probe)
    assert (missing.returncode, missing.stderr) == (2, "error: no such file: flowcharts/nope.yaml\n")
    second = _imports(probe)[-1]
    assert second["ppid"] == server.pid and second["pid"] != first["pid"]  # one child per run


@pytest.fixture
def slow_runs() -> Iterator[list]:
    """Clients and run processes started by a test: killed at the end whatever happened."""
    started: list = []
    yield started
    for item in started:
        if isinstance(item, subprocess.Popen):
            if item.poll() is None:
                item.kill()
            item.communicate()
        elif _alive(item):
            os.kill(item, signal.SIGKILL)


def _slow_client(server: Server, workspace: Path, started: list) -> tuple[subprocess.Popen[str], dict[str, int]]:
    """`dataops run flowcharts/slow.yaml` in the background, once its slow node sleeps in a child
    of the server (again when a source edit made the server restart and that run go cold)."""
    nap = workspace / "nap.json"
    for _ in range(3):
        _ready(server)
        nap.unlink(missing_ok=True)
        client = subprocess.Popen(
            [*_command(), "run", "flowcharts/slow.yaml"],
            cwd=workspace,
            env={**os.environ, "PYTHONPATH": str(PROJECT)},
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        started.append(client)

        def sleeping(client: subprocess.Popen[str] = client) -> bool:
            if client.poll() is not None:
                out, err = client.communicate()
                pytest.fail(f"dataops run ended early ({client.returncode}):\n{out}\n{err}")
            return nap.exists() and nap.stat().st_size > 0

        _wait(sleeping, 60, "the slow node to start")
        record = json.loads(nap.read_text())
        started.append(record["pid"])
        if record["ppid"] == server.pid:
            break
        os.kill(record["pid"], signal.SIGKILL)  # ran cold: not the run to test
        client.kill()
        client.communicate()
    return client, record


def test_ctrl_c_reaches_the_run(server: Server, probe: Path, slow_runs: list) -> None:
    client, nap = _slow_client(server, probe, slow_runs)
    assert nap["ppid"] == server.pid
    assert _alive(nap["pid"])

    # The server keeps serving while a run is going on.
    other = _warm_run(server, "run", "flowcharts/sales_by_city.yaml", "--set", "nodot=1", cwd=probe)
    assert other.returncode == 2 and _imports(probe)[-1]["ppid"] == server.pid

    os.kill(client.pid, signal.SIGINT)
    out, err = client.communicate(timeout=15)
    assert client.returncode == 1, err
    assert "Aborted!" not in err  # the client forwarded the signal and waited for the run's exit code
    assert "✗ sleep  nap" in out
    assert "✗ slow failed in " in err
    assert "  failing node: sleep (nap)\n  interrupted (Ctrl-C, or the run was stopped) before the node finished" in err
    assert "Stack Trace" not in err
    _wait(lambda: not Path(f"/proc/{nap['pid']}").exists(), 5, "the run's process to end and be reaped")
    assert warm.status(server.path) == server.pid
    with dg.DagsterInstance.get() as instance:
        run = instance.get_run_by_id(_run_id(out))
        assert run is not None and run.status == dg.DagsterRunStatus.FAILURE


def test_a_client_that_goes_away_interrupts_its_run(server: Server, probe: Path, slow_runs: list) -> None:
    client, nap = _slow_client(server, probe, slow_runs)
    assert nap["ppid"] == server.pid
    client.kill()  # SIGKILL: nothing is forwarded, the connection closes
    out, _ = client.communicate(timeout=10)
    _wait(lambda: not _alive(nap["pid"]), 10, "the run of a killed client to end")
    with dg.DagsterInstance.get() as instance:
        run = instance.get_run_by_id(_run_id(out))
        assert run is not None and run.job_name == "slow" and run.status == dg.DagsterRunStatus.FAILURE


def test_a_run_process_that_dies_is_reported(server: Server, probe: Path, slow_runs: list) -> None:
    client, nap = _slow_client(server, probe, slow_runs)
    assert nap["ppid"] == server.pid
    os.kill(nap["pid"], signal.SIGKILL)
    _, err = client.communicate(timeout=15)
    assert client.returncode == 1
    assert err.endswith(f"error: the warm run server's process {nap['pid']} ended without an exit code\n")
    assert warm.status(server.path) == server.pid


# --- no server, or a stale one ---------------------------------------------------------------


@pytest.mark.parametrize("value", ["off", "0", "FALSE", "No"])
def test_run_warm_is_off_with_dataops_warm(server: Server, value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    _ready(server)

    def refuse(path: Path) -> socket.socket:
        raise AssertionError(f"connected to {path}")

    monkeypatch.setattr(warm, "_connect", refuse)
    monkeypatch.setenv("DATAOPS_WARM", value)
    assert warm.run_cli("x.yaml", []) is None


def test_run_warm_without_a_server_is_none(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("DATAOPS_WARM", raising=False)
    monkeypatch.setenv("DATAOPS_WARM_SOCKET", str(tmp_path / "none.sock"))
    assert warm.run_cli("x.yaml", []) is None
    (tmp_path / "none.sock").write_text("")  # not a socket
    assert warm.run_cli("x.yaml", []) is None


def test_without_a_server_the_run_goes_cold_at_once_and_leaves_a_server_for_the_next(
    probe: Path, private_socket: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATAOPS_WARM_IDLE", "120")
    first = dataops("run", "flowcharts/probe.yaml", cwd=probe)
    assert first.returncode == 0, first.stderr
    cold = _imports(probe)
    assert cold and all(record["ppid"] == os.getpid() for record in cold)  # this test's child: cold
    # The run did not wait for a server; the one it started comes up in the background.
    _wait(lambda: warm.status(private_socket) is not None, 60, "the server the cold run started")
    server = Server(private_socket, warm.status(private_socket) or 0)
    assert "--idle" in Path(f"/proc/{server.pid}/cmdline").read_text().replace("\0", " ")
    second = _warm_run(server, "run", "flowcharts/probe.yaml", cwd=probe)
    assert second.returncode == 0, second.stderr
    assert _imports(probe)[-1]["ppid"] == server.pid  # served by it
    # A cold run while a server it started is still warming up starts no second one.
    assert warm._starting(private_socket)
    warm.start_for_next_runs()
    assert warm.status(private_socket) == server.pid


def _project_copy(root: Path) -> Path:
    for package, file in (
        ("dataops", "a.py"),
        ("dataops_defs", "b.py"),
        ("module_library", "sub/c.py"),
        ("adapters", "d.py"),
    ):
        target = root / package / file
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text("x = 1\n")
    return root


def test_fingerprint_follows_the_code(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _project_copy(tmp_path / "project")
    monkeypatch.setattr(warm, "PROJECT", root)
    first = warm.fingerprint()
    assert re.fullmatch(r"[0-9a-f]{64}", first)
    assert warm.fingerprint() == first

    nested = root / "module_library" / "sub" / "c.py"
    stat = nested.stat()
    os.utime(nested, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000_000))
    touched = warm.fingerprint()
    assert touched != first
    os.utime(nested, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert warm.fingerprint() == first  # stat only, no content read

    (root / "dataops" / "notes.txt").write_text("not code")
    (root / "elsewhere").mkdir()
    (root / "elsewhere" / "e.py").write_text("x = 1\n")  # not one of the packages
    assert warm.fingerprint() == first

    (root / "adapters" / "new.py").write_text("")
    assert warm.fingerprint() != first
    (root / "adapters" / "new.py").unlink()
    assert warm.fingerprint() == first

    monkeypatch.setattr(warm.sys, "executable", "/some/other/python")
    assert warm.fingerprint() != first


def test_a_stale_request_restarts_the_server(server: Server) -> None:
    _ready(server)
    restarts = server.log.read_text().count("code changed, restarting")
    connection = warm._connect(server.path)
    with connection, open(os.devnull, "rb") as null:
        request = {
            "kind": "run",
            "file": "x.yaml",
            "overrides": [],
            "sys_path": [],
            "argv": ["dataops", "run", "x.yaml"],
            "cwd": "/",
            "env": {},
            "project": str(PROJECT),
            "fingerprint": "old code",
            "encoding": "utf-8",
        }
        warm._send(connection, request, fds=[null.fileno()] * 3)
        reader = connection.makefile("rb")
        assert json.loads(reader.readline()) == {"stale": True}
        assert reader.readline() == b""  # then the server hangs up
    _ready(server)  # the same process (exec keeps the pid), on the same socket, serving again
    log = server.log.read_text()
    assert log.count("code changed, restarting") >= restarts + 1
    assert log.count(f"dataops warm run server: pid {server.pid}, {server.path}, warm in ") >= 2


def test_a_stale_server_makes_the_client_run_cold(
    server: Server, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _ready(server)
    monkeypatch.setattr(warm, "fingerprint", lambda: "code the server does not have")
    assert warm.run_cli("x.yaml", []) is None
    assert capsys.readouterr().err == STALE_NOTE + "\n"
    _ready(server)


def test_another_checkout_on_a_shared_socket_runs_cold_without_restarting_the_server(
    server: Server, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _ready(server)
    restarts = server.log.read_text().count("code changed, restarting")
    monkeypatch.setattr(warm, "PROJECT", Path("/elsewhere/dataops"))
    assert warm.run_cli("x.yaml", []) is None
    assert capsys.readouterr().err == (
        f"note: the warm run server on {server.path} serves {PROJECT}, not /elsewhere/dataops; this run starts cold\n"
    )
    assert warm.status(server.path) == server.pid
    assert server.log.read_text().count("code changed, restarting") == restarts


# --- other names of the same Python, malformed requests -----------------------------------------


def test_a_client_on_another_name_of_the_same_python_is_served(server: Server, probe: Path) -> None:
    script = Path(sys.executable).with_name("dataops")
    if not script.exists():
        pytest.skip("no dataops script beside the interpreter")
    shebang = script.read_text().splitlines()[0].removeprefix("#!").strip()
    if shebang == sys.executable or os.path.realpath(shebang) != os.path.realpath(sys.executable):
        pytest.skip(f"the dataops script runs {shebang}, not another name of {sys.executable}")
    _ready(server)
    result = subprocess.run(
        [sys.executable, "-m", "dataops.cli.main", "run", "flowcharts/sales_by_city.yaml", "--set", "nodot=1"],
        cwd=probe,
        env={**os.environ, "PYTHONPATH": str(PROJECT)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    try:
        assert result.returncode == 2
        assert STALE_NOTE not in result.stderr
        assert _imports(probe)[-1]["ppid"] == server.pid
    finally:
        _ready(server)


def test_malformed_requests_leak_no_descriptors(server: Server) -> None:
    _ready(server)
    fds = Path(f"/proc/{server.pid}/fd")
    time.sleep(0.5)  # the status probes' connections are closed
    before = len(list(fds.iterdir()))
    with open(os.devnull, "rb") as null:
        for _ in range(5):
            with warm._connect(server.path) as connection:
                socket.send_fds(connection, [struct.pack("!I", 10)], [null.fileno()])  # 1 descriptor, not 3
                assert connection.recv(16) == b""
    _ready(server)
    time.sleep(0.5)
    assert len(list(fds.iterdir())) == before


def test_a_request_that_is_not_an_object_is_ignored(private_socket: Path) -> None:
    server = _start(private_socket)
    body = b"[]"
    with open(os.devnull, "rb") as null, warm._connect(server.path) as connection:
        socket.send_fds(connection, [struct.pack("!I", len(body))], [null.fileno()] * 3)
        connection.sendall(body)
        assert connection.recv(16) == b""
    time.sleep(1.0)
    assert warm.status(server.path) == server.pid


# --- `dataops dev` ----------------------------------------------------------------------------


def test_dataops_dev_runs_a_warm_server_for_its_session(probe: Path, private_socket: Path) -> None:
    from tests.support.dagster_server import dagster_dev

    shutil.copy(PROJECT / "workspace.yaml", probe / "workspace.yaml")
    env = {k: v for k, v in os.environ.items() if k.startswith(("DATAOPS_", "DAGSTER_HOME", "WARM_PROBE"))}
    with dagster_dev(env, probe / "dev.log", cwd=probe, via_dataops=True) as running:
        running.wait_for_jobs({"probe"})
        _wait(lambda: warm.status(private_socket) is not None, 60, "dataops dev's warm run server")
        pid = warm.status(private_socket)
        result = dataops("run", "flowcharts/probe.yaml", cwd=probe)
        assert result.returncode == 0, result.stderr
        who = json.loads((probe / "who.json").read_text())
        assert who["ppid"] == pid  # the node ran in a child of dev's server
    _wait(lambda: not _alive(pid), 30, "the warm run server to stop with dataops dev")
    assert warm.status(private_socket) is None
    assert not private_socket.exists()
