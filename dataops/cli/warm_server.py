"""The warm run server: one process that has imported what runs import, forking a child per run.

    dataops warm start      # in the background (`dataops dev` starts one for its session)
    dataops warm status
    dataops warm stop
    python -m dataops.cli.warm_server [SOCKET] [--idle SECONDS]    # in the foreground

Its client is `dataops/warm_client.py` (standard library only), used by `dataops run` and by the
run launcher (`dataops_defs/launcher.py`), so one server serves the terminal and every launch
through the Dagster instance. A child starts as a cold process would:

- `dataops run`: the client's descriptors, working directory, environment, `sys.path` and
  `sys.argv`; then the same function the `dataops run` command calls (`dataops.cli.run`).
- a launch: `dagster api execute_run ARGS` with the launcher's output descriptors, in the
  code location's working directory with the launcher's environment, and the `sys.path` that
  `python -m dagster` started there would have (that directory, then $PYTHONPATH, then the
  interpreter's own entries).

Nothing that starts threads (a DuckDB connection, a SQLite pool) exists before the fork, and the
server imports no project module that reads flowcharts or plugins: each child loads those. When
the project's code or the installed packages change (checked at each request and every couple of
seconds while idle), the server re-executes itself on the new code.
"""

from __future__ import annotations

import argparse
import importlib
import io
import json
import os
import signal
import socket
import struct
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from dataops import warm_client as client

CHECK_EVERY = 2.0  # seconds between fingerprint checks while idle


def warm_up() -> None:
    """Import what every run imports (about 2.5 s), so that forked children start with it.

    A project module that fails to import (a half-saved edit) is left out: each child imports it
    again and fails, or not, as a cold process would.
    """
    import duckdb  # noqa: F401
    import pandas  # noqa: F401  (the project imports it lazily; pandas plugins and pyarrow load it, 0.4-1 s)
    import pyarrow.compute
    import pyarrow.csv
    import pyarrow.ipc  # noqa: F401
    from dagster._cli import main  # noqa: F401  (`dagster api execute_run`, what launched runs execute)
    from dagster._core.storage import sqlite_storage  # noqa: F401
    from dagster._utils.test import definitions  # noqa: F401  (imported by every reconstructable job)

    try:
        import dagster_postgres  # noqa: F401
    except ImportError:
        pass
    # Apprise imports its ~130 notification plugins on the first URL it parses (0.4–0.5 s): the
    # validation of a flowchart's `notify` and the notification after the run both parse one.
    from apprise.plugins import N_MGR

    N_MGR.load_modules()
    # Only these of the project: each run loads the entry points, plugin files and flowcharts itself.
    # Nothing of `dataops_defs`: importing that package builds the definitions from the flowcharts
    # folder, which a run must do itself (new flowcharts, the version pinned for a re-execution).
    for name in ("module_library.builtin", "adapters", "dataops.cli.progress", "dataops.cli.run"):
        try:
            importlib.import_module(name)
        except Exception as exc:
            print(f"dataops warm run server: not preloading {name}: {exc!r}", flush=True)
    built = [name for name in sys.modules if name == "dataops_defs" or name.startswith("dataops_defs.")]
    if built:  # something imported them anyway: forget them, every child imports them afresh
        print(f"dataops warm run server: forgetting {len(built)} dataops_defs modules", flush=True)
        for name in built:
            del sys.modules[name]


