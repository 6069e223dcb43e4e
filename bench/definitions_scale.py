"""Benchmark 5: the cost of definitions: one big flowchart, and many flowcharts in a code location.

(a) validate (`parse_flowchart`: YAML, models, registry, edges, cycles) and compile
(`make_flowchart_job`) a flowchart of N nodes, in this process after a warm-up;
(b) load the code location with K flowchart files: a fresh process imports `dataops_defs`,
calls `defs()` and resolves every job (what Dagster's code server does before serving them;
the daemon reloads it every 60 s), then builds the repository snapshot the code server sends.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path

from bench.common import ROOT, WORK, alternate, clock, median, python
from bench.report import Section, Target, bar_chart

NODE_TARGET_S = 1.0
LOCATION_TARGET_S = 5.0
STEPS = [
    ("filter_rows", '{{condition: "price > {i}"}}'),
    ("derive_column", '{{name: c{i}, expression: "price * qty + {i}"}}'),
    ("sort_rows", "{{by: [price], descending: true}}"),
    ("limit_rows", "{{n: {i}}}"),
    ("fill_nulls", "{{values: {{qty: 0}}}}"),
]

LOAD = """
import json, sys, time
started = time.perf_counter()
import dataops_defs
imported = time.perf_counter()
definitions = dataops_defs.defs()
jobs = definitions.get_repository_def().get_all_jobs()
loaded = time.perf_counter()
from dagster._core.remote_representation.external_data import RepositorySnap
RepositorySnap.from_def(definitions.get_repository_def())
snapshot = time.perf_counter()
assert len(jobs) == int(sys.argv[1]) and not [j for j in jobs if j.tags.get("dataops/broken")], "broken jobs"
print(json.dumps({"import": imported - started, "defs": loaded - imported, "snapshot": snapshot - loaded}))
"""


def flowchart(name: str, nodes: int) -> str:
    """A chain of everyday steps from one CSV source, a sink every 10 nodes and at the end."""
    lines = [f"name: {name}", "nodes:", "  - {id: n0, module: read_csv, params: {path: sales.csv}}"]
    edges = []
    previous = "n0"
    for i in range(1, nodes - 1):
        if i % 10 == 9:
            lines.append(f"  - {{id: n{i}, module: write_csv, params: {{path: out/{name}_{i}.csv}}}}")
            edges.append(f"  - {{from: {previous}, to: n{i}}}")
            continue
        module, params = STEPS[i % len(STEPS)]
        lines.append(f"  - {{id: n{i}, module: {module}, params: {params.format(i=i)}}}")
        edges.append(f"  - {{from: {previous}, to: n{i}}}")
        previous = f"n{i}"
    lines.append(f"  - {{id: n{nodes - 1}, module: write_csv, params: {{path: out/{name}.csv}}}}")
    edges.append(f"  - {{from: {previous}, to: n{nodes - 1}}}")
    return "\n".join([*lines, "edges:", *edges]) + "\n"


def validate_and_compile(nodes: int, repeats: int) -> tuple[float, float] | str:
    """Median seconds to validate and to compile; the spec's message if it refuses the flowchart."""
    from dataops.errors import FlowchartError
    from dataops.spec import parse_flowchart
    from dataops_defs.compiler import make_flowchart_job
    from module_library.discovery import discover

    discover()
    text = flowchart(f"chain_{nodes}", nodes)
    try:
        make_flowchart_job(parse_flowchart(text))  # warm-up: lazy imports, caches
    except FlowchartError as exc:
        return str(exc).split(": ", 1)[-1]
    validated = [clock(lambda: parse_flowchart(text)) for _ in range(repeats)]
    parsed = parse_flowchart(text)
    compiled = [clock(lambda: make_flowchart_job(parsed)) for _ in range(repeats)]
    return median(validated), median(compiled)


