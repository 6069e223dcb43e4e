"""`dataops modules`: the module catalogue (`module_library.catalog`) as text or JSON."""

from __future__ import annotations

from itertools import groupby
from typing import Any

import click

from dataops.settings import get_settings
from module_library.catalog import load_catalog


def describe_modules() -> dict[str, Any]:
    return load_catalog(get_settings().plugins).describe()


def print_modules() -> None:
    catalog = load_catalog(get_settings().plugins)
    for category, members in groupby(catalog.modules, key=lambda s: s.category):
        click.echo(f"{category}:")
        for spec in members:
            ins = ", ".join(p.name + ("*" if p.many else "") + ("?" if p.optional else "") for p in spec.inputs) or "-"
            outs = ", ".join(spec.outputs) or "-"
            schema = spec.json_schema()
            required = set(schema.get("required", []))
            listing = ", ".join(f"{k}{'' if k in required else '?'}" for k in schema.get("properties", {}))
            click.echo(f"  {spec.name:<18} {spec.description}")
            click.echo(f"  {'':<18} ports: {ins} → {outs}; params: {listing or 'none'}")
    for problem in catalog.plugin_problems:
        click.echo(f"warning: plugin {problem}", err=True)
