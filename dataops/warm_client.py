"""The client of the warm run server: standard library only, because it is on every run's path.

Importing pandas, pyarrow, DuckDB, Dagster and its storage layer takes about 2 s on two cores,
more than the whole pandas script that `dataops run` is compared with at 1M rows. The warm run
server (`dataops/cli/warm_server.py`) has done those imports once and forks a child per run.
Two kinds of callers use this one server:

- `dataops run` (`run_cli`): the child takes over the client's stdin, stdout and stderr (passed
  as descriptors, `SCM_RIGHTS`), its working directory, environment and `sys.path`, runs the
  ordinary `dataops run` code and sends the exit code back.
- Dagster's run launcher (`launch`, from `dataops_defs.launcher`): the child runs
  `dagster api execute_run ARGS`, the command Dagster's container launchers start, with the
  launching process's output descriptors, and the launcher gets its pid.

Every run is still its own process. The server serves one user (the socket is in a folder only
that user can open; a peer of another uid is refused) and one checkout and Python. Each request
carries a fingerprint of the project's code and the installed packages; on a mismatch the server
re-executes itself on the new code and the request goes cold.

Where the platform lacks a piece (`SO_PEERCRED`, `SCM_RIGHTS`, `fork`: macOS, Windows),
`unsupported()` says which and every caller runs cold. `DATAOPS_WARM=off` bypasses the server.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import struct
import subprocess
import sys
import sysconfig
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[1]
PACKAGES = ("dataops", "dataops_defs", "module_library", "adapters")
MAX_REQUEST = 4 << 20
SERVER_MODULE = "dataops.cli.warm_server"
# A server that a `dataops run` started (no `dataops dev`, no `dataops warm start`) exits after
# this many idle seconds (DATAOPS_WARM_IDLE; 0 keeps it).
DEFAULT_IDLE = 900.0


class Unavailable(Exception):
    """No warm server can take this request; the message says why (the caller goes cold)."""


def unsupported() -> str | None:
    """Why this platform cannot fork runs from a warm server, or None when it can."""
    missing = [
        name
        for name, present in (
            ("AF_UNIX sockets", hasattr(socket, "AF_UNIX")),
            ("SO_PEERCRED", hasattr(socket, "SO_PEERCRED")),
            ("SCM_RIGHTS descriptor passing", hasattr(socket, "send_fds") and hasattr(socket, "SCM_RIGHTS")),
            ("fork", hasattr(os, "fork")),
        )
        if not present
    ]
    return f"{sys.platform} has no {', '.join(missing)}" if missing else None


def enabled() -> bool:
    """False when DATAOPS_WARM says off (off, 0, false, no) or the platform cannot fork runs."""
    return os.environ.get("DATAOPS_WARM", "").lower() not in ("off", "0", "false", "no") and unsupported() is None


def socket_path() -> Path:
    """$DATAOPS_WARM_SOCKET, else one socket per user, Python and project checkout."""
    chosen = os.environ.get("DATAOPS_WARM_SOCKET")
    if chosen:
        return Path(chosen)
    base = Path(os.environ.get("XDG_RUNTIME_DIR") or f"/tmp/dataops-{os.getuid()}")
    key = hashlib.sha256(f"{interpreter()}\0{PROJECT}".encode()).hexdigest()[:12]
    return base / f"warm-{key}.sock"


def interpreter() -> str:
    """This Python, whichever name started it (`python`, `python3.11`, a script's shebang)."""
    return f"{sys.prefix}\0{os.path.realpath(sys.executable)}"


def fingerprint() -> str:
    """Changes when the project's code or the installed packages change (about 2 ms)."""
    digest = hashlib.sha256(interpreter().encode())
    for package in PACKAGES:
        for file in sorted((PROJECT / package).rglob("*.py")):
            stat = file.stat()
            digest.update(f"{file}\0{stat.st_mtime_ns}\0{stat.st_size}\n".encode())
    for folder in {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}:
        digest.update(f"{folder}\0{os.stat(folder).st_mtime_ns}\n".encode())  # pip adds or removes a dist-info
    return digest.hexdigest()


# --- `dataops run` ---------------------------------------------------------------------------


def run_cli(file: str, overrides: list[str]) -> int | None:
    """`dataops run FILE --set ...` in the warm server; None when the caller must run it cold.

    Without a server the caller runs cold at once, then calls `start_for_next_runs`: waiting for
    a server to import everything costs more than this run importing what it needs, and starting
    one beside the run would halve its share of two cores.
    """
    if not enabled():
        return None
    path = socket_path()
    try:
        connection = _connect(path)
    except OSError:
        return None
    with connection:
        request = _request("run", {"file": file, "overrides": overrides})
        request["sys_path"] = list(sys.path)
        request["argv"] = list(sys.argv)
        _send(connection, request, fds=[0, 1, 2])
        reader = connection.makefile("rb")
        hello = _receive(reader)
        if hello is None or "pid" not in hello:
            _explain(hello, path)
            return None
        child = int(hello["pid"])
        forward = _forward_signals(child)
        try:
            outcome = _receive(reader)
        finally:
            forward()
    if outcome is None or "exit" not in outcome:
        print(f"error: the warm run server's process {child} ended without an exit code", file=sys.stderr)
        return 1
    return int(outcome["exit"])


def _idle_seconds() -> float | None:
    """DATAOPS_WARM_IDLE (seconds; 0: never exit); None when it says not to start a server."""
    raw = os.environ.get("DATAOPS_WARM_IDLE", "")
    if raw.lower() in ("off", "no", "false"):
        return None
    try:
        return max(0.0, float(raw)) if raw else DEFAULT_IDLE
    except ValueError:
        return DEFAULT_IDLE


def start_for_next_runs() -> None:
    """After a cold `dataops run`: start a server in the background for the runs that follow,
    without waiting for it; it exits after DATAOPS_WARM_IDLE idle seconds (default 900)."""
    idle = _idle_seconds()
    if not enabled() or idle is None:
        return
    path = socket_path()
    if status(path) is None and not _starting(path):
        _spawn(path, idle)


def _explain(hello: dict | None, path: Path) -> None:
    if hello and hello.get("stale"):
        print("note: the warm run server is restarting on changed code; this run starts cold", file=sys.stderr)
    elif hello and hello.get("project"):
        print(
            f"note: the warm run server on {path} serves {hello['project']}, not {PROJECT}; this run starts cold",
            file=sys.stderr,
        )


def _forward_signals(child: int):
    """Ctrl-C and `kill` of the client reach the run (the terminal only signals the client)."""

    def forward(signum: int, frame: object) -> None:
        try:
            os.kill(child, signum)
        except ProcessLookupError:
            pass

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}

    def restore() -> None:
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    return restore


