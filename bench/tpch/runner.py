"""Benchmark 8: the six TPC-H flowcharts through `dataops run`, against pandas, polars and DuckDB.

Every variant is a whole process, run in turn (each repetition goes round every query and every
variant), and each answer is checked against DuckDB's answer to the official SQL before it
counts: the flowcharts exactly (decimals as decimals, dates as dates), the scripts within float
tolerance where they hold money as float64. A variant that fails or answers wrong is reported
with the reason and not run again at that scale factor. At SF 10 and above every process runs
under a memory cap (bench/tpch/capped.py), and a warm run only after its cold run stayed under it.
"""

from __future__ import annotations

import functools
import json
import math
import os
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from bench.common import (
    WORK,
    Process,
    alternate,
    dagster_workspace,
    dataops_run,
    load_average,
    machine,
    median,
    python,
    run_process,
)
from bench.common import warm_server as start_warm_server
from bench.report import Section, Target, bar_chart, write
from bench.tpch import HERE, QUERIES, flowchart
from bench.tpch.check import differences, reference
from bench.tpch.data import generate

VARIANTS = ("pandas", "polars", "duckdb", "dataops cold", "dataops warm")
LABELS = {"pandas": "pandas", "polars": "polars", "duckdb": "DuckDB", "dataops cold": "cold", "dataops warm": "warm"}
CAPPED_FROM_SCALE = 10
MEMORY_CAP_MIB = 20 * 1024  # of the machine's 24 GiB
RESULTS = WORK / "tpch" / "results.json"
SKIPPED = "not run: left out of this run (variants=)"


@dataclass
class Outcome:
    """The runs of one variant on one query that finished with the right answer, or why not."""

    runs: list[Process] = field(default_factory=list)
    problem: str = ""

    def median(self, attribute: str) -> float:
        return median([getattr(run, attribute) for run in self.runs]) if self.runs else math.nan


def measure(
    scale: float,
    repeats: int,
    progress: Callable[[dict[tuple[int, str], Outcome]], None] | None = None,
    variants: Sequence[str] = VARIANTS,
) -> dict[tuple[int, str], Outcome]:
    """Alternating runs of `variants` on every query at `scale` (the others are reported as not run);
    `progress` sees the outcomes so far after each run (an interrupted SF 10 run keeps what it measured)."""
    data = generate(scale)
    expected = {query: reference(data, query) for query in QUERIES}
    outcomes = {(q, v): Outcome(problem="" if v in variants else SKIPPED) for q in QUERIES for v in VARIANTS}
    capped = scale >= CAPPED_FROM_SCALE
    with dagster_workspace(data) as (work, env), start_warm_server(env) as warm_env:

        def once(query: int, variant: str) -> None:
            outcome = outcomes[query, variant]
            if outcome.problem:
                return
            if capped and variant == "dataops warm" and not outcomes[query, "dataops cold"].runs:
                outcome.problem = "not run: the cold run did not finish under the memory cap"
                return
            if variant.startswith("dataops"):
                output = data / "out" / f"q{query}.parquet"
                command = dataops_run(flowchart(query))
            else:
                output = work / f"{variant}_q{query}.parquet"
                command = [python(), str(HERE / "scripts" / f"{variant}_tpch.py"), str(query), str(data), str(output)]
            output.unlink(missing_ok=True)
            if capped:
                command = [python(), "-m", "bench.tpch.capped", str(MEMORY_CAP_MIB), *command]
            process = run_process(command, warm_env if variant == "dataops warm" else env, check=False)
            if process.code != 0:
                outcome.problem = f"failed: {_reason(process.output)}"
            else:
                wrong = differences(output, expected[query], exact=variant.startswith("dataops"))
                outcome.problem = f"wrong: {'; '.join(wrong)}" if wrong else ""
            if not outcome.problem:
                outcome.runs.append(process)
            shown = outcome.problem or f"{process.seconds:.2f} s, {process.peak_mib:.0f} MiB"
            print(f"  SF {scale:g} Q{query:<2} {variant:<13} {shown}", flush=True)
            if progress is not None:
                progress(outcomes)

        alternate(
            {f"{q} {v}": functools.partial(once, q, v) for q in QUERIES for v in VARIANTS if v in variants},
            repeats,
        )
    shutil.rmtree(data / "out", ignore_errors=True)
    return outcomes


