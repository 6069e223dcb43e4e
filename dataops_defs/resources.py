"""Resources shared by every flowchart job: the IO manager and the settings ops read while they run."""

from __future__ import annotations

import functools
from pathlib import Path

import dagster as dg
from pydantic import Field

from adapters.io_manager import ArrowIOManager
from dataops.settings import Settings

SETTINGS_KEY = "dataops_settings"


class RunSettings(dg.ConfigurableResource):
    """The part of `dataops.settings.Settings` an op needs at run time, given to it as a resource.

    Bound from the settings when the definitions are built, so an op never reads the environment
    in its compute, and the values show (and can be set per run) in Dagster's launchpad.
    """

    data_root: str = Field(description="Every relative path in params resolves here (DATAOPS_DATA_ROOT).")
    step_timeout: float | None = Field(description="Default time limit per node, in seconds (DATAOPS_STEP_TIMEOUT).")

    @property
    def data_root_resolved(self) -> Path:
        return Path(self.data_root).expanduser().resolve()


def make_resources(settings: Settings) -> dict[str, object]:
    return {
        "io_manager": _io_manager(settings.storage_url),
        SETTINGS_KEY: _run_settings(str(settings.data_root), settings.step_timeout),
    }


# One object per value: `Definitions.merge` (several dg components in a project) accepts a key twice
# only for the same object.
@functools.cache
def _io_manager(base_dir: str) -> ArrowIOManager:
    return ArrowIOManager(base_dir=base_dir)


@functools.cache
def _run_settings(data_root: str, step_timeout: float | None) -> RunSettings:
    return RunSettings(data_root=data_root, step_timeout=step_timeout)
