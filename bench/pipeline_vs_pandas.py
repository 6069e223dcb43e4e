"""Benchmark 1: the 6-node flowchart through `dataops run` against an idiomatic pandas script.

read_csv -> filter_rows -> derive_column -> group_aggregate -> sort_rows -> write_csv, whole
processes (imports and Dagster start-up included), alternating runs, medians.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from bench.common import ROOT, alternate, median, python, sales_csv, timed

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
  - {{id: save, module: write_csv, params: {{path: out/dataops.csv}}}}
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


def measure(rows: int, repeats: int) -> dict[str, float]:
    source = sales_csv(rows)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        (work / "flow.yaml").write_text(FLOWCHART.format(source=source.name), encoding="utf-8")
        (work / "baseline.py").write_text(PANDAS, encoding="utf-8")
        (work / "home").mkdir()
        (work / "home" / "dagster.yaml").write_text("telemetry:\n  enabled: false\n")
        env = {
            "DATAOPS_DATA_ROOT": str(source.parent),
            "DATAOPS_STORAGE_ROOT": str(work / "storage"),
            "DAGSTER_HOME": str(work / "home"),
            "DATAOPS_PLUGINS": str(work / "plugins"),
        }
        times = alternate(
            {
                "pandas": lambda: timed([python(), str(work / "baseline.py"), str(source), str(work / "pandas.csv")]),
                "dataops": lambda: timed([python(), "-m", "dataops.cli.main", "run", str(work / "flow.yaml")], env, ROOT),
            },
            repeats,
        )
    return {"rows": rows, "pandas_s": median(times["pandas"]), "dataops_s": median(times["dataops"])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    for rows in args.rows:
        result = measure(rows, args.repeats)
        ratio = result["dataops_s"] / result["pandas_s"]
        print(f"{rows:>10,} rows  pandas {result['pandas_s']:6.2f} s  dataops {result['dataops_s']:6.2f} s  ratio {ratio:4.2f}x")


if __name__ == "__main__":
    main()
