"""Module SDK and built-in modules: pure functions over DataFrames, no Dagster here."""

from module_library.registry import MODULES, get_module, register
from module_library.sdk import (
    ModuleParams,
    ModuleResult,
    ModuleSpec,
    NoParams,
    Port,
    many,
    module,
    optional,
    sink,
    source,
)

__all__ = [
    "MODULES",
    "ModuleParams",
    "ModuleResult",
    "ModuleSpec",
    "NoParams",
    "Port",
    "get_module",
    "many",
    "module",
    "optional",
    "register",
    "sink",
    "source",
]