@dataclass
class Server:
    """One listening socket and what it must remember: no module-level state."""

    path: Path
    idle: float  # seconds without a run before exiting; 0: never
    base_path: list[str]  # sys.path as the interpreter set it up, before any import
    base_pythonpath: list[str]
    known: str = ""
    children: set[int] = field(default_factory=set)
    listener: socket.socket | None = None
    stopping: list[bool] = field(default_factory=list)

    def serve(self) -> None:
        """Accept runs until SIGTERM/SIGINT or idleness; changed code re-executes the server."""
        started = time.perf_counter()
        self.known = client.fingerprint()  # before the imports: a file edited meanwhile makes it stale
        warm_up()
        self.listener = _listen(self.path)
        inode = self.path.stat().st_ino
        print(
            f"dataops warm run server: pid {os.getpid()}, {self.path}, warm in {time.perf_counter() - started:.1f} s",
            flush=True,
        )
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        self.listener.settimeout(0.5)
        restart = False
        last_run = last_check = time.monotonic()
        try:
            while not self.stopping and not restart:
                self._reap()
                now = time.monotonic()
                if self.children:
                    last_run = now
                if self.idle and now - last_run > self.idle:
                    print(f"dataops warm run server: idle for {self.idle:.0f} s, exiting", flush=True)
                    break
                if now - last_check > CHECK_EVERY:
                    last_check = now
                    restart = client.fingerprint() != self.known
                    if restart:
                        break
                try:
                    connection, _ = self.listener.accept()
                except (TimeoutError, InterruptedError):
                    continue
                with connection:
                    restart = self._handle(connection)
                last_run = time.monotonic()
        finally:
            self.listener.close()
            if _owns(self.path, inode):
                self.path.unlink(missing_ok=True)
        if restart:
            print("dataops warm run server: code changed, restarting", flush=True)
            command = client.server_command(self.path, self.idle)
            os.execv(command[0], command)

    def _stop(self, signum: int, frame: object) -> None:
        self.stopping.append(True)

    def _reap(self) -> None:
        while self.children:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                self.children.clear()
                return
            if pid == 0:
                return
            self.children.discard(pid)

    def _handle(self, connection: socket.socket) -> bool:
        """Fork a child for one request; True when the code changed and the server must restart."""
        connection.settimeout(10)
        if client._peer(connection)[1] != os.getuid():
            return False
        request, fds = _read_request(connection)
        if request is None:
            return False
        try:
            if request.get("project") != str(client.PROJECT):  # another checkout on a shared DATAOPS_WARM_SOCKET
                _reply(connection, {"project": str(client.PROJECT)})
                return False
            if request.get("fingerprint") != self.known or client.fingerprint() != self.known:
                _reply(connection, {"stale": True})
                return True
            kind = request.get("kind")
            if kind == "launch":
                problem = _launch_problem(request)
                if problem:
                    _reply(connection, {"error": problem})
                    return False
            elif kind != "run":
                _reply(connection, {"error": f"unknown request {kind!r}"})
                return False
            connection.settimeout(None)
            pid = os.fork()
            if pid == 0:
                self._child(connection, request, fds)  # never returns
            self.children.add(pid)
        finally:
            for fd in fds:
                os.close(fd)
        return False

    def _child(self, connection: socket.socket, request: dict, fds: list[int]) -> None:
        code = 1
        launch = request["kind"] == "launch"
        try:
            assert self.listener is not None
            self.listener.close()
            os.setpgid(0, 0)  # Ctrl-C in the server's terminal (`dataops dev`) is not this run's
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
            if launch:
                sys.path[:] = self._cold_path(request["cwd"], request["env"])
            else:
                sys.path[:] = request["sys_path"]
                sys.argv[:] = request["argv"]
            importlib.invalidate_caches()
            _reply(connection, {"pid": os.getpid()})
            if launch:
                connection.close()  # the launcher only waits for the pid
                code = _execute_run(request["execute_run"])
                _after_run(request["run_id"])
            else:
                _exit_with_client(connection)
                code = _run(request["file"], request["overrides"])
        except KeyboardInterrupt:
            code = 130
        except BaseException as exc:  # report, never fall back into the server's loop
            print(f"error: the warm run server failed: {exc!r}", file=sys.stderr)
        finally:
            try:
                sys.stdout.flush()
                sys.stderr.flush()
                if not launch:
                    _reply(connection, {"exit": code})
            finally:
                os._exit(code)

    def _cold_path(self, cwd: str, env: dict[str, str]) -> list[str]:
        """`sys.path` of `python -m dagster` started in `cwd` with `env`: cwd, $PYTHONPATH, the rest."""
        own = set(self.base_pythonpath)
        tail = [entry for entry in self.base_path[1:] if entry not in own]
        extra = [os.path.abspath(os.path.join(cwd, p)) for p in env.get("PYTHONPATH", "").split(os.pathsep) if p]
        return list(dict.fromkeys([cwd, *extra, *tail]))


