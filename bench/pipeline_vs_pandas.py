"""Benchmark 1: the 6-node flowchart through `dataops run` against an idiomatic pandas script.

read_csv -> filter_rows -> derive_column -> group_aggregate -> sort_rows -> write_csv, whole
processes (imports, Dagster's start-up and its event log included), alternating runs, medians.
Both outputs are compared, so the faster one cannot be the wrong one.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from bench.common import Process, alternate, dagster_workspace, dataops_run, median, python, run_process, sales_csv
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


def measure(rows: int, repeats: int) -> dict[str, list[Process]]:
    """Alternating runs of both variants on `rows` rows; the outputs must agree."""
    source = sales_csv(rows)
    with dagster_workspace(source.parent) as (work, env):
        output = f"out/dataops_{work.name}.csv"
        (work / "flow.yaml").write_text(FLOWCHART.format(source=source.name, output=output), encoding="utf-8")
        (work / "baseline.py").write_text(PANDAS, encoding="utf-8")
        expected = work / "pandas.csv"
        runs = alternate(
            {
                "pandas": lambda: run_process([python(), str(work / "baseline.py"), str(source), str(expected)]),
                "dataops": lambda: run_process(dataops_run(work / "flow.yaml"), env),
            },
            repeats,
        )
        produced = source.parent / output
        _same_result(produced, expected)
        produced.unlink()
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
            "(`bench/pipeline_vs_pandas.py`). Whole processes: imports, Dagster's instance and event log, "
            "every hand-off through the IO manager. Wall time and CPU time (user + system) are medians of "
            "alternating runs; the two outputs are checked to be equal."
        ),
        headers=[
            "rows",
            "pandas wall s",
            "dataops wall s",
            "ratio",
            "pandas CPU s",
            "dataops CPU s",
            "pandas peak MiB",
            "dataops peak MiB",
        ],
        settings=f"rows {', '.join(f'{r:,}' for r in rows)}; {repeats} alternating runs each",
    )
    walls: dict[str, list[float]] = {"pandas": [], "dataops": []}
    for size in rows:
        runs = measure(size, repeats)
        pandas_s, dataops_s = (median([p.seconds for p in runs[v]]) for v in ("pandas", "dataops"))
        ratio = dataops_s / pandas_s
        section.rows.append(
            [
                size,
                pandas_s,
                dataops_s,
                f"{ratio:.2f}x",
                median([p.cpu_seconds for p in runs["pandas"]]),
                median([p.cpu_seconds for p in runs["dataops"]]),
                round(median([p.peak_mib for p in runs["pandas"]])),
                round(median([p.peak_mib for p in runs["dataops"]])),
            ]
        )
        walls["pandas"].append(pandas_s)
        walls["dataops"].append(dataops_s)
        if size in TARGETS:
            section.targets.append(Target(f"{size:,} rows, dataops / pandas wall time", ratio, TARGETS[size]))
        print(
            f"  {size:>12,} rows  pandas {pandas_s:7.2f} s  dataops {dataops_s:7.2f} s  ratio {ratio:5.2f}x", flush=True
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
