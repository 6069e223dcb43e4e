"""`dataops modules`: the registry as text or JSON."""

from __future__ import annotations

from itertools import groupby
from typing import Any

import click

from dataops.settings import get_settings
from module_library.discovery import discover
from module_library.registry import MODULES


def describe_modules() -> dict[str, Any]:
    problems = discover(get_settings().plugins)
    return {
        "modules": [spec.describe() for spec in sorted(MODULES.values(), key=lambda s: (s.category, s.name))],
        "plugin_problems": [str(p) for p in problems],
    }


def print_modules() -> None:
    problems = discover(get_settings().plugins)
    specs = sorted(MODULES.values(), key=lambda s: (s.category, s.name))
    for category, members in groupby(specs, key=lambda s: s.category):
        click.echo(f"{category}:")
        for spec in members:
            ins = ", ".join(p.name + ("*" if p.many else "") + ("?" if p.optional else "") for p in spec.inputs) or "-"
            outs = ", ".join(spec.outputs) or "-"
            params = spec.json_schema().get("properties", {})
            required = set(spec.json_schema().get("required", []))
            listing = ", ".join(f"{k}{'' if k in required else '?'}" for k in params)
            click.echo(f"  {spec.name:<18} {spec.description}")
            click.echo(f"  {'':<18} ports: {ins} → {outs}; params: {listing or 'none'}")
    for problem in problems:
        click.echo(f"warning: plugin {problem}", err=True)
