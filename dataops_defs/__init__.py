"""Dagster definitions for the flowcharts in $DATAOPS_FLOWCHARTS (`dagster ... -m dataops_defs`)."""

from dataops_defs.definitions import defs

__all__ = ["defs"]
