"""The module registry, on fsspec's model: a private dict, a read-only view, one `register`.

`register` refuses to replace a module of another origin unless asked (`clobber=True`), naming
both. The dict is never changed once published: a write copies it, and `rebuilding` (used by
discovery) builds a whole new one and swaps it in, so a reader never waits for a lock and never
sees a registry half reloaded.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, ItemsView, Iterator, KeysView, Mapping, ValuesView
from contextvars import ContextVar
from types import MappingProxyType
from typing import TYPE_CHECKING

from dataops.errors import RegistryError, did_you_mean

if TYPE_CHECKING:
    from module_library.module_spec import ModuleSpec

_modules: Mapping[str, ModuleSpec] = MappingProxyType({})
# Writers take turns (a rebuild holds it throughout); readers never take it.
_writing = threading.RLock()
# The registry a `rebuilding` block fills; registrations made in that block's context go there.
_building: ContextVar[dict[str, ModuleSpec] | None] = ContextVar("module_registry_building", default=None)


class _View(Mapping[str, "ModuleSpec"]):
    """The current registry, read-only: `MODULES[name]`, `name in MODULES`, `MODULES.values()`."""

    def __getitem__(self, name: str) -> ModuleSpec:
        return _modules[name]

    def __iter__(self) -> Iterator[str]:
        return iter(_modules)

    def __len__(self) -> int:
        return len(_modules)

    def __contains__(self, name: object) -> bool:
        return name in _modules

    def keys(self) -> KeysView[str]:
        return _modules.keys()

    def values(self) -> ValuesView[ModuleSpec]:
        return _modules.values()

    def items(self) -> ItemsView[str, ModuleSpec]:
        return _modules.items()

    def __repr__(self) -> str:
        return f"MODULES({sorted(_modules)})"


MODULES: Mapping[str, ModuleSpec] = _View()


def register(spec: ModuleSpec, *, clobber: bool = False) -> None:
    """Add `spec` under `spec.name`; `spec.origin` says where it comes from (a file and line, a URL).

    A module of the same name and another origin is an error naming both, unless `clobber`
    replaces it. The same origin again (a file loaded twice) replaces it quietly.
    """
    building = _building.get()
    if building is not None:
        _add(building, spec, clobber)
        return
    with _writing:
        changed = dict(_modules)
        _add(changed, spec, clobber)
        _publish(changed)


def unregister(name: str) -> None:
    """Forget a module (a plugin file reloaded or removed); an unknown name is ignored."""
    building = _building.get()
    if building is not None:
        building.pop(name, None)
        return
    with _writing:
        if name in _modules:
            _publish({n: s for n, s in _modules.items() if n != name})


@contextlib.contextmanager
def rebuilding(keep: Callable[[ModuleSpec], bool]) -> Iterator[dict[str, ModuleSpec]]:
    """A new registry, starting with the current modules that `keep` accepts.

    What the block registers (in its thread) goes into the new registry, which is yielded to
    inspect and prune; when the block ends it replaces the current one whole. If the block
    raises, the current registry stays. Registrations from other threads wait until then.
    """
    with _writing:
        new = {name: spec for name, spec in _modules.items() if keep(spec)}
        token = _building.set(new)
        try:
            yield new
        finally:
            _building.reset(token)
        _publish(new)


def current() -> Mapping[str, ModuleSpec]:
    """The registry as it is now, unchanged by later registrations (for several consistent lookups)."""
    return _modules


def suggest(name: str) -> str:
    """A `did you mean` hint for an unknown module name, or an empty string."""
    return did_you_mean(name, _modules)


def get_module(name: str) -> ModuleSpec:
    """The module registered under `name`; unknown names raise with a suggestion."""
    try:
        return _modules[name]
    except KeyError:
        raise RegistryError(f"unknown module '{name}'{suggest(name)}") from None


def _add(modules: dict[str, ModuleSpec], spec: ModuleSpec, clobber: bool) -> None:
    existing = modules.get(spec.name)
    if existing is not None and existing.origin != spec.origin and not clobber:
        raise RegistryError(
            f"duplicate module name '{spec.name}': defined by {existing.origin} and by {spec.origin}; "
            "rename one of them"
        )
    modules[spec.name] = spec


def _publish(modules: dict[str, ModuleSpec]) -> None:
    global _modules
    _modules = MappingProxyType(modules)  # one assignment: readers see the old registry or the new
