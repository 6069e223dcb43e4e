"""Find modules: the built-ins, installed packages (entry points) and the plugin folder.

A broken plugin never takes the others down: its problem is returned (file and line) and
the flowcharts that use its modules report them as unknown, with the plugin's problem as hint.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path
from typing import TYPE_CHECKING

from dataops.errors import DataOpsError
from module_library import registry

if TYPE_CHECKING:
    from module_library.module_spec import ModuleSpec

ENTRY_POINT_GROUP = "dataops.modules"
_PLUGIN_PACKAGE = "dataops_plugins"


@dataclass(frozen=True)
class PluginProblem:
    """A plugin (file or entry point) that could not be loaded."""

    source: str
    message: str

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


_problems: list[PluginProblem] = []
# Further sources run on every `discover` (the remote modules' registrations, kept outside this process).
_sources: list[Callable[[], list[PluginProblem]]] = []
_plugin_modules: dict[Path, set[str]] = {}  # the modules each loaded plugin file registered


def discover(plugins: Path | None = None) -> list[PluginProblem]:
    """Load every module source once more; returns the problems found (also kept for hints).

    A new registry is built (the built-ins and installed packages, imported once per process,
    carry over; with `plugins`, its files are executed afresh and files gone are forgotten) and
    replaces the current one whole: lookups meanwhile see the previous registry, never a mix.
    """
    reloaded = set().union(*_plugin_modules.values()) if plugins is not None else set()
    loaded: dict[Path, set[str]] = {} if plugins is not None else dict(_plugin_modules)
    with registry.rebuilding(keep=lambda spec: spec.name not in reloaded) as building:
        importlib.import_module("module_library.builtin")
        problems = _load_entry_points()
        for found in list(_sources):
            problems += found()
        if plugins is not None:
            problems += _load_plugin_folder(plugins, building, loaded)
    _plugin_modules.clear()
    _plugin_modules.update(loaded)
    _problems[:] = problems
    return problems


def add_source(source: Callable[[], list[PluginProblem]]) -> None:
    """Run `source` on every `discover`, after the entry points: it registers (and unregisters) its
    modules with `registry.register` and returns its problems. Added once; again is a no-op."""
    if source not in _sources:
        _sources.append(source)


def problems() -> list[PluginProblem]:
    """The problems of the last `discover` call."""
    return list(_problems)


def _load_entry_points() -> list[PluginProblem]:
    found = []
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        try:
            ep.load()
        except Exception as exc:  # a broken third-party package must not hide the rest
            found.append(PluginProblem(f"entry point '{ep.name}' ({ep.value})", _describe(exc)))
    return found


def _load_plugin_folder(
    folder: Path, building: dict[str, ModuleSpec], loaded: dict[Path, set[str]]
) -> list[PluginProblem]:
    files = sorted(p.resolve() for p in folder.glob("*.py") if not p.name.startswith("_")) if folder.is_dir() else []
    for gone in set(_plugin_modules) - set(files):
        sys.modules.pop(_module_name(gone), None)
    return [problem for file in files if (problem := _load_plugin_file(file, building, loaded)) is not None]


def _module_name(file: Path) -> str:
    return f"{_PLUGIN_PACKAGE}.{file.stem}"


def _load_plugin_file(
    file: Path, building: dict[str, ModuleSpec], loaded: dict[Path, set[str]]
) -> PluginProblem | None:
    before = set(building)
    module_name = _module_name(file)
    sys.modules.pop(module_name, None)
    spec = importlib.util.spec_from_file_location(module_name, file)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:  # report with file and line, keep the code location up
        sys.modules.pop(module_name, None)
        for name in set(building) - before:
            del building[name]
        return PluginProblem(str(file), _describe(exc, file))
    loaded[file] = set(building) - before
    return None


def _describe(exc: BaseException, file: Path | None = None) -> str:
    if isinstance(exc, SyntaxError):
        return f"line {exc.lineno}: syntax error: {exc.msg}"
    if isinstance(exc, DataOpsError):
        return exc.message
    line = ""
    if file is not None:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename) == file]
        line = f"line {frames[-1].lineno}: " if frames else ""
    return f"{line}{type(exc).__name__}: {exc}"
