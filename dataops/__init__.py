"""DataOps: tabular data flowcharts compiled to Dagster jobs."""

from __future__ import annotations

from typing import Any

# `dataops.FlowchartComponent` (the dg component, registered through the `dagster_dg_cli.registry_modules`
# entry point) lives in `dataops_defs`; it is imported on first use, so `import dataops` stays Dagster-free.
_LAZY = {"FlowchartComponent": "dataops_defs.component"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'dataops' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY])
