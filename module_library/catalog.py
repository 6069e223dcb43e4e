"""The module catalogue: every registered module, discovered afresh and described for people and tools.

`dataops modules` prints it and the editor's palette shows it; both ask here, so they list the
same modules in the same order with the same plugin problems.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from module_library.discovery import discover
from module_library.registry import MODULES

if TYPE_CHECKING:
    from module_library.module_spec import ModuleSpec


@dataclass(frozen=True)
class Catalog:
    """The registered modules by category and name, and what went wrong loading plugins."""

    modules: list[ModuleSpec]
    plugin_problems: list[str]

    def describe(self) -> dict[str, Any]:
        """Plain JSON: each module's ports and params JSON Schema (`ModuleSpec.describe`)."""
        return {"modules": [spec.describe() for spec in self.modules], "plugin_problems": self.plugin_problems}


def load_catalog(plugins: Path) -> Catalog:
    """Discover the modules (built-ins, entry points, `.py` files in `plugins`) and list them."""
    problems = discover(plugins)
    modules = sorted(MODULES.values(), key=lambda s: (s.category, s.name))
    return Catalog(modules, [str(p) for p in problems])
