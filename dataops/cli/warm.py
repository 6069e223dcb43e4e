"""A warm run server: `dataops run` without paying for the imports each time.

Importing pandas, pyarrow, DuckDB, Dagster and its storage layer takes about 1.7 s on two
cores, more than the whole pandas script that `dataops run` is compared with at 1M rows
(docs/benchmarks.md). The server imports them once and then forks a child per run: the
child takes over the client's terminal (its stdin, stdout and stderr travel over the Unix
socket as file descriptors), working directory and environment, runs the ordinary
`dataops run` code and reports the exit code. Runs stay separate processes (a crash or a
leak in one run cannot reach the next), write to the same Dagster instance and show the
same output; only the imports are shared.

    dataops warm start      # in the background (`dataops dev` starts one for its session)
    dataops warm status
    dataops warm stop

`dataops run` uses a running server when there is one and runs in its own process otherwise
(or always, with DATAOPS_WARM=off). The server serves one user: the socket lives in a folder
only that user can open, and a connection from another uid is refused. When the project's
code or installed packages change, the server notices at the next request, restarts itself
on the new code and that run goes cold.

The client side of this file imports only the standard library: it is on every run's path.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import struct
import sys
import sysconfig
import time
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]
PACKAGES = ("dataops", "dataops_defs", "module_library", "adapters")
MAX_REQUEST = 4 << 20
_in_server = False  # set in a run's child: its `dataops run` executes right there


def socket_path() -> Path:
    """$DATAOPS_WARM_SOCKET, else one socket per user, Python and project checkout."""
    chosen = os.environ.get("DATAOPS_WARM_SOCKET")
    if chosen:
        return Path(chosen)
    base = Path(os.environ.get("XDG_RUNTIME_DIR") or f"/tmp/dataops-{os.getuid()}")
    key = hashlib.sha256(f"{_interpreter()}\0{PROJECT}".encode()).hexdigest()[:12]
    return base / f"warm-{key}.sock"


def _interpreter() -> str:
    """This Python, whichever name started it (`python`, `python3.11`, a script's shebang)."""
    return f"{sys.prefix}\0{os.path.realpath(sys.executable)}"


def fingerprint() -> str:
    """Changes when the project's code or the installed packages change (about 2 ms)."""
    digest = hashlib.sha256(_interpreter().encode())
    for package in PACKAGES:
        for file in sorted((PROJECT / package).rglob("*.py")):
            stat = file.stat()
            digest.update(f"{file}\0{stat.st_mtime_ns}\0{stat.st_size}\n".encode())
    for folder in {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}:
        digest.update(f"{folder}\0{os.stat(folder).st_mtime_ns}\n".encode())  # pip adds or removes a dist-info
    return digest.hexdigest()


# --- client -----------------------------------------------------------------------------


def enabled() -> bool:
    """False when DATAOPS_WARM says off (off, 0, false, no)."""
    return os.environ.get("DATAOPS_WARM", "").lower() not in ("off", "0", "false", "no")


def run_warm(argv: list[str]) -> int | None:
    """Run `dataops ARGV` in the warm server; None when there is none (the caller runs cold)."""
    if _in_server or not enabled():
        return None
    try:
        connection = _connect(socket_path())
    except OSError:
        return None
    with connection:
        request = {
            "argv": argv,
            "cwd": os.getcwd(),
            "env": dict(os.environ),
            "project": str(PROJECT),
            "fingerprint": fingerprint(),
            "encoding": sys.stdout.encoding,
        }
        _send(connection, request, fds=[0, 1, 2])
        reader = connection.makefile("rb")
        hello = _receive(reader)
        if hello is None or "pid" not in hello:  # the server restarts on new code: this run goes cold
            if hello and hello.get("stale"):
                print("note: the warm run server is restarting on changed code; this run starts cold", file=sys.stderr)
            elif hello and hello.get("project"):
                print(
                    f"note: the warm run server on {socket_path()} serves {hello['project']}, not {PROJECT}; "
                    "this run starts cold",
                    file=sys.stderr,
                )
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


def _reply(connection: socket.socket, message: dict) -> None:
    connection.sendall(json.dumps(message).encode() + b"\n")


# --- server -----------------------------------------------------------------------------


def warm_up() -> None:
    """Import what every run imports (about 1.7 s), so that forked children start with it."""
    import duckdb  # noqa: F401
    import pyarrow.compute
    import pyarrow.csv
    import pyarrow.ipc  # noqa: F401
    from dagster._core.execution.api import execute_run  # noqa: F401
    from dagster._core.storage import sqlite_storage  # noqa: F401
    from dagster._utils.test import definitions  # noqa: F401  (imported by every reconstructable job)

    import dataops.cli.progress
    import dataops.cli.run  # noqa: F401
    import dataops_defs.standalone  # noqa: F401
    import module_library.builtin  # noqa: F401  (only these: each run loads the entry points and plugin files itself)

    try:
        import dagster_postgres  # noqa: F401
    except ImportError:
        pass


def serve(path: Path) -> None:
    """Accept runs until SIGTERM/SIGINT; a changed fingerprint re-executes the server."""
    started = time.perf_counter()
    warm_up()
    known = fingerprint()
    listener = _listen(path)
    print(
        f"dataops warm run server: pid {os.getpid()}, {path}, warm in {time.perf_counter() - started:.1f} s", flush=True
    )
    stopping: list[bool] = []

    def stop(signum: int, frame: object) -> None:
        stopping.append(True)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    listener.settimeout(0.5)
    restart = False
    try:
        while not stopping:
            _reap()
            try:
                connection, _ = listener.accept()
            except (TimeoutError, InterruptedError):
                continue
            with connection:
                restart = _handle(connection, known, listener)
            if restart:
                break
    finally:
        listener.close()
        if _owns(path):
            path.unlink(missing_ok=True)
    if restart:
        print("dataops warm run server: code changed, restarting", flush=True)
        command = server_command(path)
        os.execv(command[0], command)


def _listen(path: Path) -> socket.socket:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.parent.stat().st_uid != os.getuid():
        raise SystemExit(f"error: {path.parent} belongs to another user; set DATAOPS_WARM_SOCKET elsewhere")
    if path.exists():
        try:
            _connect(path).close()
        except OSError:
            path.unlink()  # left by a server that was killed
        else:
            raise SystemExit(f"error: a warm run server is already listening on {path}")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    os.chmod(path, 0o600)
    listener.listen(16)
    _owned.add((path.stat().st_ino, str(path)))
    return listener


_owned: set[tuple[int, str]] = set()


def _owns(path: Path) -> bool:
    try:
        return (path.stat().st_ino, str(path)) in _owned
    except FileNotFoundError:
        return False


def _handle(connection: socket.socket, known: str, listener: socket.socket) -> bool:
    """Fork a child for one request; True when the code changed and the server must restart."""
    connection.settimeout(10)
    if _peer(connection)[1] != os.getuid():
        return False
    fds: list[int] = []
    try:
        head, fds, _, _ = socket.recv_fds(connection, 4, 3)
        size = struct.unpack("!I", head)[0]
        if len(head) != 4 or len(fds) != 3 or size > MAX_REQUEST:
            raise ValueError("malformed request")
        body = b""
        while len(body) < size:
            chunk = connection.recv(size - len(body))
            if not chunk:
                raise ValueError("truncated request")
            body += chunk
        request = json.loads(body)
        if not isinstance(request, dict):
            raise ValueError("malformed request")
    except (OSError, ValueError, struct.error):
        for fd in fds:
            os.close(fd)
        return False
    try:
        if request.get("project") != str(PROJECT):  # another checkout on a shared DATAOPS_WARM_SOCKET
            _reply(connection, {"project": str(PROJECT)})
            return False
        if request.get("fingerprint") != known:
            _reply(connection, {"stale": True})
            return True
        connection.settimeout(None)
        pid = os.fork()
        if pid == 0:
            listener.close()
            _child(connection, request, fds)  # never returns
    finally:
        for fd in fds:
            os.close(fd)
    return False


def _child(connection: socket.socket, request: dict, fds: list[int]) -> None:
    global _in_server
    _in_server = True
    code = 1
    try:
        os.setpgid(
            0, 0
        )  # Ctrl-C in the server's terminal (`dataops dev`) is not this run's; its client forwards its own
        signal.signal(signal.SIGINT, signal.default_int_handler)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
        for fd in fds:
            if fd > 2:
                os.close(fd)
        _reopen_std_streams(request.get("encoding") or "utf-8")
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        _reply(connection, {"pid": os.getpid()})
        _exit_with_client(connection)
        code = _run_command(request["argv"])
    except KeyboardInterrupt:
        code = 130
    except BaseException as exc:  # report, never fall back into the server's loop
        print(f"error: the warm run server failed: {exc!r}", file=sys.stderr)
    finally:
        try:
            sys.stdout.flush()
            sys.stderr.flush()
            _reply(connection, {"exit": code})
        finally:
            os._exit(code)


def _reopen_std_streams(encoding: str) -> None:
    import io

    for fd, name in ((0, "stdin"), (1, "stdout"), (2, "stderr")):
        mode = "rb" if fd == 0 else "wb"
        raw = os.fdopen(fd, mode, buffering=-1 if fd != 2 else 0, closefd=False)
        stream = io.TextIOWrapper(
            raw if fd != 2 else io.BufferedWriter(raw),
            encoding=encoding,
            errors="backslashreplace" if fd == 2 else "strict",
            line_buffering=fd != 0 and os.isatty(fd),
            write_through=fd == 2,
        )
        setattr(sys, name, stream)
        setattr(sys, f"__{name}__", stream)


def _exit_with_client(connection: socket.socket) -> None:
    """A client that goes away (killed, terminal closed) interrupts its run."""
    import threading

    def watch() -> None:
        try:
            while connection.recv(1):
                pass
        except OSError:
            pass
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=watch, name="dataops-warm-client", daemon=True).start()


