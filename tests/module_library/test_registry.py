"""The module registry: refuses silent overwrites, registers from outside, swaps whole registries."""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterator

import pytest

from dataops.errors import RegistryError
from module_library import ModuleSpec, NoParams, registry


def spec(name: str, origin: str) -> ModuleSpec:
    return ModuleSpec(
        name=name,
        category="remote",
        description="A module described from outside.",
        params=NoParams,
        inputs=(),
        outputs=("result",),
        kind="source",
        origin=origin,
    )


@pytest.fixture
def names() -> Iterator[list[str]]:
    registered: list[str] = []
    yield registered
    for name in registered:
        registry.unregister(name)


def test_a_spec_from_outside_registers_with_its_origin(names: list[str]) -> None:
    names.append("远程_step")
    registry.register(spec("远程_step", "https://modules.example/远程_step"))
    assert registry.get_module("远程_step").origin == "https://modules.example/远程_step"
    assert "远程_step" in registry.MODULES


def test_another_origin_needs_clobber_and_the_error_names_both(names: list[str]) -> None:
    names.append("twice")
    registry.register(spec("twice", "first.py:1"))
    with pytest.raises(RegistryError, match=r"duplicate module name 'twice': defined by first.py:1 and by second.py:9"):
        registry.register(spec("twice", "second.py:9"))
    assert registry.get_module("twice").origin == "first.py:1"
    registry.register(spec("twice", "second.py:9"), clobber=True)
    assert registry.get_module("twice").origin == "second.py:9"


def test_the_same_origin_again_replaces_quietly(names: list[str]) -> None:
    names.append("again")
    registry.register(spec("again", "same.py:1"))
    registry.register(spec("again", "same.py:1"))
    assert registry.get_module("again").origin == "same.py:1"


def test_a_builtin_cannot_be_replaced_by_accident() -> None:
    importlib.import_module("module_library.builtin")
    with pytest.raises(RegistryError, match="duplicate module name 'filter_rows'"):
        registry.register(spec("filter_rows", "plugin.py:3"))
    assert registry.MODULES["filter_rows"].origin.startswith("module_library.builtin.rows")


def test_the_view_is_read_only_and_values_are_one_snapshot(names: list[str]) -> None:
    with pytest.raises(TypeError):
        registry.MODULES["x"] = spec("x", "y")  # type: ignore[index]
    before = registry.current()
    names.append("later")
    registry.register(spec("later", "later.py:1"))
    assert "later" not in before and "later" in registry.MODULES


def test_a_rebuild_is_invisible_until_it_is_swapped_in(names: list[str]) -> None:
    names.extend(["kept", "dropped", "rebuilt"])
    registry.register(spec("kept", "a.py:1"))
    registry.register(spec("dropped", "b.py:1"))
    seen_by_a_reader: list[bool] = []
    with registry.rebuilding(keep=lambda s: s.name != "dropped") as building:
        registry.register(spec("rebuilt", "c.py:1"))
        reader = threading.Thread(target=lambda: seen_by_a_reader.append("rebuilt" in registry.MODULES))
        reader.start()
        reader.join()
        assert "dropped" in registry.MODULES and "rebuilt" not in registry.MODULES
        assert set(building) >= {"kept", "rebuilt"} and "dropped" not in building
    assert seen_by_a_reader == [False]
    assert {"kept", "rebuilt"} <= set(registry.MODULES) and "dropped" not in registry.MODULES


def test_a_failed_rebuild_leaves_the_registry_as_it_was(names: list[str]) -> None:
    names.append("stays")
    registry.register(spec("stays", "a.py:1"))
    with pytest.raises(RuntimeError), registry.rebuilding(keep=lambda s: False):
        registry.register(spec("half", "b.py:1"))
        raise RuntimeError("a loader broke")
    assert "stays" in registry.MODULES and "half" not in registry.MODULES
