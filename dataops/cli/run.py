"""`dataops run FILE`: validate, compile, execute with per-node progress; exit 0 ok, 1 failed, 2 usage."""

from __future__ import annotations

import os
import time
import uuid
from pathlib import Path
from typing import Any

import click
import yaml

from dataops.errors import FlowchartError, Problem, Where
from dataops.settings import get_settings
from dataops.spec import ValidFlowchart, load_flowchart
from dataops.spec.loader import validate_params
from module_library.discovery import discover


class UsageError(Exception):
    """A malformed command line (exit code 2)."""


def parse_overrides(flowchart: ValidFlowchart, overrides: list[str]) -> dict[str, dict[str, Any]]:
    """`NODE.PARAM=VALUE` items (VALUE read as YAML) merged over each node's params and validated."""
    merged: dict[str, dict[str, Any]] = {}
    for item in overrides:
        target, sep, raw = item.partition("=")
        node, dot, param = target.partition(".")
        if not sep or not dot or not node or not param:
            raise UsageError(f"--set {item!r}: expected NODE.PARAM=VALUE")
        if node not in flowchart.nodes:
            raise UsageError(
                f"--set {item!r}: {flowchart.name} has no node '{node}' (nodes: {', '.join(flowchart.nodes)})"
            )
        try:
            value = yaml.safe_load(raw) if raw.strip() else ""
        except yaml.YAMLError:
            value = raw
        merged.setdefault(node, dict(flowchart.nodes[node].params))[param] = value
    problems: list[Problem] = []
    for node, params in merged.items():
        spec = flowchart.modules[node]
        model, found = validate_params(flowchart.name, node, spec.name, spec.params, params, flowchart.file)
        problems += [Problem(Where(p.where.flowchart, p.where.node, p.where.field, "--set"), p.message) for p in found]
        if model is not None:
            merged[node] = model.model_dump(mode="json", by_alias=True)
    if problems:
        raise FlowchartError(problems)
    return merged


def run_file(file: Path, overrides: list[str]) -> int:
    os.environ.setdefault("DAGSTER_HOME", str(Path.cwd()))
    settings = get_settings()
    for problem in discover(settings.plugins):
        click.echo(f"warning: plugin {problem}", err=True)
    if not file.is_file():
        click.echo(f"error: no such file: {file}", err=True)
        return 2
    try:
        flowchart = load_flowchart(file)
        merged = parse_overrides(flowchart, overrides)
    except FlowchartError as exc:
        for problem in exc.problems:
            click.echo(str(problem), err=True)
        return 1
    except UsageError as exc:
        click.echo(f"error: {exc}", err=True)
        return 2
    return _execute(flowchart, merged)


def _execute(flowchart: ValidFlowchart, merged: dict[str, dict[str, Any]]) -> int:
    import dagster as dg

    from dataops.cli.progress import Progress
    from dataops_defs.compiler import default_run_config, make_flowchart_job, op_name
    from dataops_defs.resources import make_resources

    job = make_flowchart_job(flowchart)
    run_config = default_run_config(flowchart)
    for node, params in merged.items():
        run_config["ops"][op_name(flowchart.name, node)]["config"] = params
    run_config["loggers"] = {"console": {"config": {"log_level": "CRITICAL"}}}
    instance = dg.DagsterInstance.get()
    run_id = str(uuid.uuid4())
    progress = Progress(flowchart)
    instance.add_event_listener(run_id, progress.on_event)
    click.echo(f"▶ {flowchart.name}  run {run_id}  ({flowchart.file})")
    started = time.perf_counter()
    result = job.execute_in_process(
        run_config=run_config,
        instance=instance,
        run_id=run_id,
        raise_on_error=False,
        resources=make_resources(get_settings()),
        tags={"dataops/source": "cli"},
    )
    elapsed = time.perf_counter() - started
    if result.success:
        click.echo(f"✓ {flowchart.name} succeeded in {elapsed:.1f} s (run {run_id})")
        return 0
    click.echo(f"✗ {flowchart.name} failed in {elapsed:.1f} s (run {run_id})", err=True)
    for line in progress.failures:
        click.echo(line, err=True)
    return 1
