"""`dataops dev`: `dagster dev` on this project, with the project root as DAGSTER_HOME by default
(deploy/ when DATAOPS_POSTGRES_URL is set, see `dataops.cli.instance`), the flowchart editor
beside it, the warm run server that every run forks from (unless one is running), a watcher that
reloads the code location when flowcharts or plugin modules change, and one that launches watched
files the moment they are complete (`dataops.hotplug`).

Ctrl-C, SIGTERM or SIGHUP stop them all within a few seconds: every process of the tree gets
SIGINT (as a terminal's Ctrl-C would deliver it), and whatever still runs after `GRACE` seconds is
killed, so nothing is left holding the ports. Each child runs in a process group of its own, so
only this process decides what they get.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from dataops import warm_client as warm
from dataops.cli.instance import instance_env
from dataops.hotplug import start_inbox_watcher, start_watcher
from dataops.settings import get_settings

GRACE = 5.0  # seconds the tree has to stop on SIGINT before it is killed


class _Stop(Exception):
    """A signal asked `dataops dev` to stop."""


def start_dev(extra: list[str]) -> int:
    settings = get_settings()
    env = dict(os.environ)
    env.update(instance_env(settings, Path.cwd()))
    env.setdefault("DATAOPS_DAGSTER_URL", _dagster_url(extra))
    url = env["DATAOPS_DAGSTER_URL"]
    children: list[subprocess.Popen[bytes]] = []

    def spawn(command: list[str]) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(command, env=env, start_new_session=True)
        children.append(process)
        return process

    previous = {sig: signal.signal(sig, _raise_stop) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    stoppers = []
    server: list[subprocess.Popen[bytes]] = []

    def keep_warm() -> None:
        """A warm run server for the session: ours, or one already running (which may exit when idle)."""
        if warm.enabled() and warm.status(warm.socket_path()) is None and not (server and server[-1].poll() is None):
            server.append(spawn(warm.server_command()))

    try:
        keep_warm()  # first: its imports overlap dagster dev's start-up
        spawn([sys.executable, "-m", "dataops.cli.main", "editor"])
        dagster = spawn([sys.executable, "-m", "dagster", "dev", "-w", "workspace.yaml", *extra])
        stoppers.append(start_watcher([settings.flowcharts, settings.plugins], url)[1])
        stoppers.append(
            start_inbox_watcher(
                url, settings.flowcharts, settings.plugins, settings.data_root_resolved, settings.settle_seconds
            )[1]
        )
        while dagster.poll() is None:
            time.sleep(1.0)
            keep_warm()
        return dagster.returncode
    except _Stop:
        return 0
    finally:
        for stop in stoppers:
            stop.set()
        for sig in previous:  # a second Ctrl-C during shutdown must not interrupt it
            signal.signal(sig, signal.SIG_IGN)
        shutdown(children)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _raise_stop(signum: int, frame: object) -> None:
    raise _Stop(signum)


def shutdown(children: list[subprocess.Popen[bytes]], grace: float = GRACE) -> None:
    """SIGINT to every process of the children's trees; SIGKILL to what still runs after `grace` s."""
    tree = _descendants([c.pid for c in children])
    _signal(tree, signal.SIGINT)
    deadline = time.monotonic() + grace
    while time.monotonic() < deadline:
        for child in children:
            child.poll()  # reap
        if not any(_alive(pid) for pid in tree):
            break
        time.sleep(0.05)
    survivors = [pid for pid in _descendants([c.pid for c in children if c.poll() is None]) + tree if _alive(pid)]
    _signal(survivors, signal.SIGKILL)
    for child in children:
        try:
            child.wait(timeout=5)
        except subprocess.TimeoutExpired:
            pass


def _signal(pids: list[int], sig: int) -> None:
    for pid in pids:
        try:
            os.kill(pid, sig)
        except (ProcessLookupError, PermissionError):
            pass


def _descendants(roots: list[int]) -> list[int]:
    """`roots` and every process below them (a parent-pid walk of /proc)."""
    parents: dict[int, list[int]] = {}
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as stat:
                ppid = int(stat.read().rpartition(b")")[2].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        parents.setdefault(ppid, []).append(int(entry))
    found: list[int] = []
    todo = list(roots)
    while todo:
        pid = todo.pop()
        if pid not in found:
            found.append(pid)
            todo.extend(parents.get(pid, []))
    return found


def _alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return stat.read().rpartition(b")")[2].split()[0] not in (b"Z", b"X")
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True


def _dagster_url(extra: list[str]) -> str:
    """Where `dagster dev` will listen, from its -h/--host and -p/--port arguments."""
    found = {"host": "127.0.0.1", "port": "3000"}
    for i, arg in enumerate(extra):
        for key, flags in (("host", ("-h", "--host")), ("port", ("-p", "--port"))):
            if arg in flags and i + 1 < len(extra):
                found[key] = extra[i + 1]
            elif arg.startswith(f"{flags[1]}="):
                found[key] = arg.split("=", 1)[1]
    host = "127.0.0.1" if found["host"] in ("0.0.0.0", "::", "") else found["host"]
    return f"http://{host}:{found['port']}"
