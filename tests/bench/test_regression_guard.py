"""A small benchmark 1 as a regression guard: `dataops run` against the pandas script at 100k rows.

At this size the ratio is the fixed cost. Cold, that is the imports, the instance and the event
log (about 3 s against pandas' 0.6 s: 5.8x when measured, see docs/benchmarks.md); warm, forked
from a warm run server, the instance, event log and the steps (0.8 s: 1.3x). The bounds are
generous so that a loaded machine does not fail them, yet a second of new start-up cost, a warm
server that stopped helping, or a slow data path does.
"""

from __future__ import annotations

import pytest

from bench.common import median
from bench.pipeline_vs_pandas import measure

ROWS = 100_000
BOUNDS = {"cold": 10.0, "warm": 4.0}


@pytest.fixture(scope="module")
def runs():
    return measure(ROWS, repeats=3)


@pytest.mark.parametrize("variant", sorted(BOUNDS))
def test_dataops_run_stays_within_a_small_multiple_of_plain_pandas(runs, variant: str) -> None:
    pandas_s, dataops_s = (median([p.seconds for p in runs[v]]) for v in ("pandas", variant))
    ratio = dataops_s / pandas_s
    bound = BOUNDS[variant]
    assert ratio <= bound, (
        f"dataops run ({variant}) {dataops_s:.2f} s vs pandas {pandas_s:.2f} s: {ratio:.1f}x > {bound}x"
    )