def _reason(output: str) -> str:
    """The line that says why a run failed: dataops' `flowchart › node › field: ...`, else the last line."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    said = [line for line in lines if " › " in line] or lines[-1:] or ["no output"]
    return said[0][:400]


def run(scales: list[float], repeats: int, variants: Sequence[str] = VARIANTS) -> Section:
    """Measure each scale factor, keeping every run in results.json as it finishes (merged with
    what other runs wrote meanwhile); the section reports every scale factor measured so far."""
    for scale in scales:
        before, key = load_average(), f"sf{scale:g}"

        def store(
            outcomes: dict[tuple[int, str], Outcome], complete: bool = False, before: str = before, key: str = key
        ) -> None:
            results = _earlier()
            results[key] = {
                "repeats": repeats,
                "complete": complete,
                "load": f"{before} before, {load_average()} {'after' if complete else 'so far'}",
                "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
                "outcomes": {f"q{q} {v}": asdict(o) for (q, v), o in outcomes.items()},
            }
            RESULTS.parent.mkdir(parents=True, exist_ok=True)
            partial = RESULTS.with_name(f".{RESULTS.name}.{os.getpid()}")
            partial.write_text(json.dumps(results, indent=1, default=str), encoding="utf-8")
            os.replace(partial, RESULTS)  # a reader never sees half a file

        store(measure(scale, repeats, store, variants), complete=True)
    return reported(_earlier())


def _section() -> Section:
    return Section(
        name="tpch",
        title="8. TPC-H Q1, Q3, Q5, Q6, Q10, Q12",
        intro=(
            "Six TPC-H queries drawn as flowcharts from the step modules (`bench/tpch/flowcharts/`, no "
            "`sql_query`), over the Parquet files `tpchgen-cli` writes (DECIMAL(15,2), DATE, string_view), "
            "against hand-written pandas (money as float64, reading only the needed columns), polars (lazy "
            "scans) and DuckDB running the official SQL (`bench/tpch/sql/`). Whole processes, alternating "
            "runs, medians; **cold** is `dataops run` in its own process, **warm** forks it from a warm run "
            "server. Every answer is checked against DuckDB's: the flowcharts' decimals exactly and dates as "
            "dates. Peak memory is each process's; a warm run's happens in the server's child, so the "
            "dataops column is the cold run's. `python -m bench tpch --sf 1` (add `--sf 1 10` for SF 10)."
        ),
        headers=[
            "SF",
            "query",
            "pandas s",
            "polars s",
            "DuckDB s",
            "cold s",
            "warm s",
            "warm / pandas",
            "warm / DuckDB",
            "pandas MiB",
            "polars MiB",
            "DuckDB MiB",
            "dataops MiB",
        ],
    )


def reported(results: dict[str, dict[str, Any]]) -> Section:
    """The section of every scale factor measured so far, each from its latest run (SF 10 takes long)."""
    section = _section()
    for key in sorted(results, key=lambda k: float(k.removeprefix("sf"))):
        scale, run = float(key.removeprefix("sf")), results[key]
        _report(section, scale, _outcomes(run["outcomes"]))
        section.notes.append(
            f"SF {scale:g} measured {run['when']}, {run['repeats']} alternating run(s)"
            f"{'' if run.get('complete', True) else ' (interrupted: the runs that finished)'}; load average "
            f"(1/5/15 min) {run['load']} on {machine()}."
        )
    section.settings = ", ".join(f"SF {k.removeprefix('sf')}: {results[k]['repeats']} run(s)" for k in results)
    section.notes.append(f"Every run's figures and output: `{RESULTS.relative_to(WORK.parents[1])}` (not committed).")
    return section


def _earlier() -> dict[str, dict[str, Any]]:
    """The runs of earlier invocations, by scale factor (in the current format only)."""
    try:
        earlier = json.loads(RESULTS.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return {key: value for key, value in earlier.items() if isinstance(value, dict) and "outcomes" in value}


def _outcomes(stored: dict[str, dict[str, Any]]) -> dict[tuple[int, str], Outcome]:
    outcomes = {}
    for key, value in stored.items():
        query, variant = key.split(" ", 1)
        runs = [Process(**run) for run in value["runs"]]
        outcomes[int(query.removeprefix("q")), variant] = Outcome(runs, value["problem"])
    return outcomes


def _report(section: Section, scale: float, outcomes: dict[tuple[int, str], Outcome]) -> None:
    """Rows, targets, notes and the plot of one scale factor."""
    wall = {(q, v): outcomes[q, v].median("seconds") for q in QUERIES for v in VARIANTS}
    peak = {(q, v): outcomes[q, v].median("peak_mib") for q in QUERIES for v in VARIANTS}
    versus_pandas, versus_duckdb = [], []
    for query in QUERIES:
        warm = wall[query, "dataops warm"]
        ratios = (warm / wall[query, "pandas"], warm / wall[query, "duckdb"])
        versus_pandas.append(ratios[0])
        versus_duckdb.append(ratios[1])
        section.rows.append(
            [
                f"{scale:g}",
                f"Q{query}",
                *(_cell(outcomes[query, v], wall[query, v]) for v in VARIANTS),
                *(f"{r:.2f}x" if not math.isnan(r) else "—" for r in ratios),
                *(_mib(outcomes[query, v], peak[query, v]) for v in ("pandas", "polars", "duckdb", "dataops cold")),
            ]
        )
    means = [_geomean(versus_pandas), _geomean(versus_duckdb)]
    counted = sum(not math.isnan(r) for r in versus_pandas)
    blank = [""] * 5
    section.rows.append(
        [f"{scale:g}", f"geomean ({counted} of {len(QUERIES)})", *blank, *(_ratio(m) for m in means), *blank[:4]]
    )
    correct = [q for q in QUERIES if all(outcomes[q, v].runs for v in ("dataops cold", "dataops warm"))]
    unfinished = [q for q in QUERIES if any(not o.runs and not o.problem for (k, _), o in outcomes.items() if k == q)]
    section.notes.append(
        f"SF {scale:g}: dataops answered {len(correct)} of {len(QUERIES)} queries right"
        + (f" (Q{', Q'.join(map(str, correct))})" if correct else "")
        + (f"; Q{', Q'.join(map(str, unfinished))} had not finished when the run was stopped." if unfinished else ".")
    )
    left_out = sorted({v for (_, v), o in outcomes.items() if o.problem == SKIPPED}, key=VARIANTS.index)
    if left_out:
        section.notes.append(f"SF {scale:g}: {', '.join(left_out)} not run (left out of this run).")
    for (query, variant), outcome in outcomes.items():
        if outcome.problem and outcome.problem != SKIPPED:
            section.notes.append(f"SF {scale:g} Q{query} {variant}: {outcome.problem}")
    if scale == 1:
        for query, ratio in zip(QUERIES, versus_pandas, strict=True):
            if not math.isnan(ratio):
                section.targets.append(Target(f"SF 1 Q{query}, dataops warm / pandas wall time", ratio, 1.0))
            if not math.isnan(peak[query, "dataops cold"]) and not math.isnan(peak[query, "pandas"]):
                memory = peak[query, "dataops cold"] / peak[query, "pandas"]
                section.targets.append(Target(f"SF 1 Q{query}, dataops / pandas peak memory", memory, 1.0))
        if counted:
            section.targets.append(Target("SF 1 geometric mean, dataops warm / DuckDB wall time", means[1], 3.0))
    section.images.append(
        bar_chart(
            f"tpch-sf{scale:g}",
            f"TPC-H SF {scale:g}: wall time per query (median; missing bar = failed or wrong)",
            [f"Q{q}" for q in QUERIES],
            {LABELS[v]: [wall[q, v] for q in QUERIES] for v in VARIANTS},
            "seconds",
            log=True,
        )
    )


def _cell(outcome: Outcome, seconds: float) -> object:
    if outcome.problem:
        return outcome.problem.split(":", 1)[0]
    return "—" if math.isnan(seconds) else seconds


def _mib(outcome: Outcome, mib: float) -> object:
    return "—" if math.isnan(mib) else round(mib)


def _ratio(value: float) -> str:
    return "—" if math.isnan(value) else f"{value:.2f}x"


def _geomean(values: list[float]) -> float:
    present = [v for v in values if not math.isnan(v)]
    return math.exp(sum(map(math.log, present)) / len(present)) if present else math.nan


if __name__ == "__main__":  # `python -m bench.tpch.runner`: rewrite the docs from results.json, measuring nothing
    write([reported(_earlier())])
