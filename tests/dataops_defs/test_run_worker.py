"""The run worker tag: a live process, a dead one, a zombie, a recycled pid, another machine."""

from __future__ import annotations

import dataclasses
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

from dataops_defs.run_worker import WORKER_TAG, Health, RunWorker


@pytest.fixture
def child() -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield process
    process.kill()
    process.wait()


def worker_of(process: subprocess.Popen[bytes], run_id: str = "r1") -> RunWorker:
    """The tag that `process` would have written: this machine's identity with its pid and start time."""
    here = RunWorker.this_process(run_id)
    with open(f"/proc/{process.pid}/stat", "rb") as stat:
        started = int(stat.read().rpartition(b")")[2].split()[19])
    return dataclasses.replace(here, pid=process.pid, started=started)


def test_this_process_is_alive_and_its_tag_round_trips() -> None:
    worker = RunWorker.this_process("r1")
    assert worker.pid == os.getpid() and worker.started is not None
    assert RunWorker.of_run("r1", worker.tags()) == worker
    assert worker.check() == (Health.ALIVE, f"the dataops run process (pid {os.getpid()}) is running")


def test_an_exited_process_is_gone(child: subprocess.Popen[bytes]) -> None:
    worker = worker_of(child)
    assert worker.check().health == Health.ALIVE
    child.kill()
    time.sleep(0.2)  # not reaped yet: a zombie, still in /proc with the same start time
    zombie = worker.check()
    child.wait()
    gone = f"the dataops run process (pid {child.pid}) exited without finishing the run"
    assert zombie == (Health.GONE, f"{gone} (killed, out of memory or aborted)")
    assert worker.check() == zombie


def test_a_recycled_pid_is_not_the_worker(child: subprocess.Popen[bytes]) -> None:
    # The pid exists, but the process holding it started at another time than the recorded one.
    worker = dataclasses.replace(worker_of(child), started=worker_of(child).started - 1)
    health, message = worker.check()
    assert health == Health.GONE
    assert message.endswith(f"(killed, out of memory or aborted); pid {child.pid} now belongs to another process")


def test_other_machines_and_containers_are_left_alone(child: subprocess.Popen[bytes]) -> None:
    worker = worker_of(child)
    child.send_signal(signal.SIGKILL)
    child.wait()
    elsewhere = dataclasses.replace(worker, host="other-host").check()
    assert elsewhere == (
        Health.UNSEEN,
        f"the dataops run process (pid {child.pid}) runs on other-host; it is checked only there",
    )
    container = dataclasses.replace(worker, pid_namespace="pid:[1]").check()
    assert container.health == Health.UNSEEN and "another container" in container.message
    rebooted = dataclasses.replace(worker, boot="another-boot").check()
    assert rebooted.health == Health.GONE and rebooted.message.endswith(f"{worker.host} restarted since")


def test_a_tag_of_another_run_or_mangled_is_ignored() -> None:
    tags = RunWorker.this_process("parent").tags()
    assert RunWorker.of_run("retry", tags) is None  # re-execution copied the parent's tags
    assert RunWorker.of_run("r1", {}) is None
    text_pid = '{"run_id": "r1", "host": "h", "pid": "1", "started": 1, "boot": null, "pid_namespace": null}'
    for mangled in ("{", "[]", '{"run_id": "r1"}', text_pid):
        assert RunWorker.of_run("r1", {WORKER_TAG: mangled}) is None
