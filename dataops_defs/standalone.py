"""One flowchart as a job outside the code location (`dataops run`), rebuildable in other processes.

The multiprocess and Celery executors run each node in another process, which rebuilds the job
by calling `make_standalone_job` with the same flowchart text: the version `dataops run` read,
even if the file changes meanwhile or the worker is on a machine without it.
"""

from __future__ import annotations

import dagster as dg

from dataops.settings import get_settings
from dataops.spec import ValidFlowchart, parse_flowchart
from dataops_defs.compiler import make_flowchart_job
from dataops_defs.resources import make_resources
from module_library.discovery import discover


def make_standalone_job(text: str, file: str) -> dg.JobDefinition:
    """The flowchart's job with the shared resources bound (plugins loaded from this process's settings)."""
    settings = get_settings()
    discover(settings.plugins)
    flowchart = parse_flowchart(text, file=file, json_format=file.lower().endswith(".json"))
    job = make_flowchart_job(flowchart)
    return dg.Definitions(jobs=[job], resources=make_resources(settings)).resolve_job_def(job.name)


def reconstructable_job(flowchart: ValidFlowchart) -> dg.ReconstructableJob:
    """A pointer to `make_standalone_job` with this flowchart's text, for `dg.execute_job` and friends."""
    return dg.build_reconstructable_job(
        __name__, make_standalone_job.__name__, reconstructable_args=(flowchart.text, flowchart.file or "")
    )