# --- Dagster's run launcher ------------------------------------------------------------------


def launch(
    run_id: str, execute_run: str, executable: str, cwd: str, env: dict[str, str], timeout: float = 10.0
) -> tuple[int, int]:
    """`dagster api execute_run EXECUTE_RUN` (run `run_id`, Python `executable`) as a child of the warm server.

    Returns (run process pid, server pid). Raises `Unavailable` saying why when there is no
    usable server; the caller launches cold.
    """
    reason = unsupported()
    if reason:
        raise Unavailable(reason)
    if os.environ.get("DATAOPS_WARM", "").lower() in ("off", "0", "false", "no"):
        raise Unavailable("DATAOPS_WARM is off")
    path = socket_path()
    try:
        connection = _connect(path)
    except OSError as exc:
        raise Unavailable(f"no warm run server on {path} ({exc.strerror or exc})") from None
    with connection:
        connection.settimeout(timeout)
        server = _peer(connection)[0]
        request = _request("launch", {"run_id": run_id, "execute_run": execute_run, "executable": executable})
        request["cwd"], request["env"] = cwd, env
        with open(os.devnull, "rb") as null:
            _send(connection, request, fds=[null.fileno(), 1, 2])
        try:
            hello = _receive(connection.makefile("rb"))
        except (OSError, ValueError) as exc:
            raise Unavailable(f"the warm run server on {path} did not answer: {exc}") from None
    if hello and "pid" in hello:
        return int(hello["pid"]), server
    if hello and hello.get("stale"):
        raise Unavailable("the warm run server is restarting on changed code")
    if hello and hello.get("project"):
        raise Unavailable(f"the warm run server on {path} serves {hello['project']}, not {PROJECT}")
    raise Unavailable(f"the warm run server refused the run: {(hello or {}).get('error', 'no answer')}")


