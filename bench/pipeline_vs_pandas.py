"""Benchmark 1: the 6-node flowchart through `dataops run` against an idiomatic pandas script.

read_csv -> filter_rows -> derive_column -> group_aggregate -> sort_rows -> write_csv, whole
processes (Dagster's start-up and its event log included), alternating runs, medians. `dataops
run` is measured twice: cold (the process imports everything itself) and warm (a warm run server,
started once before the runs, forks the run from a process that has the imports done; what
`dataops dev` and `dataops warm start` give). Every output is compared with pandas', so the
faster one cannot be the wrong one.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bench.common import (
    Process,
    alternate,
    dagster_workspace,
    dataops_run,
    median,
    python,
    run_process,
    sales_csv,
    warm_server,
)
from bench.report import Section, Target, bar_chart

FLOWCHART = """
name: bench_pipeline
nodes:
  - {{id: load, module: read_csv, params: {{path: {source}}}}}
  - {{id: keep, module: filter_rows, params: {{condition: "price > 50 AND qty > 2"}}}}
  - {{id: revenue, module: derive_column, params: {{name: revenue, expression: "price * qty * (1 - discount)"}}}}
  - id: totals
    module: group_aggregate
    params:
      by: [city, category]
      aggregations:
        - {{column: revenue, function: sum}}
        - {{column: order_id, function: count}}
        - {{column: price, function: mean}}
  - {{id: rank, module: sort_rows, params: {{by: [revenue_sum], descending: true}}}}
  - {{id: save, module: write_csv, params: {{path: {output}}}}}
edges:
  - {{from: load, to: keep}}
  - {{from: keep, to: revenue}}
  - {{from: revenue, to: totals}}
  - {{from: totals, to: rank}}
  - {{from: rank, to: save}}
"""

PANDAS = """
import sys
import pandas as pd

frame = pd.read_csv(sys.argv[1])
frame = frame[(frame["price"] > 50) & (frame["qty"] > 2)]
frame = frame.assign(revenue=frame["price"] * frame["qty"] * (1 - frame["discount"]))
totals = frame.groupby(["city", "category"], sort=True).agg(
    revenue_sum=("revenue", "sum"), order_id_count=("order_id", "count"), price_mean=("price", "mean")
).reset_index()
totals.sort_values("revenue_sum", ascending=False, kind="stable").to_csv(sys.argv[2], index=False)
"""

TARGETS = {10_000_000: 1.0, 1_000_000: 2.0}
VARIANTS = ("pandas", "cold", "warm")


def measure(rows: int, repeats: int) -> dict[str, list[Process]]:
    """Alternating runs of the three variants on `rows` rows; every output must agree with pandas'."""
    source = sales_csv(rows)
    with dagster_workspace(source.parent) as (work, env), warm_server(env) as warm_env:
        (work / "baseline.py").write_text(PANDAS, encoding="utf-8")
        expected = work / "pandas.csv"
        outputs = {}
        for variant in ("cold", "warm"):
            outputs[variant] = f"out/{variant}_{work.name}.csv"
            flowchart = FLOWCHART.format(source=source.name, output=outputs[variant])
            (work / f"{variant}.yaml").write_text(flowchart, encoding="utf-8")

        def dataops(variant: str, variant_env: dict[str, str]) -> Process:
            process = run_process(dataops_run(work / f"{variant}.yaml"), variant_env)
            _same_result(source.parent / outputs[variant], expected)
            return process

        runs = alternate(
            {
                "pandas": lambda: run_process([python(), str(work / "baseline.py"), str(source), str(expected)]),
                "cold": lambda: dataops("cold", env),
                "warm": lambda: dataops("warm", warm_env),
            },
            repeats,
        )
        for output in outputs.values():
            (source.parent / output).unlink()
    return runs


def _same_result(produced: Path, expected: Path) -> None:
    ours, theirs = pd.read_csv(produced), pd.read_csv(expected)
    pd.testing.assert_frame_equal(ours, theirs, check_exact=False, rtol=1e-9)


def run(rows: list[int], repeats: int) -> Section:
    section = Section(
        name="pipeline",
        title="1. Pipeline vs plain pandas",
        intro=(
            "The 6-node flowchart (read_csv → filter_rows → derive_column → group_aggregate → sort_rows → "
            "write_csv) through `dataops run`, against the idiomatic pandas script doing the same "
            "(`bench/pipeline_vs_pandas.py`). Whole processes: Dagster's instance and event log, every "
            "hand-off through the IO manager. **Cold**: `dataops run` imports pandas, pyarrow, DuckDB and "
            "Dagster itself. **Warm**: a warm run server (`dataops warm start`; `dataops dev` starts one) "
            "was started before the runs, and `dataops run` forks the run from it, imports done. Wall "
            "time is the median of alternating runs (pandas, cold, warm); CPU time (user + system) and peak "
            "memory are the cold run's process (a warm run's are in the server's child); every output is "
            "checked to equal pandas'."
        ),
        headers=[
            "rows",
            "pandas wall s",
            "cold wall s",
            "cold ratio",
            "warm wall s",
            "warm ratio",
            "pandas CPU s",
            "cold CPU s",
            "pandas peak MiB",
            "cold peak MiB",
        ],
        settings=f"rows {', '.join(f'{r:,}' for r in rows)}; {repeats} alternating runs each",
    )
    walls: dict[str, list[float]] = {"pandas": [], "dataops cold": [], "dataops warm": []}
    for size in rows:
        runs = measure(size, repeats)
        pandas_s, cold_s, warm_s = (median([p.seconds for p in runs[v]]) for v in VARIANTS)
        cold, warm = cold_s / pandas_s, warm_s / pandas_s
        section.rows.append(
            [
                size,
                pandas_s,
                cold_s,
                f"{cold:.2f}x",
                warm_s,
                f"{warm:.2f}x",
                median([p.cpu_seconds for p in runs["pandas"]]),
                median([p.cpu_seconds for p in runs["cold"]]),
                round(median([p.peak_mib for p in runs["pandas"]])),
                round(median([p.peak_mib for p in runs["cold"]])),
            ]
        )
        for name, seconds in zip(walls, (pandas_s, cold_s, warm_s), strict=True):
            walls[name].append(seconds)
        if size in TARGETS:
            for mode, ratio in (("warm", warm), ("cold", cold)):
                label = f"{size:,} rows, dataops run ({mode}) / pandas wall time"
                section.targets.append(Target(label, ratio, TARGETS[size]))
        print(
            f"  {size:>12,} rows  pandas {pandas_s:7.2f} s  cold {cold_s:7.2f} s ({cold:5.2f}x)"
            f"  warm {warm_s:7.2f} s ({warm:5.2f}x)",
            flush=True,
        )
    section.images.append(
        bar_chart(
            "pipeline",
            "dataops run vs pandas script (wall time, median)",
            [f"{r:,} rows" for r in rows],
            walls,
            "seconds",
            log=len(rows) > 1 and max(rows) / min(rows) >= 100,
        )
    )
    return section
