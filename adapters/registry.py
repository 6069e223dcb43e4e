"""The adapter registry, keyed by format name and by file extension (fsspec's model).

The built-in formats are known by name, class and extensions (`KNOWN_ADAPTERS`) and imported on
first use: `adapter_for("csv")` imports the CSV adapter and no other. `register_adapter` adds one
more and refuses to replace a format or extension served by another class unless `clobber=True`.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Iterator, Mapping
from pathlib import Path
from types import MappingProxyType
from typing import NamedTuple

from adapters.base import Adapter
from dataops.errors import NOWHERE, AdapterError, RegistryError, Where


class Known(NamedTuple):
    """A format not imported yet: where its class is ("module:Class") and the extensions it reads."""

    target: str
    extensions: tuple[str, ...]


# One file per format; the extensions are checked against the class's own when it is imported.
KNOWN_ADAPTERS: Mapping[str, Known] = MappingProxyType(
    {
        "csv": Known("adapters.csv:CsvAdapter", (".csv", ".tsv")),
        "text": Known("adapters.text:TextAdapter", (".txt",)),
        "excel": Known("adapters.excel:ExcelAdapter", (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")),
        "json": Known("adapters.json:JsonAdapter", (".json", ".jsonl", ".ndjson")),
        "parquet": Known("adapters.parquet:ParquetAdapter", (".parquet", ".pq")),
        "arrow": Known("adapters.arrow:ArrowAdapter", (".arrow", ".feather", ".ipc", ".arrows")),
        "sql": Known("adapters.sql:SqlAdapter", ()),
    }
)
_KNOWN_BY_EXTENSION = {ext: name for name, known in KNOWN_ADAPTERS.items() for ext in known.extensions}

_BY_FORMAT: dict[str, Adapter] = {}
_BY_EXTENSION: dict[str, Adapter] = {}
_loading = threading.RLock()  # an import registers its adapter; one thread at a time


class _View(Mapping[str, Adapter]):
    """Every format, read-only; looking one up imports it if it is a built-in not loaded yet."""

    def __getitem__(self, format: str) -> Adapter:
        adapter = _load(format)
        if adapter is None:
            raise KeyError(format)
        return adapter

    def __iter__(self) -> Iterator[str]:
        return iter(sorted({*KNOWN_ADAPTERS, *_BY_FORMAT}))

    def __len__(self) -> int:
        return len({*KNOWN_ADAPTERS, *_BY_FORMAT})


ADAPTERS: Mapping[str, Adapter] = _View()


def register_adapter(adapter: Adapter, *, clobber: bool = False) -> Adapter:
    """Add an adapter; a format or extension served by another class is an error naming both,
    unless `clobber` replaces it. The same class again (a module imported twice) is accepted."""
    with _loading:
        known = KNOWN_ADAPTERS.get(adapter.format)
        if known is not None and _target(type(adapter)) == known.target and known.extensions != adapter.extensions:
            raise RegistryError(
                f"{known.target} reads {adapter.extensions} but KNOWN_ADAPTERS lists {known.extensions} for it"
            )
        clash = _BY_FORMAT.get(adapter.format)
        if clash is not None and type(clash) is not type(adapter) and not clobber:
            raise RegistryError(
                f"format '{adapter.format}' is served by {_target(type(clash))} already; "
                f"{_target(type(adapter))} replaces it only with clobber=True"
            )
        for ext in adapter.extensions:
            other = _BY_EXTENSION.get(ext)
            if other is not None and type(other) is not type(adapter) and other is not clash and not clobber:
                raise RegistryError(
                    f"extension '{ext}' is served by the {other.format} adapter ({_target(type(other))}) already; "
                    f"{_target(type(adapter))} takes it only with clobber=True"
                )
        if clash is not None:
            for ext in [e for e, a in _BY_EXTENSION.items() if a is clash]:
                del _BY_EXTENSION[ext]
        _BY_FORMAT[adapter.format] = adapter
        _BY_EXTENSION.update(dict.fromkeys(adapter.extensions, adapter))
    return adapter


def adapter_for(format: str | None, path: Path | None = None, *, where: Where = NOWHERE) -> Adapter:
    """The adapter for a format name, or (format None) for the file's extension."""
    if format is not None:
        adapter = _load(format)
        if adapter is None:
            raise AdapterError(f"no adapter for format '{format}'", where)
        return adapter
    suffix = "".join(path.suffixes[-1:]).lower() if path else ""
    adapter = _BY_EXTENSION.get(suffix)
    known = _KNOWN_BY_EXTENSION.get(suffix)
    if adapter is None and known is not None and known not in _BY_FORMAT:  # a built-in not imported yet
        adapter = _load(known)
    if adapter is None:
        listed = ", ".join(sorted({*_KNOWN_BY_EXTENSION, *_BY_EXTENSION}))
        raise AdapterError(f"cannot tell the format of '{path}' from '{suffix}' (known: {listed})", where)
    return adapter


def load_all() -> list[Adapter]:
    """Import every known adapter now: a process that forks workers (the editor's probes) pays once."""
    return [ADAPTERS[name] for name in ADAPTERS]


def _load(format: str) -> Adapter | None:
    """The registered adapter, importing a known one on first use; None for an unknown format."""
    adapter = _BY_FORMAT.get(format)
    if adapter is not None or format not in KNOWN_ADAPTERS:
        return adapter
    with _loading:
        module_name, _, class_name = KNOWN_ADAPTERS[format].target.partition(":")
        module = importlib.import_module(module_name)  # a format's file may register its adapter itself
        if format not in _BY_FORMAT:
            register_adapter(getattr(module, class_name)())
        return _BY_FORMAT[format]


def _target(cls: type) -> str:
    return f"{cls.__module__}:{cls.__qualname__}"
