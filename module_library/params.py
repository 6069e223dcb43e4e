"""The base of every module's parameter model."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class ModuleParams(BaseModel):
    """Base for parameter models: unknown keys are errors, so typos never pass silently."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class NoParams(ModuleParams):
    """For modules that take no parameters."""
