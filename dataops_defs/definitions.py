"""Assemble the Definitions: the flowcharts' assets and jobs, the inputs they read, their schedules and sensors, resources."""

from __future__ import annotations

from collections.abc import Sequence

import dagster as dg

from dataops.flowcharts import FlowchartSource
from dataops.settings import get_settings
from dataops_defs.automation import make_notify_sensors, make_schedule, make_watch_sensor
from dataops_defs.compiler import assets_of, compile_all, make_after_upstream_sensor
from dataops_defs.resources import make_resources
from dataops_defs.snapshot import current_sources
from module_library.discovery import discover


def build_definitions(sources: Sequence[FlowchartSource] | None = None) -> dg.Definitions:
    """Everything the flowcharts define: the public entry point (the code location, `dg` components).

    Args:
        sources: The flowchart texts to compile; by default the flowcharts folder's (pinned for runs).
    """
    settings = get_settings()
    problems = discover(settings.plugins)
    hint = "\n".join(f"plugin problem: {p}" for p in problems)
    compiled = compile_all(current_sources(settings.flowcharts) if sources is None else sources, hint=hint)
    valid = [(c.flowchart, c.job) for c in compiled if c.flowchart is not None]
    jobs = {c.job.name: c.job for c in compiled}
    automated = [
        c.assets for c in compiled if c.assets is not None and any(c.assets.automation_conditions_by_key.values())
    ]
    triggered = [(f, job, f.spec.triggers) for f, job in valid if f.spec.triggers is not None]
    return dg.Definitions(
        assets=assets_of(compiled),
        jobs=list(jobs.values()),
        schedules=[make_schedule(f, job) for f, job, t in triggered if t.schedule],
        sensors=[make_watch_sensor(f, job) for f, job, t in triggered if t.watch]
        + make_notify_sensors([f for f, _ in valid], jobs)
        + ([make_after_upstream_sensor(automated)] if automated else []),
        resources=make_resources(settings),
        metadata={"plugin problems": dg.MetadataValue.md("\n".join(f"- {p}" for p in problems))} if problems else None,
    )


@dg.definitions
def defs() -> dg.Definitions:
    return build_definitions()
