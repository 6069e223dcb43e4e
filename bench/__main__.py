"""`python -m bench`: run the benchmark suite and write docs/benchmarks.md and docs/img/bench-*.png.

    python -m bench                       # every benchmark at its default sizes (< 10 minutes on 2 cores)
    python -m bench --quick               # small sizes, one run each: a smoke test of the suite
    python -m bench pipeline formats      # only these benchmarks
    python -m bench pipeline --rows 100000 1000000 10000000 --repeats 5
    python -m bench tpch --sf 1 10 --repeats 3      # TPC-H at scale factors 1 and 10

Each benchmark alternates its variants and reports medians; only the sections of the
benchmarks that ran are rewritten. `--no-write` prints without touching the docs.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from bench import definitions_scale, executors, formats, handoff, kernels, pipeline_vs_pandas, projection, report
from bench import handoff_remote as remote_handoff
from bench import launch as launch_latency
from bench.common import load_average, machine
from bench.report import DOC, Section, write
from bench.tpch import runner as tpch

NAMES = ("pipeline", "handoff", "remote", "formats", "projection", "scale", "executors", "kernels", "tpch", "launch")


def parse(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("only", nargs="*", metavar="BENCHMARK", help=f"any of {', '.join(NAMES)} (default: all)")
    parser.add_argument("--quick", action="store_true", help="small sizes and one run each (checks the suite works)")
    parser.add_argument("--repeats", type=int, help="alternating runs per variant (default 3; --quick 1)")
    parser.add_argument("--no-write", action="store_true", help="print only; leave docs/ alone")
    sizes = parser.add_argument_group("sizes (the issue's sizes are the defaults unless noted)")
    sizes.add_argument("--rows", type=int, nargs="+", help="1. pipeline rows (default 100000 1000000 10000000)")
    sizes.add_argument("--handoff-rows", type=int, help="2. hand-off rows (default 1000000)")
    sizes.add_argument("--format-rows", type=int, help="3. intermediate-format rows (default 1000000)")
    sizes.add_argument("--projection-rows", type=int, help="4. rows of the 50-column table (default 1000000)")
    sizes.add_argument("--projection-columns", type=int, default=50, help="4. columns of that table (default 50)")
    sizes.add_argument("--nodes", type=int, nargs="+", help="5. nodes of one flowchart (default 10 100 1000)")
    sizes.add_argument(
        "--flowcharts", type=int, nargs="+", help="5. flowcharts in the code location (default 10 100 500)"
    )
    sizes.add_argument("--executor-rows", type=int, help="6. rows each branch aggregates (default 1000000)")
    sizes.add_argument("--csv-rows", type=int, help="7. rows of the CSV parsed (default 10000000)")
    sizes.add_argument("--kernel-rows", type=int, help="7. rows for filter, group-by, sort (default 1000000)")
    sizes.add_argument("--sf", type=float, nargs="+", help="8. TPC-H scale factors (default 1; SF 10 is 60M rows)")
    args = parser.parse_args(argv)
    unknown = [name for name in args.only if name not in NAMES]
    if unknown:
        parser.error(f"unknown benchmark {', '.join(unknown)} (choose from {', '.join(NAMES)})")
    quick = args.quick
    defaults = {
        "repeats": 1 if quick else 3,
        "rows": [100_000, 1_000_000] if quick else [100_000, 1_000_000, 10_000_000],
        "handoff_rows": 100_000 if quick else 1_000_000,
        "format_rows": 100_000 if quick else 1_000_000,
        "projection_rows": 100_000 if quick else 1_000_000,
        "nodes": [10, 100] if quick else [10, 100, 1000],
        "flowcharts": [10, 50] if quick else [10, 100, 500],
        "executor_rows": 200_000 if quick else 1_000_000,
        "csv_rows": 1_000_000 if quick else 10_000_000,
        "kernel_rows": 100_000 if quick else 1_000_000,
        "sf": [0.01] if quick else [1],
    }
    for key, value in defaults.items():
        if getattr(args, key) is None:
            setattr(args, key, value)
    return args


def run(name: str, args: argparse.Namespace) -> Section:
    if name == "pipeline":
        return pipeline_vs_pandas.run(args.rows, args.repeats)
    if name == "handoff":
        return handoff.run(args.handoff_rows, args.repeats)
    if name == "remote":
        return remote_handoff.run(args.handoff_rows, args.repeats)
    if name == "formats":
        return formats.run(args.format_rows, args.repeats)
    if name == "projection":
        return projection.run(args.projection_rows, args.projection_columns, args.repeats)
    if name == "scale":
        return definitions_scale.run(args.nodes, args.flowcharts, args.repeats)
    if name == "executors":
        return executors.run(args.executor_rows, args.repeats)
    if name == "tpch":
        return tpch.run(args.sf, args.repeats)
    if name == "launch":
        return launch_latency.run(args.repeats, *(args.rows[-2:] if len(args.rows) >= 2 else (1_000_000, 10_000_000)))
    return kernels.run(args.csv_rows, args.kernel_rows, args.repeats)


def main(argv: list[str] | None = None) -> None:
    args = parse(argv)
    if args.no_write:
        report.IMAGES = Path(tempfile.mkdtemp(prefix="bench-img-"))
    print(f"machine: {machine()}\nload average before: {load_average()}", flush=True)
    sections = []
    for name in args.only or NAMES:
        started = time.perf_counter()
        print(f"\n[{name}]", flush=True)
        section = run(name, args)
        print(section.text(), flush=True)
        print(f"({time.perf_counter() - started:.0f} s)", flush=True)
        sections.append(section)
        if not args.no_write:
            write([section])
    print(f"\nload average after: {load_average()}")
    if not args.no_write:
        print(f"wrote {DOC.relative_to(DOC.parents[1])} ({', '.join(s.name for s in sections)})")


if __name__ == "__main__":
    main()
