"""Assemble the Definitions: compiled flowchart jobs and their resources."""

from __future__ import annotations

import dagster as dg

from dataops.settings import get_settings
from dataops_defs.compiler import compile_all
from dataops_defs.resources import make_resources
from dataops_defs.snapshot import current_sources
from module_library.discovery import discover


def build_definitions() -> dg.Definitions:
    settings = get_settings()
    problems = discover(settings.plugins)
    hint = "\n".join(f"plugin problem: {p}" for p in problems)
    sources = current_sources(settings.flowcharts)
    compiled = compile_all(sources, hint=hint)
    return dg.Definitions(jobs=[c.job for c in compiled], resources=make_resources(settings))


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions()