def _run_command(argv: list[str]) -> int:
    """`dataops ARGV` exactly as the `dataops` entry point runs it; its exit code."""
    from dataops.cli.main import cli
    from dataops.settings import get_settings

    get_settings.cache_clear()  # the client's environment, not the server's
    sys.argv = ["dataops", *argv]
    try:
        cli(argv)
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


def _reap() -> None:
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


# --- `dataops warm start|stop|status` --------------------------------------------------


def status(path: Path) -> int | None:
    """The server's pid when one answers on `path`."""
    try:
        connection = _connect(path)
    except OSError:
        return None
    with connection:
        return _peer(connection)[0]


def server_command(path: Path | None = None) -> list[str]:
    """The command that runs a server in the foreground (on the default socket without `path`)."""
    return [sys.executable, "-m", "dataops.cli.warm", *([str(path)] if path else [])]


def start(path: Path, timeout: float = 60.0) -> int:
    """Start a server in the background and wait until it answers; its pid."""
    running = status(path)
    if running is not None:
        return running
    import subprocess

    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    log = path.with_suffix(".log")
    with log.open("ab") as out:
        process = subprocess.Popen(
            server_command(path),
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # outlives the terminal that started it
            cwd=PROJECT,
        )
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            tail = log.read_text(errors="replace").strip().splitlines()[-5:]
            raise SystemExit("error: the warm run server did not start:\n" + "\n".join(tail))
        pid = status(path)
        if pid is not None:
            return pid
        time.sleep(0.05)
    process.terminate()
    raise SystemExit(f"error: the warm run server did not answer within {timeout:.0f} s (log: {log})")


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


if __name__ == "__main__":  # through the package's module, so that a run's child sees `_in_server`
    from dataops.cli import warm

    warm.serve(Path(sys.argv[1]) if len(sys.argv) > 1 else warm.socket_path())
