"""`dataops run FILE`: validate, compile, execute with per-node progress; exit 0 ok, 1 failed, 2 usage."""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import yaml

from dataops.errors import FlowchartError, Problem, Where
from dataops.flowcharts import load_flowchart
from dataops.settings import get_settings
from dataops.spec import ValidFlowchart, validate_params
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
    from dataops.cli.instance import instance_env

    settings = get_settings()
    os.environ.update(instance_env(settings, Path.cwd()))
    for plugin_problem in discover(settings.plugins):
        click.echo(f"warning: plugin {plugin_problem}", err=True)
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


INVOCATION_TAG = "dataops/invocation"


def _execute(flowchart: ValidFlowchart, merged: dict[str, dict[str, Any]]) -> int:
    import dagster as dg

    from dataops.cli.progress import Progress
    from dataops_defs.compiler import run_config as config_for
    from dataops_defs.standalone import reconstructable_job

    # Reconstructable, so the multiprocess and Celery executors can rebuild it in their processes.
    recon = reconstructable_job(flowchart)
    job = recon.get_definition()
    run_config = config_for(flowchart, merged)
    run_config["loggers"] = {"console": {"config": {"log_level": "CRITICAL"}}}
    instance = dg.DagsterInstance.get()
    # `dg.execute_job` creates the run; this tag finds it, so that its progress is followed and this
    # process is recorded as its worker (run monitoring fails the run if it dies, dataops_defs/launcher.py).
    invocation = str(uuid.uuid4())
    progress = Progress(flowchart)
    run_ids: list[str] = []

    def header(run_id: str) -> None:
        run_ids.append(run_id)
        click.echo(f"▶ {flowchart.name}  run {run_id}  ({flowchart.file})")

    started = time.perf_counter()
    with _following(instance, invocation, header, progress.on_event):
        result = dg.execute_job(
            recon,
            instance,
            run_config=run_config,
            tags={**job.run_tags, "dataops/source": "cli", INVOCATION_TAG: invocation},
            raise_on_error=False,
        )
    elapsed = time.perf_counter() - started
    if not run_ids:
        header(result.run_id)
    if result.success:
        click.echo(f"✓ {flowchart.name} succeeded in {elapsed:.1f} s (run {result.run_id})")
        return 0
    click.echo(f"✗ {flowchart.name} failed in {elapsed:.1f} s (run {result.run_id})", err=True)
    for line in progress.failures:
        click.echo(line, err=True)
    return 1


@contextmanager
def _following(
    instance: Any,
    invocation: str,
    on_run: Callable[[str], None],
    on_event: Callable[[Any], None],
    interval: float = 0.05,
) -> Iterator[None]:
    """Find the run tagged `invocation`, record this process as its worker, and feed its stored
    events to `on_event` in order while the block runs, and the rest after it.

    Read from the instance's storage, because with the multiprocess and Celery executors the
    nodes run, and log their events, in other processes.
    """
    import dagster as dg

    from dataops_defs.run_worker import RunWorker

    found: list[str] = []
    cursor: list[str | None] = [None]
    done = threading.Event()

    def find() -> bool:
        if not found:
            ids = instance.get_run_ids(dg.RunsFilter(tags={INVOCATION_TAG: invocation}), limit=1)
            if not ids:
                return False
            found.append(ids[0])
            instance.add_run_tags(ids[0], RunWorker.this_process(ids[0]).tags())
            on_run(ids[0])
        return True

    def drain() -> None:
        while find():
            batch = instance.get_records_for_run(found[0], cursor=cursor[0], limit=1000)
            for record in batch.records:
                on_event(record.event_log_entry)
            cursor[0] = batch.cursor
            if not batch.has_more:
                return

    def follow() -> None:
        wait = interval
        while not done.wait(wait):
            drain()
            wait = interval if not found else 0.2

    thread = threading.Thread(target=follow, name="dataops-run-progress", daemon=True)
    thread.start()
    try:
        yield
    finally:
        done.set()
        thread.join()
        drain()
