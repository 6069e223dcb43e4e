"""Run a command; kill its process group when the group's resident memory passes a limit.

    python -m bench.tpch.capped LIMIT_MIB COMMAND...

At SF 10 a runaway query must stop before it takes the shared machine down with it.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

PAGE = os.sysconf("SC_PAGE_SIZE")


def group_mib(group: int) -> float:
    """Resident memory of every process in process group `group`."""
    pages = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # the process ended meanwhile
        if int(fields[2]) == group:  # fields after the name: state, ppid, pgrp, ... rss is the 22nd
            pages += int(fields[21])
    return pages * PAGE / 2**20


def main(limit_mib: str, *command: str) -> int:
    child = subprocess.Popen(command, start_new_session=True)
    while child.poll() is None:
        if group_mib(child.pid) > float(limit_mib):
            os.killpg(child.pid, signal.SIGKILL)
            child.wait()
            print(f"stopped: resident memory passed {float(limit_mib) / 1024:g} GiB", flush=True)
            return 137
        time.sleep(0.25)
    return child.returncode


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:]))
