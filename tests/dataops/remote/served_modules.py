"""Modules `dataops serve-module` serves in the tests: one to use in a run, one that crashes mid-call."""

from __future__ import annotations

import os

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field

from module_library import ModuleParams, module


class ScaleParams(ModuleParams):
    column: str = Field(description="Numeric column to scale.")
    factor: float = Field(2.0, description="Multiply by this.")
    crash: bool = Field(False, description="Exit the service mid-call (tests only).")


@module(category="remote tests", params=ScaleParams, engine="arrow")
def scale_remote(data: pa.Table, params: ScaleParams) -> pa.Table:
    """Multiply one column by a factor, in another process."""
    if params.crash:
        os._exit(3)
    scaled = pc.multiply(data[params.column].cast(pa.float64()), params.factor)
    return data.set_column(data.schema.get_field_index(params.column), params.column, scaled)
