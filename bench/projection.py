"""Benchmark 4: column projection: a group_aggregate over 2 of 50 columns, pushdown on and off.

read_csv -> group_aggregate(by region, sum of amount) -> write_csv through `dataops run`, with
`DATAOPS_PROJECTION=on` (the reader parses 2 columns, the hand-off carries 2) and `off` (all
50 everywhere). Peak memory is the process's own maximum resident set (wait4's rusage).
"""

from __future__ import annotations

from bench.common import Process, alternate, dagster_workspace, dataops_run, median, wide_csv
from bench.common import run_process as run_dataops
from bench.report import Section, Target, bar_chart

TARGET = 0.40
FLOWCHART = """
name: bench_projection
nodes:
  - {{id: load, module: read_csv, params: {{path: {source}}}}}
  - id: totals
    module: group_aggregate
    params: {{by: [region], aggregations: [{{column: amount, function: sum}}]}}
  - {{id: save, module: write_csv, params: {{path: out/projection_{{mode}}.csv}}}}
edges:
  - {{from: load, to: totals}}
  - {{from: totals, to: save}}
"""


def run(rows: int, columns: int, repeats: int) -> Section:
    source = wide_csv(rows, columns)
    with dagster_workspace(source.parent) as (work, env):
        for mode in ("on", "off"):
            text = FLOWCHART.format(source=source.name).replace("{mode}", mode)
            (work / f"{mode}.yaml").write_text(text, encoding="utf-8")
        runs: dict[str, list[Process]] = alternate(
            {
                mode: (
                    lambda mode=mode: run_dataops(
                        dataops_run(work / f"{mode}.yaml"), {**env, "DATAOPS_PROJECTION": mode}
                    )
                )
                for mode in ("on", "off")
            },
            repeats,
        )
        outputs = [(source.parent / "out" / f"projection_{mode}.csv").read_bytes() for mode in ("on", "off")]
        assert outputs[0] == outputs[1], "projection changed the output"
    peak = {mode: median([p.peak_mib for p in runs[mode]]) for mode in runs}
    wall = {mode: median([p.seconds for p in runs[mode]]) for mode in runs}
    share = peak["on"] / peak["off"]
    section = Section(
        name="projection",
        title="4. Column projection",
        intro=(
            f"A `group_aggregate` over 2 of {columns} columns (group by `region`, sum `amount`) read from a "
            f"{source.stat().st_size / 2**20:,.0f} MiB CSV, through `dataops run` with projection pushdown on "
            "(`DATAOPS_PROJECTION=on`: the CSV reader converts 2 columns, the hand-off carries 2) and off "
            "(every column everywhere). Peak memory is the whole process's maximum resident set, Python and "
            "Dagster included; the two outputs are byte-identical."
        ),
        headers=["projection", "peak MiB", "wall s", "CPU s"],
        settings=f"{rows:,} rows × {columns} columns; {repeats} alternating runs",
    )
    for mode in ("on", "off"):
        section.rows.append([mode, round(peak[mode]), wall[mode], median([p.cpu_seconds for p in runs[mode]])])
    section.targets.append(Target("peak memory, projection on / off", share * 100, TARGET * 100, unit="%"))
    section.images.append(
        bar_chart(
            "projection",
            f"group_aggregate over 2 of {columns} columns, {rows:,} rows",
            ["peak memory (MiB)", "wall time (s × 100)"],
            {f"projection {m}": [peak[m], wall[m] * 100] for m in ("on", "off")},
            "",
        )
    )
    print(
        f"  on {peak['on']:.0f} MiB {wall['on']:.2f} s   off {peak['off']:.0f} MiB {wall['off']:.2f} s   {share:.0%}",
        flush=True,
    )
    return section