def load_location(count: int, repeats: int) -> dict[str, float]:
    WORK.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=WORK) as tmp:
        folder = Path(tmp) / "flowcharts"
        folder.mkdir()
        for i in range(count):
            (folder / f"flow_{i:04d}.yaml").write_text(flowchart(f"flow_{i:04d}", 6), encoding="utf-8")
        (Path(tmp) / "home").mkdir()
        env = {
            "DATAOPS_FLOWCHARTS": str(folder),
            "DATAOPS_PLUGINS": str(Path(tmp) / "plugins"),
            "DAGSTER_HOME": str(Path(tmp) / "home"),
        }
        runs = alternate({"load": lambda: _load_once(count, env)}, repeats)["load"]
    return {key: median([r[key] for r in runs]) for key in runs[0]}


def _load_once(count: int, env: dict[str, str]) -> dict[str, float]:
    import os

    result = subprocess.run(
        [python(), "-c", LOAD, str(count)],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode:
        raise SystemExit(f"loading {count} flowcharts failed:\n{result.stderr}")
    times = json.loads(result.stdout.strip().splitlines()[-1])
    return {**times, "total": times["import"] + times["defs"]}


def run(nodes: list[int], flowcharts: list[int], repeats: int) -> Section:
    section = Section(
        name="scale",
        title="5. Scale of definitions",
        intro=(
            "(a) Validating (`parse_flowchart`: YAML, pydantic models, module params, edges, cycles) and compiling "
            "(`make_flowchart_job`) one flowchart of N nodes — a chain of everyday steps with a sink every 10 "
            "nodes — in a warm process. (b) Loading the code location with K six-node flowchart files in a fresh "
            "process: importing `dataops_defs`, calling `defs()` and resolving every job (the code server does this "
            "at start and the daemon every 60 s), then Dagster's repository snapshot, which the code server "
            "builds to serve the jobs."
        ),
        headers=["case", "size", "validate / import s", "compile / defs() s", "snapshot s", "total s"],
        settings=f"nodes {', '.join(map(str, nodes))}; flowcharts {', '.join(map(str, flowcharts))}; median of {repeats}",
    )
    compile_totals = []
    for n in nodes:
        measured = validate_and_compile(n, repeats)
        if isinstance(measured, str):
            section.rows.append(["one flowchart", f"{n:,} nodes", f"refused: {measured}", "", "", ""])
            compile_totals.append(0.0)
            print(f"  {n:>6,} nodes: refused: {measured}", flush=True)
            continue
        validate_s, compile_s = measured
        compile_totals.append(validate_s + compile_s)
        section.rows.append(["one flowchart", f"{n:,} nodes", validate_s, compile_s, "", validate_s + compile_s])
        print(f"  {n:>6,} nodes: validate {validate_s:.3f} s compile {compile_s:.3f} s", flush=True)
        if n == 1000:
            section.targets.append(
                Target("1,000-node flowchart, validate + compile", validate_s + compile_s, NODE_TARGET_S, unit=" s")
            )
    load_totals = []
    for k in flowcharts:
        times = load_location(k, repeats)
        load_totals.append(times["total"])
        section.rows.append(
            ["code location", f"{k:,} flowcharts", times["import"], times["defs"], times["snapshot"], times["total"]]
        )
        print(
            f"  {k:>6,} flowcharts: import {times['import']:.2f} s defs() {times['defs']:.2f} s snapshot {times['snapshot']:.2f} s",
            flush=True,
        )
        if k == 500:
            section.targets.append(
                Target(
                    "500 flowcharts, code location load (import + defs())", times["total"], LOCATION_TARGET_S, unit=" s"
                )
            )
    section.notes.append(
        "Total for the code location is import + `defs()`; the snapshot column is Dagster's own serialisation "
        "of the loaded jobs, shown for scale."
    )
    section.images.append(
        bar_chart(
            "scale",
            "definitions: validate + compile (one flowchart) and code-location load",
            [f"{n:,} nodes" for n in nodes] + [f"{k:,} files" for k in flowcharts],
            {"seconds": compile_totals + load_totals},
            "seconds",
            log=True,
        )
    )
    return section
