"""Module SDK and built-in modules: pure functions over DataFrames, no Dagster here."""

from module_library.registry import MODULES, get_module, register
from module_library.sdk import ModuleParams, ModuleSpec, NoParams, Port, many, module, sink, source

__all__ = [
    "MODULES",
    "ModuleParams",
    "ModuleSpec",
    "NoParams",
    "Port",
    "get_module",
    "many",
    "module",
    "register",
    "sink",
    "source",
]