# --- the protocol ----------------------------------------------------------------------------


def _request(kind: str, fields: dict) -> dict:
    return {
        "kind": kind,
        "cwd": os.getcwd(),
        "env": dict(os.environ),
        "project": str(PROJECT),
        "fingerprint": fingerprint(),
        "encoding": getattr(sys.stdout, "encoding", None) or "utf-8",
        **fields,
    }


def _connect(path: Path) -> socket.socket:
    """A connection to a server of this user (the environment sent over it may hold secrets)."""
    connection = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        connection.settimeout(2.0)
        connection.connect(str(path))
        connection.settimeout(None)
        if _peer(connection)[1] != os.getuid():
            raise PermissionError(f"{path} is served by another user")
    except OSError:
        connection.close()
        raise
    return connection


def _peer(connection: socket.socket) -> tuple[int, int, int]:
    """pid, uid, gid of the process at the other end."""
    return struct.unpack("3i", connection.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i")))


def _send(connection: socket.socket, message: dict, fds: list[int] | None = None) -> None:
    body = json.dumps(message).encode()
    frame = struct.pack("!I", len(body)) + body
    if fds:
        socket.send_fds(connection, [frame[:4]], fds)
        connection.sendall(frame[4:])
    else:
        connection.sendall(frame)


def _receive(reader) -> dict | None:
    line = reader.readline()
    return json.loads(line) if line else None


# --- `dataops warm start|stop|status`, `dataops dev` ---------------------------------------------


def status(path: Path) -> int | None:
    """The server's pid when one answers on `path`."""
    try:
        connection = _connect(path)
    except OSError:
        return None
    with connection:
        return _peer(connection)[0]


def server_command(path: Path | None = None, idle: float = 0.0) -> list[str]:
    """The command that runs a server in the foreground (on the default socket without `path`)."""
    return [
        sys.executable,
        "-m",
        SERVER_MODULE,
        *([str(path)] if path else []),
        *(["--idle", str(idle)] if idle else []),
    ]


def start(path: Path, timeout: float = 60.0, idle: float = 0.0) -> int:
    """Start a server in the background and wait until it answers; its pid."""
    reason = unsupported()
    if reason:
        raise Unavailable(f"no warm run server here: {reason}")
    running = status(path)
    if running is not None:
        return running
    process = _spawn(path, idle)
    log = path.with_suffix(".log")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pid = status(path)  # another client started one first
            if pid is not None:
                return pid
            tail = log.read_text(errors="replace").strip().splitlines()[-5:]
            raise Unavailable("the warm run server did not start:\n" + "\n".join(tail))
        pid = status(path)
        if pid is not None:
            return pid
        time.sleep(0.02)
    process.terminate()
    raise Unavailable(f"the warm run server did not answer within {timeout:.0f} s (log: {log})")


def _spawn(path: Path, idle: float) -> subprocess.Popen[bytes]:
    """A server process in its own session (it outlives the terminal); its pid goes to a marker
    file, so that the runs right after this one do not start a second server while it warms up."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    with path.with_suffix(".log").open("ab") as out:
        process = subprocess.Popen(
            server_command(path, idle),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            cwd=PROJECT,
        )
    path.with_suffix(".starting").write_text(str(process.pid), encoding="ascii")
    return process


def _starting(path: Path) -> bool:
    """A server spawned for this socket is still alive (warming up, or listening)."""
    try:
        pid = int(path.with_suffix(".starting").read_text(encoding="ascii"))
        os.kill(pid, 0)
    except (OSError, ValueError):
        return False
    return True


def stop(path: Path, timeout: float = 10.0) -> int | None:
    """Stop the server on `path`; its pid, or None when none was running."""
    pid = status(path)
    if pid is None:
        return None
    os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and status(path) is not None:
        time.sleep(0.05)
    return pid
