"""`dataops validate`: one line per problem, exit 0 valid, 1 invalid, 2 usage error."""

from __future__ import annotations

from pathlib import Path

import click

from dataops.errors import FlowchartError
from dataops.settings import get_settings
from dataops.spec import FLOWCHART_SUFFIXES, load_flowchart
from module_library.discovery import discover


def validate_files(files: list[Path], *, strict: bool) -> int:
    settings = get_settings()
    plugin_problems = discover(settings.plugins)
    if not files:
        folder = settings.flowcharts
        files = (
            sorted(_shown(p) for p in folder.glob("*") if p.suffix.lower() in FLOWCHART_SUFFIXES)
            if folder.is_dir()
            else []
        )
        if not files:
            click.echo(f"error: no flowchart files given and none in {folder}", err=True)
            return 2
    missing = [f for f in files if not f.is_file()]
    if missing:
        for f in missing:
            click.echo(f"error: no such file: {f}", err=True)
        return 2
    label = "error" if strict else "warning"
    for problem in plugin_problems:
        click.echo(f"{label}: plugin {problem}", err=True)
    invalid = bool(strict and plugin_problems)
    names: dict[str, Path] = {}
    for file in files:
        try:
            flowchart = load_flowchart(file)
        except FlowchartError as exc:
            invalid = True
            for problem in exc.problems:
                click.echo(str(problem), err=True)
            continue
        if strict and flowchart.name in names:
            invalid = True
            click.echo(f"{file}: {flowchart.name} › name: also used by {names[flowchart.name]}", err=True)
        names.setdefault(flowchart.name, file)
        click.echo(f"ok: {file} ({flowchart.name}: {len(flowchart.nodes)} nodes, {len(flowchart.wires)} edges)")
    return 1 if invalid else 0


def _shown(path: Path) -> Path:
    """Paths under the working directory are shown relative to it."""
    absolute = path.resolve()
    return absolute.relative_to(Path.cwd()) if absolute.is_relative_to(Path.cwd()) else path
