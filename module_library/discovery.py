"""Find modules: the built-ins, installed packages (entry points) and the plugin folder.

A broken plugin never takes the others down: its problem is returned (file and line) and
the flowcharts that use its modules report them as unknown, with the plugin's problem as hint.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
import traceback
from dataclasses import dataclass
from importlib.metadata import entry_points
from pathlib import Path

from dataops.errors import DataOpsError
from module_library import registry

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
_plugin_modules: dict[Path, set[str]] = {}


def discover(plugins: Path | None = None) -> list[PluginProblem]:
    """Load every module source once more; returns the problems found (also kept for hints)."""
    importlib.import_module("module_library.builtin")
    problems = _load_entry_points()
    if plugins is not None:
        problems += _load_plugin_folder(plugins)
    _problems[:] = problems
    return problems


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


def _load_plugin_folder(folder: Path) -> list[PluginProblem]:
    files = sorted(p.resolve() for p in folder.glob("*.py") if not p.name.startswith("_")) if folder.is_dir() else []
    for gone in set(_plugin_modules) - set(files):
        _forget(gone)
    return [problem for file in files if (problem := _load_plugin_file(file)) is not None]


def _forget(file: Path) -> None:
    for name in _plugin_modules.pop(file, set()):
        registry.unregister(name)
    sys.modules.pop(f"{_PLUGIN_PACKAGE}.{file.stem}", None)


def _load_plugin_file(file: Path) -> PluginProblem | None:
    _forget(file)
    before = set(registry.MODULES)
    module_name = f"{_PLUGIN_PACKAGE}.{file.stem}"
    spec = importlib.util.spec_from_file_location(module_name, file)
    assert spec is not None and spec.loader is not None
    loaded = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = loaded
    try:
        spec.loader.exec_module(loaded)
    except Exception as exc:  # report with file and line, keep the code location up
        sys.modules.pop(module_name, None)
        for name in set(registry.MODULES) - before:
            registry.unregister(name)
        return PluginProblem(str(file), _describe(exc, file))
    _plugin_modules[file] = set(registry.MODULES) - before
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
