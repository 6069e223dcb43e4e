"""A small benchmark 1 as a regression guard: `dataops run` against the pandas script at 100k rows.

At this size the ratio is Dagster's fixed cost (imports, instance, event log: about 3 s against
pandas' 0.5 s; 6x when measured, see docs/benchmarks.md). The bound is generous so that a loaded
machine does not fail it, yet a second of new start-up cost or a slow data path does.
"""

from __future__ import annotations

from bench.common import median
from bench.pipeline_vs_pandas import measure

ROWS = 100_000
BOUND = 10.0


def test_dataops_run_stays_within_a_small_multiple_of_plain_pandas() -> None:
    runs = measure(ROWS, repeats=3)
    pandas_s, dataops_s = (median([p.seconds for p in runs[v]]) for v in ("pandas", "dataops"))
    ratio = dataops_s / pandas_s
    assert ratio <= BOUND, f"dataops run {dataops_s:.2f} s vs pandas {pandas_s:.2f} s: {ratio:.1f}x > {BOUND}x"
