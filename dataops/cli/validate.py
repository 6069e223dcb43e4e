"""`dataops validate`: one line per problem, exit 0 valid, 1 invalid, 2 usage error."""

from __future__ import annotations

from pathlib import Path

import click

from dataops import flowcharts
from dataops.errors import FlowchartError, Problem, Where
from dataops.settings import get_settings
from dataops.spec.schema import check_schemas
from module_library.discovery import discover


def validate_files(files: list[Path], *, strict: bool) -> int:
    settings = get_settings()
    plugin_problems = discover(settings.plugins)
    if not files:
        files = [_shown(p) for p in flowcharts.list_files(settings.flowcharts)]
        if not files:
            click.echo(f"error: no flowchart files given and none in {settings.flowcharts}", err=True)
            return 2
    missing = [f for f in files if not f.is_file()]
    if missing:
        for f in missing:
            click.echo(f"error: no such file: {f}", err=True)
        return 2
    label = "error" if strict else "warning"
    for plugin_problem in plugin_problems:
        click.echo(f"{label}: plugin {plugin_problem}", err=True)
    invalid = bool(strict and plugin_problems)
    named: list[tuple[str, str]] = []
    for file in files:
        try:
            flowchart = flowcharts.parse(flowcharts.read(file))
        except FlowchartError as exc:
            invalid = True
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            continue
        named.append((str(file), flowchart.name))
        found = check_schemas(flowchart, root=settings.data_root_resolved).problems  # columns, files, SQL
        if found:
            invalid = True
            for problem in found:
                click.echo(str(problem), err=True)
            continue
        click.echo(f"ok: {file} ({flowchart.name}: {len(flowchart.nodes)} nodes, {len(flowchart.wires)} edges)")
    if strict:
        for clash in flowcharts.name_clashes(named):
            invalid = True
            click.echo(str(Problem(Where(clash.name, None, "name", clash.file), f"also used by {clash.first}")), err=True)
    return 1 if invalid else 0


def _shown(path: Path) -> Path:
    """Paths under the working directory are shown relative to it."""
    absolute = path.resolve()
    return absolute.relative_to(Path.cwd()) if absolute.is_relative_to(Path.cwd()) else path
