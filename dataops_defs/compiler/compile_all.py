"""Compile every flowchart on its own: one broken file never hides the others."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from dataops.errors import FlowchartError, Problem, Where
from dataops.spec import ValidFlowchart, parse_flowchart
from dataops_defs.compiler.broken import make_broken_job
from dataops_defs.compiler.job import make_flowchart_job
from dataops_defs.snapshot import FlowchartSource


@dataclass(frozen=True)
class Compiled:
    """The outcome for one file: a valid flowchart and its job, or the error and a broken job."""

    source: FlowchartSource
    job: dg.JobDefinition
    flowchart: ValidFlowchart | None = None
    error: FlowchartError | None = None


def compile_all(sources: Sequence[FlowchartSource], hint: str = "") -> list[Compiled]:
    """Jobs for all sources; duplicate flowchart names make the later files broken."""
    results: list[Compiled] = []
    taken: dict[str, str] = {}
    for source in sources:
        try:
            flowchart = parse_flowchart(source.text, file=source.file, json_format=source.file.endswith(".json"))
        except FlowchartError as exc:
            results.append(_broken(source, exc, taken, hint))
            continue
        if flowchart.name in taken:
            problem = Problem(
                Where(flowchart.name, None, "name", source.file),
                f"the name '{flowchart.name}' is used by {taken[flowchart.name]} already; job names must be unique",
            )
            results.append(_broken(source, FlowchartError([problem]), taken, hint))
            continue
        try:
            job = make_flowchart_job(flowchart)
        except RecursionError:  # Dagster builds graphs recursively; never let one file take the location down
            problem = Problem(
                Where(flowchart.name, None, "nodes", source.file), "the graph is too deep for Dagster to build"
            )
            results.append(_broken(source, FlowchartError([problem]), taken, hint))
            continue
        taken[flowchart.name] = source.file
        results.append(Compiled(source, job, flowchart=flowchart))
    return results


def _broken(source: FlowchartSource, error: FlowchartError, taken: dict[str, str], hint: str) -> Compiled:
    name = _job_name_for_broken(source, taken)
    taken[name] = source.file
    message = str(error) + (f"\n{hint}" if hint else "")
    return Compiled(source, make_broken_job(name, source.file, message), error=error)


def _job_name_for_broken(source: FlowchartSource, taken: dict[str, str]) -> str:
    """The flowchart's own name when readable and free, else one made from the file name."""
    match = re.search(r"^name:\s*['\"]?([A-Za-z_][A-Za-z0-9_]*)", source.text, re.MULTILINE) or re.search(
        r'"name"\s*:\s*"([A-Za-z_][A-Za-z0-9_]*)"', source.text
    )
    base = match.group(1) if match else re.sub(r"\W", "_", Path(source.file).stem) or "flowchart"
    base = base if re.match(r"[A-Za-z_]", base) else f"f_{base}"
    name, n = base, 1
    while name in taken:
        n += 1
        name = f"{base}__invalid_{n}"
    return name
