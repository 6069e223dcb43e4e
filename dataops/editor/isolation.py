"""Run a reader in a child process, so that a file which aborts, crashes or exhausts it cannot take the editor down.

Native readers (calamine, Arrow) abort the whole process on an allocation they cannot make, and a
malformed file can make them ask for hundreds of gigabytes. The child is forked from a forkserver
that has the readers imported already (milliseconds instead of a fresh interpreter), its memory
is limited, and it is killed when it runs out of time.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.forkserver
import resource
import signal
import threading
import traceback
from collections.abc import Callable, Sequence
from multiprocessing.connection import Connection
from typing import Any

_CONTEXT = multiprocessing.get_context("forkserver")


class WorkerFailed(Exception):
    """The child died or was stopped; `reason` says how (crashed with a signal, out of memory, out of time)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def start_forkserver(preload: Sequence[str]) -> None:
    """Start the forkserver in the background with `preload` imported, so that no child imports them again.

    `__main__` is preloaded too, as multiprocessing does by default, so that a child does not run it.
    One forkserver serves the process: once it runs, a later `preload` has no effect.
    """
    _CONTEXT.set_forkserver_preload(["__main__", *preload])
    threading.Thread(target=multiprocessing.forkserver.ensure_running, name="forkserver", daemon=True).start()


def run_isolated(function: Callable[..., Any], *args: Any, seconds: float, memory: int) -> Any:
    """`function(*args)` in a child process with at most `memory` more bytes and `seconds`.

    `function` and its arguments must pickle (a module-level function, plain values). An exception
    it raises is our bug, raised here as RuntimeError with the child's traceback; a death, a
    MemoryError or the time running out is `WorkerFailed`.
    """
    receiver, sender = _CONTEXT.Pipe(duplex=False)
    process = _CONTEXT.Process(target=_child, args=(sender, memory, function, args), daemon=True)
    process.start()
    sender.close()
    answered = False
    try:
        answered = receiver.poll(seconds)
        outcome = _receive(receiver) if answered else None
    finally:
        if process.is_alive():
            process.kill()
        process.join()
        receiver.close()
    if not answered:
        raise WorkerFailed(f"took longer than {seconds:g} seconds and was stopped")
    if outcome is None:
        raise WorkerFailed(_death(process.exitcode))
    kind, value = outcome
    if kind == "memory":
        raise WorkerFailed(f"ran out of memory (the limit is {memory / 2**30:g} GiB)")
    if kind == "bug":
        raise RuntimeError(f"{getattr(function, '__qualname__', function)} failed in its child process:\n{value}")
    return value


def _receive(receiver: Connection) -> tuple[str, Any] | None:
    """The child's outcome; None when it died before sending one."""
    try:
        return receiver.recv()
    except EOFError:
        return None


def _death(exitcode: int | None) -> str:
    if exitcode == -signal.SIGKILL:
        return "was killed (SIGKILL), most likely by the system for using too much memory"
    if exitcode is not None and exitcode < 0:
        name = signal.Signals(-exitcode).name
        what = "aborted" if -exitcode == signal.SIGABRT else "crashed"
        return f"{what} ({name}), as a damaged file or one asking for more memory than allowed makes it do"
    return f"exited with status {exitcode} before answering"


def _child(sender: Connection, memory: int, function: Callable[..., Any], args: tuple[Any, ...]) -> None:
    _limit_memory(memory)
    try:
        outcome: tuple[str, Any] = ("ok", function(*args))
    except MemoryError:
        outcome = ("memory", None)
    except Exception:
        outcome = ("bug", traceback.format_exc())
    sender.send(outcome)
    sender.close()


def _limit_memory(extra: int) -> None:
    """Allow `extra` bytes of data beyond what the (forked) process has already; allocations past it fail.

    RLIMIT_DATA (private writable memory) rather than RLIMIT_AS: thread stacks and the address
    space malloc and Arrow reserve without using would count against an address-space limit.
    """
    try:
        with open("/proc/self/statm", encoding="ascii") as statm:
            data = int(statm.read().split()[5]) * resource.getpagesize()
    except OSError:  # not Linux: the time limit still applies
        return
    resource.setrlimit(resource.RLIMIT_DATA, (data + extra, data + extra))
