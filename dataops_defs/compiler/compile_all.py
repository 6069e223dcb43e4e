"""Compile every flowchart on its own: one broken file never hides the others."""

from __future__ import annotations

import re
import traceback
from collections.abc import Sequence
from dataclasses import dataclass, field

import dagster as dg

from dataops.errors import FlowchartError, Problem, Where
from dataops.flowcharts import FlowchartSource, declared_name, parse
from dataops.settings import get_settings
from dataops.spec import ValidFlowchart
from dataops_defs.compiler.assets import Targets, external_asset, targets_of
from dataops_defs.compiler.broken import broken_op_name, make_broken_job
from dataops_defs.compiler.graph import graph_name
from dataops_defs.compiler.job import make_flowchart_defs, refused_by_dagster
from dataops_defs.compiler.keys import Target
from dataops_defs.compiler.op import op_name
from dataops_defs.resources import make_resources


@dataclass(frozen=True)
class Compiled:
    """The outcome for one file: a valid flowchart, its multi-asset and job, or the error and a broken job."""

    source: FlowchartSource
    job: dg.JobDefinition | dg.UnresolvedAssetJobDefinition
    flowchart: ValidFlowchart | None = None
    error: FlowchartError | None = None
    assets: dg.AssetsDefinition | None = None
    reads: dict[str, Target] = field(default_factory=dict)  # source node -> what it reads


def compile_all(sources: Sequence[FlowchartSource], hint: str = "") -> list[Compiled]:
    """Jobs and assets for all sources; a file whose names clash with an earlier file's becomes broken.

    Dagster checks a job when it is built and again when the code location assembles them all
    (op, graph and job names, and asset keys, must be unique). Both checks run here, per file, so
    whatever Dagster would refuse becomes that file's broken job and the location always loads.
    A source reading what another flowchart writes depends on that asset, unless the dependency
    would close a cycle of flowcharts (then it reads the file or table without lineage).
    """
    root = str(get_settings().data_root_resolved)
    parsed: list[tuple[FlowchartSource, ValidFlowchart, Targets] | Compiled] = []
    claimed: dict[str, _Claim] = {}  # every Dagster job, graph and op name taken, and by what
    producers: dict[dg.AssetKey, str] = {}  # asset key -> the flowchart writing it
    for source in sources:
        try:
            flowchart = parse(source)
            names = _names(flowchart)
            _refuse_claimed(names, claimed)
            targets = targets_of(flowchart, root)
            _refuse_written(flowchart, targets, producers)
        except FlowchartError as exc:
            parsed.append(_broken(source, exc, claimed, hint))
            continue
        except Exception as exc:  # our bug, not the user's: still never the location's failure
            parsed.append(_broken(source, _bug(source, exc), claimed, hint))
            continue
        claimed.update(names)
        producers.update({t.key: flowchart.name for t in targets.writes.values()})
        parsed.append((source, flowchart, targets))
    upstream = _lineage([p[1:] for p in parsed if not isinstance(p, Compiled)], producers)
    results = []
    for item in parsed:
        if isinstance(item, Compiled):
            results.append(item)
            continue
        source, flowchart, targets = item
        try:
            assets, job = _checked(flowchart, targets, upstream[flowchart.name])
        except FlowchartError as exc:
            results.append(_broken(source, exc, {}, hint, name=flowchart.name))
            continue
        except Exception as exc:  # our bug, as above
            results.append(_broken(source, _bug(source, exc), {}, hint, name=flowchart.name))
            continue
        results.append(Compiled(source, job, flowchart=flowchart, assets=assets, reads=targets.reads))
    return results


def assets_of(compiled: Sequence[Compiled]) -> list[dg.AssetsDefinition | dg.AssetSpec]:
    """The flowcharts' multi-assets, and as external assets the files and tables they read that no
    compiled flowchart writes (so inputs are in the Catalog too)."""
    assets = [c.assets for c in compiled if c.assets is not None]
    written = {key for a in assets for key in a.keys}
    externals: dict[dg.AssetKey, dg.AssetSpec] = {}
    for c in compiled:
        for target in c.reads.values():
            if target.key not in written and target.key not in externals:
                externals[target.key] = external_asset(target)
    return [*assets, *externals.values()]


