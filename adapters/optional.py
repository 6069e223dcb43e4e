"""Optional dependencies, imported when a format is first used, with an install hint when missing."""

from __future__ import annotations

import importlib
from types import ModuleType

from dataops.errors import AdapterError


def require(module: str, *, package: str, purpose: str) -> ModuleType:
    """Import `module`, or raise an `AdapterError` saying which package to install for `purpose`."""
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise AdapterError(
            f"{purpose} needs the Python package '{package}', which is not installed; "
            f"install it with: pip install {package}"
        ) from exc
