"""Per-node time limits: Python code and DuckDB queries are both stopped."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest

from dataops.deadline import StepTimeout, time_limit
from module_library.expressions import evaluate_condition


def test_python_code_is_interrupted() -> None:
    started = time.monotonic()
    with pytest.raises(StepTimeout, match=r"the node ran longer than its time limit of 0.5 s \(set 'timeout' to change it\)"):
        with time_limit(0.5):
            time.sleep(10)
    assert time.monotonic() - started < 3


def test_a_never_ending_query_is_cancelled() -> None:
    frame = pd.DataFrame({"x": np.arange(200_000)})
    slow = "(SELECT count(*) FROM range(100000000000) t(i) WHERE i % 7 = x) >= 0"
    started = time.monotonic()
    with pytest.raises(StepTimeout, match="time limit"):  # the timer or SIGALRM, whichever is first
        with time_limit(1):
            evaluate_condition(frame, slow)
    assert time.monotonic() - started < 10


def test_no_limit_is_a_no_op() -> None:
    with time_limit(None):
        assert evaluate_condition(pd.DataFrame({"x": [1]}), "x = 1").tolist() == [True]