def _refuse_written(flowchart: ValidFlowchart, targets: Targets, producers: dict[dg.AssetKey, str]) -> None:
    """One writer per file or table: another sink (here or in an earlier file) writing the same one."""
    mine: dict[dg.AssetKey, str] = {}
    problems = []
    for node, target in targets.writes.items():
        where = Where(flowchart.name, node, "params", flowchart.file)
        if target.key in mine:
            problems.append(
                Problem(
                    where,
                    f"node '{mine[target.key]}' writes {target.description} already; "
                    "each file or table has one writer: write elsewhere",
                )
            )
        elif target.key in producers:
            problems.append(
                Problem(
                    where,
                    f"flowchart '{producers[target.key]}' writes {target.description} "
                    "already; each file or table has one writer: write elsewhere, or read its output",
                )
            )
        mine.setdefault(target.key, node)
    if problems:
        raise FlowchartError(problems)


def _lineage(
    flowcharts: list[tuple[ValidFlowchart, Targets]], producers: dict[dg.AssetKey, str]
) -> dict[str, dict[str, dg.AssetKey]]:
    """Per flowchart, the source nodes that depend on an asset (another flowchart's, or external).

    A dependency that would close a cycle of flowcharts (A reads B's output, B reads A's) is left
    out, so lineage stays a graph Dagster accepts and triggers after upstream never loop.
    """
    after: dict[str, set[str]] = {f.name: set() for f, _ in flowcharts}  # flowchart -> the ones it reads from

    def reaches(start: str, goal: str) -> bool:
        seen, stack = set(), [start]
        while stack:
            name = stack.pop()
            if name == goal:
                return True
            if name not in seen:
                seen.add(name)
                stack.extend(after.get(name, ()))
        return False

    upstream: dict[str, dict[str, dg.AssetKey]] = {}
    for flowchart, targets in flowcharts:
        reads = upstream[flowchart.name] = {}
        for node, target in targets.reads.items():
            producer = producers.get(target.key)
            if producer == flowchart.name or (producer is not None and reaches(producer, flowchart.name)):
                continue
            if producer is not None:
                after[flowchart.name].add(producer)
            reads[node] = target.key
    return upstream


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
    names = {flowchart.name: _Claim(flowchart.name, file), graph_name(flowchart.name): _Claim(flowchart.name, file)}
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


def _checked(
    flowchart: ValidFlowchart, targets: Targets, reads: dict[str, dg.AssetKey]
) -> tuple[dg.AssetsDefinition | None, dg.JobDefinition | dg.UnresolvedAssetJobDefinition]:
    """The asset and job, after Dagster's own checks of them alone (what a code location runs when it resolves them)."""
    try:
        assets, job = make_flowchart_defs(flowchart, targets.writes, reads)
        read = [dg.AssetSpec(key) for key in set(reads.values())]
        resources = make_resources(get_settings())  # the ops need the run settings
        dg.Definitions(assets=[*([assets] if assets else []), *read], jobs=[job], resources=resources).resolve_job_def(
            flowchart.name
        )
    except (dg.DagsterError, RecursionError) as exc:
        raise refused_by_dagster(flowchart, exc) from exc
    return assets, job


def _bug(source: FlowchartSource, exc: Exception) -> FlowchartError:
    return FlowchartError([Problem(Where(file=source.file), f"compiling failed, a bug in DataOps:\n{_trace(exc)}")])


def _broken(
    source: FlowchartSource, error: FlowchartError, claimed: dict[str, _Claim], hint: str, name: str | None = None
) -> Compiled:
    """A broken job of the flowchart's own name (`name`, when it holds it already), else a free one."""
    name = name or _job_name_for_broken(source, claimed)
    claimed.update(
        {name: _Claim(name, source.file), broken_op_name(name): _Claim(name, source.file, "invalid_flowchart")}
    )
    message = str(error) + (f"\n{hint}" if hint else "")
    return Compiled(source, make_broken_job(name, source.file, message), error=error)


def _job_name_for_broken(source: FlowchartSource, claimed: dict[str, _Claim]) -> str:
    """The flowchart's own name when readable and free, else one made from the file name."""
    base = declared_name(source) or re.sub(r"\W", "_", source.path.stem) or "flowchart"
    base = base if re.match(r"[A-Za-z_]", base) else f"f_{base}"
    name, n = base, 1
    while name in claimed or broken_op_name(name) in claimed:
        n += 1
        name = f"{base}__invalid_{n}"
    return name


def _trace(exc: Exception) -> str:
    return "".join(traceback.format_exception(exc)).rstrip()
