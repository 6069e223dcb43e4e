"""One flowchart as a job outside the code location (`dataops run`), rebuildable in other processes.

The multiprocess and Celery executors run each node in another process, which rebuilds the job
by calling `make_standalone_job` with the same flowchart text: the version `dataops run` read,
even if the file changes meanwhile or the worker is on a machine without it. The process that
validated the flowchart builds the job from it once (`reconstructable_job`) and never again.
"""

from __future__ import annotations

import dagster as dg

from dataops.settings import get_settings
from dataops.spec import ValidFlowchart, parse_flowchart
from dataops_defs.compiler import make_flowchart_job
from dataops_defs.resources import make_resources
from module_library.discovery import discover

# Jobs this process built, by (text, file): the rebuild a reconstructable job asks for is a lookup here.
_BUILT: dict[tuple[str, str], dg.JobDefinition] = {}


def make_standalone_job(text: str, file: str) -> dg.JobDefinition:
    """The flowchart's job with the shared resources bound; another process loads the plugins and parses the text."""
    built = _BUILT.get((text, file))
    if built is not None:
        return built
    settings = get_settings()
    discover(settings.plugins)
    return _built(parse_flowchart(text, file=file, json_format=file.lower().endswith(".json")))


def reconstructable_job(flowchart: ValidFlowchart) -> dg.ReconstructableJob:
    """A pointer to `make_standalone_job` with this flowchart's text, for `dg.execute_job` and friends;
    in this process it points at the job built here from the already-validated flowchart."""
    _built(flowchart)
    args = (flowchart.text, flowchart.file or "")
    return dg.build_reconstructable_job(__name__, make_standalone_job.__name__, reconstructable_args=args)  # type: ignore[arg-type]


def _built(flowchart: ValidFlowchart) -> dg.JobDefinition:
    """Built anew from this flowchart (its modules as validated now); a long-lived process keeps only the latest."""
    _BUILT.clear()
    job = _BUILT[(flowchart.text, flowchart.file or "")] = make_flowchart_job(flowchart, make_resources(get_settings()))
    return job
