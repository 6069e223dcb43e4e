"""Compile every flowchart on its own: one broken file never hides the others."""

from __future__ import annotations

import re
import traceback
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from dataops.errors import FlowchartError, Problem, Where
from dataops.settings import get_settings
from dataops.spec import ValidFlowchart, parse_flowchart
from dataops_defs.compiler.broken import broken_op_name, make_broken_job
from dataops_defs.compiler.job import make_flowchart_job, refused_by_dagster
from dataops_defs.compiler.op import op_name
from dataops_defs.resources import make_resources
from dataops_defs.snapshot import FlowchartSource


@dataclass(frozen=True)
class Compiled:
    """The outcome for one file: a valid flowchart and its job, or the error and a broken job."""

    source: FlowchartSource
    job: dg.JobDefinition
    flowchart: ValidFlowchart | None = None
    error: FlowchartError | None = None


def compile_all(sources: Sequence[FlowchartSource], hint: str = "") -> list[Compiled]:
    """Jobs for all sources; a file whose names clash with an earlier file's becomes broken.

    Dagster checks a job when it is built and again when the code location assembles them all
    (op and graph names must be unique across jobs). Both checks run here, per file, so whatever
    Dagster would refuse becomes that file's broken job and the location always loads.
    """
    results: list[Compiled] = []
    claimed: dict[str, _Claim] = {}  # every Dagster job, graph and op name taken, and by what
    for source in sources:
        try:
            flowchart = parse_flowchart(source.text, file=source.file, json_format=source.file.endswith(".json"))
            names = _names(flowchart)
            _refuse_claimed(names, claimed)
            job = _checked_job(flowchart)
        except FlowchartError as exc:
            results.append(_broken(source, exc, claimed, hint))
            continue
        except Exception as exc:  # our bug, not the user's: still never the location's failure
            problem = Problem(Where(file=source.file), f"compiling failed, a bug in DataOps:\n{_trace(exc)}")
            results.append(_broken(source, FlowchartError([problem]), claimed, hint))
            continue
        claimed.update(names)
        results.append(Compiled(source, job, flowchart=flowchart))
    return results


@dataclass(frozen=True)
class _Claim:
    """What took a Dagster name: a flowchart's job (and graph), or the op of one of its nodes."""

    flowchart: str
    file: str
    node: str | None = None

    def __str__(self) -> str:
        if self.node is None:
            return f"the job of flowchart '{self.flowchart}' ({self.file})"
        return f"the op of node '{self.node}' of flowchart '{self.flowchart}' ({self.file})"


def _names(flowchart: ValidFlowchart) -> dict[str, _Claim]:
    """The Dagster names the flowchart's job takes: the job (and its graph), one op per node."""
    file = flowchart.file or ""
    names = {flowchart.name: _Claim(flowchart.name, file)}
    names.update({op_name(flowchart.name, node): _Claim(flowchart.name, file, node) for node in flowchart.order})
    return names


def _refuse_claimed(names: dict[str, _Claim], claimed: dict[str, _Claim]) -> None:
    """A name another file took first: the same flowchart name, or a `__` in names making op names meet."""
    job = next(iter(names.values()))
    other = claimed.get(job.flowchart)
    if other is not None and other.node is None:  # then every op name clashes too: say it once
        message = f"the name '{job.flowchart}' is used by {other.file} already; job names must be unique"
        raise FlowchartError([Problem(Where(job.flowchart, None, "name", job.file), message)])
    problems = []
    for name, mine in names.items():
        if (other := claimed.get(name)) is not None:
            kind, fix = ("job", "flowchart") if mine.node is None else ("op", "node")
            problems.append(
                Problem(
                    Where(mine.flowchart, mine.node, "name" if mine.node is None else "id", mine.file),
                    f"Dagster names this {kind} '{name}', which is already {other}; op names "
                    f"(<flowchart>__<node>) must be unique across flowcharts: rename the {fix}",
                )
            )
    if problems:
        raise FlowchartError(problems)


def _checked_job(flowchart: ValidFlowchart) -> dg.JobDefinition:
    """The job, after Dagster's own checks of it with the shared resources (what a code location runs when it
    resolves it)."""
    job = make_flowchart_job(flowchart)
    try:
        dg.Definitions(jobs=[job], resources=make_resources(get_settings())).resolve_job_def(job.name)
    except (dg.DagsterError, RecursionError) as exc:
        raise refused_by_dagster(flowchart, exc) from exc
    return job


def _broken(source: FlowchartSource, error: FlowchartError, claimed: dict[str, _Claim], hint: str) -> Compiled:
    name = _job_name_for_broken(source, claimed)
    claimed.update({name: _Claim(name, source.file), broken_op_name(name): _Claim(name, source.file, "invalid_flowchart")})
    message = str(error) + (f"\n{hint}" if hint else "")
    return Compiled(source, make_broken_job(name, source.file, message), error=error)


def _job_name_for_broken(source: FlowchartSource, claimed: dict[str, _Claim]) -> str:
    """The flowchart's own name when readable and free, else one made from the file name."""
    match = re.search(r"^name:\s*['\"]?([A-Za-z_][A-Za-z0-9_]*)", source.text, re.MULTILINE) or re.search(
        r'"name"\s*:\s*"([A-Za-z_][A-Za-z0-9_]*)"', source.text
    )
    base = match.group(1) if match else re.sub(r"\W", "_", Path(source.file).stem) or "flowchart"
    base = base if re.match(r"[A-Za-z_]", base) else f"f_{base}"
    name, n = base, 1
    while name in claimed or broken_op_name(name) in claimed:
        n += 1
        name = f"{base}__invalid_{n}"
    return name


def _trace(exc: Exception) -> str:
    return "".join(traceback.format_exception(exc)).rstrip()
