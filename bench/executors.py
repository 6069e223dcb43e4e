"""Executors: one branching flowchart through `dataops run` with in_process, multiprocess and celery.

Four independent branches each read the same generated CSV and compute a heavy group_aggregate
(distinct counts over a text key, medians); a union joins them. Whole processes are timed
(imports, Dagster's start-up and event log included), alternating, medians; every output is
compared with in_process's, so a faster executor cannot be a wrong one. Celery gets two workers
of one process each on a RabbitMQ broker (DATAOPS_CELERY_BROKER, default local).

    python -m bench.executors [--rows 3000000] [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import socket
import uuid
from contextlib import nullcontext
from pathlib import Path
from urllib.parse import urlsplit

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from bench.common import WORK, alternate, dagster_workspace, dataops_run, load_average, machine, median, timed
from bench.report import Section, bar_chart

EXECUTORS = ("in_process", "multiprocess", "celery")
BRANCHES = 4
FLOWCHART = """
name: branches
executor: {executor}
nodes:
{nodes}
  - {{id: all, module: union}}
  - {{id: save, module: write_csv, params: {{path: {output}}}}}
edges:
{edges}
  - {{from: all, to: save}}
"""
HEAVY = (
    "{by: [grp], aggregations: [{column: key, function: count_distinct}, {column: x, function: count_distinct},"
    " {column: y, function: count_distinct}, {column: x, function: median}, {column: y, function: std},"
    " {column: key, function: max}]}"
)


def branches_flowchart(executor: str, source: str, output: str) -> str:
    """The flowchart text: read -> heavy aggregate, BRANCHES times, unioned and written."""
    nodes, edges = [], []
    for i in range(BRANCHES):
        nodes += [
            f"  - {{id: read_{i}, module: read_csv, params: {{path: {source}}}}}",
            f"  - {{id: agg_{i}, module: group_aggregate, params: {HEAVY}}}",
        ]
        edges += [f"  - {{from: read_{i}, to: agg_{i}}}", f"  - {{from: agg_{i}, to: all}}"]
    return FLOWCHART.format(executor=executor, output=output, nodes="\n".join(nodes), edges="\n".join(edges))


def branch_data(path: Path, rows: int) -> Path:
    """`rows` rows of a text key (many distinct values), a group of 20 and two numbers, as CSV."""
    if path.exists():
        return path
    rng = np.random.default_rng(8)
    key = pc.binary_join_element_wise("k", pc.cast(pa.array(rng.integers(0, rows * 2 // 3, rows)), pa.string()), "")
    table = pa.table(
        {
            "key": key,
            "grp": pa.array(rng.integers(0, 20, rows)),
            "x": pa.array(rng.normal(size=rows).round(4)),
            "y": pa.array(rng.random(rows).round(4)),
        }
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    pacsv.write_csv(table, path)
    return path


def main() -> None:
    from tests.production.support import celery_workers

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=3_000_000)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    source = branch_data(WORK / f"branches_{args.rows}.csv", args.rows)
    with dagster_workspace(source.parent) as (work, env):
        env["DATAOPS_STORAGE_ROOT"] = (work / "storage").as_uri()  # fsspec URL, as workers on other machines use
        env["DATAOPS_CELERY_QUEUE"] = f"bench_{uuid.uuid4().hex[:8]}"
        env.setdefault(
            "DATAOPS_CELERY_BROKER", os.environ.get("DATAOPS_CELERY_BROKER", "pyamqp://guest@127.0.0.1:5672//")
        )
        env["DATAOPS_CELERY_BACKEND"] = os.environ.get("DATAOPS_CELERY_BACKEND", "rpc://")
        files = {}
        for executor in EXECUTORS:
            files[executor] = work / "flowcharts" / f"{executor}.yaml"
            text = branches_flowchart(executor, source.name, f"out/branches_{executor}.csv")
            files[executor].write_text(text, encoding="utf-8")
        with celery_workers(2, env, env["DATAOPS_CELERY_QUEUE"], work / "logs"):
            results = alternate(
                {e: (lambda e=e: timed(dataops_run(files[e]), env, cwd=work)) for e in EXECUTORS}, args.repeats
            )
        expected = (source.parent / "out" / "branches_in_process.csv").read_bytes()
        for executor in EXECUTORS:
            assert (source.parent / "out" / f"branches_{executor}.csv").read_bytes() == expected, executor
    base = median(results["in_process"])
    print(f"machine: {machine()}; load average {load_average()}")
    print(f"{args.rows:,} rows, {BRANCHES} branches, median of {args.repeats} whole `dataops run` processes")
    print("| executor | wall time | ratio to in_process |\n| --- | ---: | ---: |")
    for executor in EXECUTORS:
        seconds = median(results[executor])
        print(f"| {executor} | {seconds:.1f} s | {seconds / base:.2f} |")


def run(rows: int, repeats: int) -> Section:
    """For `python -m bench`: in_process and multiprocess, and celery when its broker answers."""
    from tests.production.support import celery_workers

    source = branch_data(WORK / f"branches_{rows}.csv", rows)
    broker = os.environ.get("DATAOPS_CELERY_BROKER", "pyamqp://guest@127.0.0.1:5672//")
    executors = [e for e in EXECUTORS if e != "celery" or _reachable(broker)]
    section = Section(
        name="executors",
        title="6. Executors",
        intro=(
            f"{BRANCHES} independent branches, each reading the same CSV and computing a CPU-heavy `group_aggregate` "
            "(distinct counts over a text key, a median, a standard deviation), joined by a union, through "
            "`dataops run` with the flowchart's `executor:` set to each executor (`bench/executors.py`). Whole "
            "processes, alternating, medians; every output is compared with in_process's. Celery runs two workers "
            "of one process each."
        ),
        headers=["executor", "wall s", "ratio to in_process", "honoured"],
        settings=f"{rows:,} rows per branch; {repeats} alternating runs",
    )
    with dagster_workspace(source.parent) as (work, env):
        env["DATAOPS_STORAGE_ROOT"] = (work / "storage").as_uri()
        env["DATAOPS_CELERY_QUEUE"] = f"bench_{uuid.uuid4().hex[:8]}"
        env["DATAOPS_CELERY_BROKER"] = broker
        env["DATAOPS_CELERY_BACKEND"] = os.environ.get("DATAOPS_CELERY_BACKEND", "rpc://")
        files, honoured = {}, {}
        for executor in executors:
            text = branches_flowchart(executor, source.name, f"out/branches_{executor}.csv")
            files[executor] = work / "flowcharts" / f"{executor}.yaml"
            files[executor].write_text(text, encoding="utf-8")
            honoured[executor] = _honoured(text, executor)
        workers = (
            celery_workers(2, env, env["DATAOPS_CELERY_QUEUE"], work / "logs")
            if "celery" in executors
            else nullcontext()
        )
        with workers:
            results = alternate(
                {e: (lambda e=e: timed(dataops_run(files[e]), env, cwd=work)) for e in executors}, repeats
            )
        expected = (source.parent / "out" / "branches_in_process.csv").read_bytes()
        for executor in executors:
            assert (source.parent / "out" / f"branches_{executor}.csv").read_bytes() == expected, executor
    base = median(results["in_process"])
    for executor in executors:
        seconds = median(results[executor])
        section.rows.append([executor, seconds, f"{seconds / base:.2f}x", "yes" if honoured[executor] else "**no**"])
        print(f"  {executor:12s} {seconds:6.2f} s  {seconds / base:.2f}x", flush=True)
    if "celery" not in executors:
        section.notes.append(f"Celery was skipped: no broker answered at {broker}.")
    section.images.append(
        bar_chart(
            "executors",
            f"{BRANCHES} heavy branches, {rows:,} rows each (median wall time)",
            executors,
            {"seconds": [median(results[e]) for e in executors]},
            "seconds",
        )
    )
    return section


def _honoured(text: str, executor: str) -> bool:
    """Whether the compiled job really uses the executor the flowchart names."""
    from dataops.spec import parse_flowchart
    from dataops_defs.compiler import make_flowchart_job
    from module_library.discovery import discover

    discover()
    name = make_flowchart_job(parse_flowchart(text)).executor_def.name
    return name == executor or (executor == "celery" and "celery" in name)


def _reachable(url: str) -> bool:
    """A TCP connection to the broker's host and port succeeds."""
    parsed = urlsplit(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 5672), timeout=2):
            return True
    except OSError:
        return False


if __name__ == "__main__":
    main()
