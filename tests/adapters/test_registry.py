"""The adapter registry: built-ins load one at a time, an overwrite needs clobber, both named."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from adapters import registry
from adapters.base import FileAdapter
from adapters.csv import CsvAdapter
from adapters.registry import ADAPTERS, KNOWN_ADAPTERS, adapter_for, load_all, register_adapter
from dataops.errors import AdapterError, RegistryError, Where


class Tabs(FileAdapter):
    format = "tabs"
    extensions = (".tabs",)

    def _read(self, location, params, columns):  # pragma: no cover - never read here
        raise NotImplementedError

    def _write(self, frame, location, params):  # pragma: no cover
        raise NotImplementedError


class OtherCsv(CsvAdapter):
    extensions = (".csv",)


@pytest.fixture
def restore() -> Iterator[None]:
    by_format, by_extension = dict(registry._BY_FORMAT), dict(registry._BY_EXTENSION)
    yield
    registry._BY_FORMAT.clear()
    registry._BY_FORMAT.update(by_format)
    registry._BY_EXTENSION.clear()
    registry._BY_EXTENSION.update(by_extension)


def test_asking_for_one_format_imports_only_its_adapter() -> None:
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from adapters.registry import adapter_for\n"
        "adapter_for('json')\n"
        "adapter_for(None, Path('订单.PQ'))\n"
        "print(sorted(m for m in ('csv', 'text', 'excel', 'json', 'parquet', 'arrow', 'sql')"
        " if 'adapters.' + m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip() == "['json', 'parquet']"


def test_every_known_adapter_loads_with_the_extensions_listed() -> None:
    for name, known in KNOWN_ADAPTERS.items():
        adapter = adapter_for(name)
        assert (adapter.format, adapter.extensions) == (name, known.extensions)
        for ext in known.extensions:
            assert adapter_for(None, Path(f"数据{ext.upper()}")) is adapter
    assert sorted(ADAPTERS) == sorted(KNOWN_ADAPTERS)


def test_unknown_format_and_extension_are_named() -> None:
    where = Where("订单", "read")
    with pytest.raises(AdapterError, match="no adapter for format 'yaml'"):
        adapter_for("yaml", where=where)
    with pytest.raises(AdapterError, match=r"cannot tell the format of 'a\.yaml' from '\.yaml' \(known: \.arrow, "):
        adapter_for(None, Path("a.yaml"), where=where)


def test_a_new_format_registers_from_outside(restore: None) -> None:
    adapter = register_adapter(Tabs())
    assert adapter_for("tabs") is adapter and adapter_for(None, Path("x.tabs")) is adapter
    assert register_adapter(Tabs()).format == "tabs"  # the same class again is no clash


def test_replacing_a_format_needs_clobber_and_names_both(restore: None) -> None:
    adapter_for("csv")
    with pytest.raises(
        RegistryError,
        match=r"format 'csv' is served by adapters\.csv:CsvAdapter already; "
        r"tests\.adapters\.test_registry:OtherCsv replaces it only with clobber=True",
    ):
        register_adapter(OtherCsv())
    assert type(adapter_for("csv")) is CsvAdapter
    replacement = register_adapter(OtherCsv(), clobber=True)
    assert adapter_for("csv") is replacement
    assert adapter_for(None, Path("a.csv")) is replacement
    with pytest.raises(AdapterError, match="cannot tell the format"):
        adapter_for(None, Path("a.tsv"))  # the replaced adapter's other extension went with it


def test_taking_an_extension_needs_clobber(restore: None) -> None:
    adapter_for("parquet")

    class Pq(Tabs):
        format = "pq"
        extensions = (".pq",)

    with pytest.raises(RegistryError, match=r"extension '\.pq' is served by the parquet adapter \(adapters\.parquet"):
        register_adapter(Pq())
    assert "pq" not in ADAPTERS


def test_load_all_imports_every_known_adapter() -> None:
    assert sorted(adapter.format for adapter in load_all()) == sorted(KNOWN_ADAPTERS)
