"""A function run in a child process: its value comes back; its abort, crash, hang or exhaustion is WorkerFailed."""

from __future__ import annotations

import functools
import operator
import os
import time
from pathlib import Path

import pandas as pd
import pytest

from dataops.editor.isolation import WorkerFailed, run_isolated
from tests.dataops.editor.bad_files import corner_to_corner_workbook

GIB = 1 << 30


def test_the_value_comes_back() -> None:
    assert run_isolated(operator.add, 2, 3, seconds=30, memory=GIB) == 5


def test_a_reader_that_aborts_the_process_is_a_failure_here(tmp_path: Path) -> None:
    workbook = str(corner_to_corner_workbook(tmp_path / "corners.xlsx"))
    read = functools.partial(pd.read_excel, engine="calamine")  # no extent check: the reader itself
    with pytest.raises(WorkerFailed, match=r"^aborted \(SIGABRT\)"):
        run_isolated(read, workbook, seconds=60, memory=GIB)


def test_a_crash_is_a_failure_here() -> None:
    with pytest.raises(WorkerFailed, match=r"^aborted \(SIGABRT\)"):
        run_isolated(os.abort, seconds=30, memory=GIB)


def test_memory_beyond_the_limit_fails_cleanly() -> None:
    with pytest.raises(WorkerFailed, match=r"^ran out of memory \(the limit is 0.25 GiB\)$"):
        run_isolated(bytearray, GIB, seconds=30, memory=GIB // 4)


def test_a_child_out_of_time_is_stopped() -> None:
    started = time.monotonic()
    with pytest.raises(WorkerFailed, match=r"^took longer than 1 seconds and was stopped$"):
        run_isolated(time.sleep, 60, seconds=1, memory=GIB)
    assert time.monotonic() - started < 30


def test_an_exception_in_the_child_is_our_bug_with_its_traceback() -> None:
    with pytest.raises(RuntimeError, match=r"(?s)int failed in its child process:.*ValueError: invalid literal"):
        run_isolated(int, "x", seconds=30, memory=GIB)
