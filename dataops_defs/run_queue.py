"""The run queue of deploy/dagster.yaml: Dagster's QueuedRunCoordinator with limits from the settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import dagster as dg

from dataops.settings import get_settings
from dataops_defs.compiler.op import FLOWCHART_TAG

if TYPE_CHECKING:  # the type of the instance's config data; no public name, not needed at run time
    from dagster._serdes.config_class import ConfigurableClassData


class RunQueue(dg.QueuedRunCoordinator):
    """At most DATAOPS_MAX_CONCURRENT_RUNS (4) runs in progress, DATAOPS_RUNS_PER_FLOWCHART (2) of
    any one flowchart; either limit set in the instance's yaml wins over the environment.

    Dagster's own `{env: ...}` has no default, so a process started without the variable would
    fail its first launch; the settings object gives every process the same default instead.
    """

    @classmethod
    def from_config_value(cls, inst_data: ConfigurableClassData, config_value: Mapping[str, Any]) -> RunQueue:
        settings = get_settings()
        per_flowchart = {"key": FLOWCHART_TAG, "value": {"applyLimitPerUniqueValue": True}}
        defaults = {
            "max_concurrent_runs": settings.max_concurrent_runs,
            "tag_concurrency_limits": [{**per_flowchart, "limit": settings.runs_per_flowchart}],
        }
        return super().from_config_value(inst_data, {**defaults, **config_value})
