"""A time limit for the node being computed, shared by the op wrapper and the DuckDB sandbox.

The op sets the deadline for its step; Python code is interrupted by SIGALRM (when the step
runs in the main thread, as Dagster's executors do), and a DuckDB query, which holds no Python
bytecode to interrupt, is cancelled by `interrupt()` from a timer thread.
"""

from __future__ import annotations

import contextvars
import signal
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from dataops.errors import DataOpsError

_deadline: contextvars.ContextVar[float | None] = contextvars.ContextVar("dataops_deadline", default=None)


class StepTimeout(DataOpsError):
    """The node ran longer than its `timeout`."""


def remaining() -> float | None:
    """Seconds left for the current node, or None without a limit."""
    deadline = _deadline.get()
    return None if deadline is None else deadline - time.monotonic()


@contextmanager
def time_limit(seconds: float | None) -> Iterator[None]:
    """Run the block under a limit; past it, `StepTimeout` is raised in the block."""
    if seconds is None:
        yield
        return
    token = _deadline.set(time.monotonic() + seconds)
    in_main = threading.current_thread() is threading.main_thread()

    def expire(signum: int, frame: object) -> None:
        raise StepTimeout(f"the node ran longer than its time limit of {seconds:g} s (set 'timeout' to change it)")

    previous = signal.signal(signal.SIGALRM, expire) if in_main else None
    if in_main:
        signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        if in_main:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
        _deadline.reset(token)


@contextmanager
def cancel_at_deadline(cancel: Callable[[], None]) -> Iterator[None]:
    """Call `cancel` when the current node's time is up (for work that ignores signals)."""
    left = remaining()
    if left is None:
        yield
        return
    timer = threading.Timer(max(left, 0), cancel)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
