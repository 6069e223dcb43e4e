"""`dataops dev`: `dagster dev` on this project, with the project root as DAGSTER_HOME by default
(deploy/ when DATAOPS_POSTGRES_URL is set, see `dataops.cli.instance`), the flowchart editor
beside it, a warm run server for `dataops run` in other terminals (unless one is running), and
a watcher that reloads the code location when flowcharts or plugin modules change; Ctrl-C stops
them all."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from dataops.cli import warm
from dataops.cli.instance import instance_env
from dataops.hotplug import start_watcher
from dataops.settings import get_settings


def start_dev(extra: list[str]) -> int:
    settings = get_settings()
    env = dict(os.environ)
    env.update(instance_env(settings, Path.cwd()))
    env.setdefault("DATAOPS_DAGSTER_URL", _dagster_url(extra))
    command = [sys.executable, "-m", "dagster", "dev", "-w", "workspace.yaml", *extra]
    editor = subprocess.Popen([sys.executable, "-m", "dataops.cli.main", "editor"], env=env)
    dagster = subprocess.Popen(command, env=env)
    wanted = warm.enabled() and warm.status(warm.socket_path()) is None
    server = subprocess.Popen(warm.server_command(), env=env) if wanted else None
    _, stop_watching = start_watcher([settings.flowcharts, settings.plugins], env["DATAOPS_DAGSTER_URL"])
    signal.signal(signal.SIGTERM, _interrupt)  # `kill` stops the children too, like Ctrl-C
    try:
        return dagster.wait()
    except KeyboardInterrupt:  # the terminal sent SIGINT to both; let them shut down cleanly
        return _wait(dagster, 30) or 0
    finally:
        stop_watching.set()
        _stop(editor)
        _stop(dagster)
        if server is not None:
            _stop(server)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


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


def _wait(process: subprocess.Popen[bytes], timeout: float) -> int | None:
    try:
        return process.wait(timeout=timeout)
    except (subprocess.TimeoutExpired, KeyboardInterrupt):
        return None


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGINT)  # dagster dev shuts its webserver, daemon and code server down on SIGINT
        if _wait(process, 20) is not None:
            return
        process.terminate()
        if _wait(process, 10) is None:
            process.kill()
            process.wait()
