"""Which process executes a run, recorded as a run tag, so that run monitoring can tell whether
that process still exists.

`dataops run` executes its run in its own process, which no run launcher started, so Dagster
has nothing to ask when that process dies (`kill -9`, the OOM killer, an abort): the run would
stay STARTED and keep its queue slot forever. The tag names the host and the pid, and, because
pids are reused, the process's start time; the boot id and pid namespace say whether a process
reading the tag sees the same process table. The tag names its run too: re-executions and the
launchpad copy a run's tags into new runs, which other processes execute.
Standard library only: any process can write it.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from enum import Enum
from typing import NamedTuple

WORKER_TAG = "dataops/run_worker"


class Health(Enum):
    ALIVE = "alive"
    GONE = "gone"
    UNSEEN = "unseen"  # on another machine or in another container: this process cannot tell


class Verdict(NamedTuple):
    health: Health
    message: str


@dataclass(frozen=True)
class RunWorker:
    """The process executing `run_id`; `started` is its start time in clock ticks after boot (None without /proc)."""

    run_id: str
    host: str
    pid: int
    started: int | None
    boot: str | None
    pid_namespace: str | None
    command: str = "dataops run"

    @classmethod
    def this_process(cls, run_id: str, command: str = "dataops run") -> RunWorker:
        host, boot, namespace = _machine()
        pid = os.getpid()
        return cls(run_id, host, pid, _start_ticks(pid), boot, namespace, command)

    @classmethod
    def of_process(cls, run_id: str, pid: int, command: str) -> RunWorker:
        """Another process of this machine (a run process the warm run server forked)."""
        host, boot, namespace = _machine()
        return cls(run_id, host, pid, _start_ticks(pid), boot, namespace, command)

    @classmethod
    def of_run(cls, run_id: str, tags: Mapping[str, str]) -> RunWorker | None:
        """The worker that the run's tags name; None without the tag, with a mangled one, or with
        one copied from another run."""
        try:
            worker = cls(**json.loads(tags[WORKER_TAG]))
        except (KeyError, TypeError, ValueError):
            return None
        if worker.run_id != run_id or not isinstance(worker.pid, int) or worker.pid <= 0:
            return None
        return worker

    def tags(self) -> dict[str, str]:
        return {WORKER_TAG: json.dumps(asdict(self), separators=(",", ":"))}

    def check(self) -> Verdict:
        """Whether this worker still runs, as far as the calling process can see."""
        host, boot, namespace = _machine()
        process = f"the {self.command} process (pid {self.pid})"
        gone = f"{process} exited without finishing the run (killed, out of memory or aborted)"
        if self.host != host:
            return Verdict(Health.UNSEEN, f"{process} runs on {self.host}; it is checked only there")
        if self.boot != boot:
            return Verdict(Health.GONE, f"{gone}: {self.host} restarted since")
        if self.pid_namespace != namespace:
            return Verdict(Health.UNSEEN, f"{process} runs in another container of {self.host}")
        stat = _stat(self.pid)
        if stat is None:
            if _exists(self.pid):  # /proc hides it (hidepid) or there is no /proc: cannot compare
                return Verdict(Health.ALIVE, f"{process} is running")
            return Verdict(Health.GONE, gone)
        state, started = stat
        if self.started is not None and started != self.started:
            return Verdict(Health.GONE, f"{gone}; pid {self.pid} now belongs to another process")
        if state in (b"Z", b"X"):  # dead, not yet reaped by its parent
            return Verdict(Health.GONE, gone)
        return Verdict(Health.ALIVE, f"{process} is running")


def _stat(pid: int) -> tuple[bytes, int] | None:
    """State and start time (fields 3 and 22) of /proc/PID/stat, counted after the command name,
    which may hold spaces and parentheses."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            fields = stat.read().rpartition(b")")[2].split()
    except OSError:
        return None
    return fields[0], int(fields[19])


def _start_ticks(pid: int) -> int | None:
    stat = _stat(pid)
    return None if stat is None else stat[1]


def _machine() -> tuple[str, str | None, str | None]:
    """Host name, boot id and pid namespace: equal for two processes that see the same process table."""
    try:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as file:
            boot: str | None = file.read().strip()
        namespace: str | None = os.readlink("/proc/self/ns/pid")
    except OSError:
        boot = namespace = None
    return socket.gethostname(), boot, namespace


def _exists(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True