def _launch_problem(request: dict) -> str | None:
    """Why a launch request cannot be served here (the launcher then launches cold)."""
    if not isinstance(request.get("execute_run"), str) or not isinstance(request.get("run_id"), str):
        return "no execute_run arguments"
    executable = request.get("executable")
    if not executable or os.path.realpath(executable) != os.path.realpath(sys.executable):
        return f"the run's Python is {executable}, the server's {sys.executable}"
    if not os.path.isdir(request.get("cwd", "")):
        return f"no such working directory: {request.get('cwd')}"
    return None


def _read_request(connection: socket.socket) -> tuple[dict | None, list[int]]:
    fds: list[int] = []
    try:
        head, fds, _, _ = socket.recv_fds(connection, 4, 3)
        size = struct.unpack("!I", head)[0]
        if len(head) != 4 or len(fds) != 3 or size > client.MAX_REQUEST:
            raise ValueError("malformed request")
        body = b""
        while len(body) < size:
            chunk = connection.recv(size - len(body))
            if not chunk:
                raise ValueError("truncated request")
            body += chunk
        request = json.loads(body)
        if not isinstance(request, dict) or not isinstance(request.get("env"), dict):
            raise ValueError("malformed request")
    except (OSError, ValueError, struct.error):
        for fd in fds:
            os.close(fd)
        return None, []
    return request, fds


def _reply(connection: socket.socket, message: dict) -> None:
    connection.sendall(json.dumps(message).encode() + b"\n")


def _execute_run(arguments: str) -> int:
    """`dagster api execute_run ARGUMENTS`, as Dagster's container launchers start it."""
    from dagster._cli import main

    sys.argv[:] = ["dagster", "api", "execute_run", arguments]
    try:
        main()
    except SystemExit as exc:
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return 0


def _after_run(run_id: str) -> None:
    """The run ended: send its notifications from here, at once (`dataops_defs.automation.notify`)."""
    try:
        import dagster as dg

        from dataops_defs.automation.notify import notify_after_run

        with dg.DagsterInstance.get() as instance:
            notify_after_run(instance, run_id)
    except Exception as exc:  # the daemon's notification sensors are the backstop
        print(f"dataops: notification after run {run_id} failed: {exc!r}", file=sys.stderr, flush=True)


def _run(file: str, overrides: list[str]) -> int:
    """`dataops run FILE --set ...`, exactly what the command (`dataops.cli.main`) does in a cold process."""
    import click

    from dataops.cli.run import run_file
    from dataops.errors import DataOpsError
    from dataops.settings import get_settings

    get_settings.cache_clear()  # the client's environment, not the server's
    try:
        return run_file(Path(file), overrides)
    except DataOpsError as exc:  # as the `dataops` entry point reports it
        click.echo(f"error: {exc}", err=True)
        return 1


def _listen(path: Path) -> socket.socket:
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    if path.parent.stat().st_uid != os.getuid():
        raise SystemExit(f"error: {path.parent} belongs to another user; set DATAOPS_WARM_SOCKET elsewhere")
    if path.exists():
        try:
            client._connect(path).close()
        except OSError:
            path.unlink()  # left by a server that was killed
        else:
            raise SystemExit(f"error: a warm run server is already listening on {path}")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listener.bind(str(path))
    os.chmod(path, 0o600)
    listener.listen(64)
    return listener


def _owns(path: Path, inode: int) -> bool:
    """The socket file is still the one this server bound (a newer server may have replaced it)."""
    try:
        return path.stat().st_ino == inode
    except FileNotFoundError:
        return False


def _reopen_std_streams(encoding: str) -> None:
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

    def watch() -> None:
        try:
            while connection.recv(1):
                pass
        except OSError:
            pass
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=watch, name="dataops-warm-client", daemon=True).start()


def main(argv: list[str] | None = None) -> None:
    base_path = list(sys.path)  # before any import: what a cold `python -m` would start with
    parser = argparse.ArgumentParser(prog="python -m dataops.cli.warm_server", description=__doc__.splitlines()[0])
    parser.add_argument("socket", nargs="?", type=Path, help="socket path (default: the user's, for this checkout)")
    parser.add_argument("--idle", type=float, default=0.0, help="exit after this many seconds without a run")
    args = parser.parse_args(argv)
    pythonpath = [os.path.abspath(p) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    Server(args.socket or client.socket_path(), args.idle, base_path, pythonpath).serve()


if __name__ == "__main__":
    main()
