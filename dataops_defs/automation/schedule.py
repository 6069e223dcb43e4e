"""A flowchart's `triggers.schedule` as a Dagster schedule."""

from __future__ import annotations

import dagster as dg

from dataops.spec import ValidFlowchart


def default_status(flowchart: ValidFlowchart) -> dg.DefaultScheduleStatus:
    """On by default so a newcomer sees automation work; `enabled: false` pauses it."""
    return dg.DefaultScheduleStatus.RUNNING if flowchart.spec.enabled else dg.DefaultScheduleStatus.STOPPED


def make_schedule(flowchart: ValidFlowchart, job: dg.JobDefinition) -> dg.ScheduleDefinition:
    """The cron was validated with the spec, so a bad one never reaches (and breaks) the code location."""
    schedule = flowchart.spec.triggers.schedule  # type: ignore[union-attr]
    assert schedule is not None
    return dg.ScheduleDefinition(
        name=f"{flowchart.name}__schedule",
        job=job,
        cron_schedule=schedule.cron,
        execution_timezone=schedule.timezone or "UTC",
        default_status=default_status(flowchart),
        description=f"Runs {flowchart.name} at '{schedule.cron}' ({schedule.timezone or 'UTC'}).",
    )
