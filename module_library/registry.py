"""The module registry: a private dict, a read-only view, one `register` that refuses overwrites."""

from __future__ import annotations

from types import MappingProxyType
from typing import TYPE_CHECKING

from dataops.errors import RegistryError, did_you_mean

if TYPE_CHECKING:
    from module_library.sdk import ModuleSpec

_MODULES: dict[str, ModuleSpec] = {}
MODULES: MappingProxyType[str, ModuleSpec] = MappingProxyType(_MODULES)


def register(spec: ModuleSpec) -> None:
    """Add a module; a second definition under the same name is an error naming both."""
    existing = _MODULES.get(spec.name)
    if existing is not None and existing.origin != spec.origin:
        raise RegistryError(f"duplicate module name '{spec.name}': defined by {existing.origin} and by {spec.origin}")
    _MODULES[spec.name] = spec


def unregister(name: str) -> None:
    """Forget a module (used when a plugin file is reloaded or removed)."""
    _MODULES.pop(name, None)


def suggest(name: str) -> str:
    """A `did you mean` hint for an unknown module name, or an empty string."""
    return did_you_mean(name, _MODULES)


def get_module(name: str) -> ModuleSpec:
    """The module registered under `name`; unknown names raise with a suggestion."""
    try:
        return _MODULES[name]
    except KeyError:
        raise RegistryError(f"unknown module '{name}'{suggest(name)}") from None
