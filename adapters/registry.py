"""The adapter registry, keyed by format name and by file extension."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import MappingProxyType

from adapters.base import Adapter
from dataops.errors import NOWHERE, AdapterError, RegistryError, Where

_BY_FORMAT: dict[str, Adapter] = {}
_BY_EXTENSION: dict[str, Adapter] = {}
ADAPTERS: MappingProxyType[str, Adapter] = MappingProxyType(_BY_FORMAT)

# One file per format; importing it registers the adapter.
_BUILTIN = (
    "adapters.csv",
    "adapters.text",
    "adapters.excel",
    "adapters.json",
    "adapters.parquet",
    "adapters.arrow",
    "adapters.sql",
)


def register_adapter(adapter: Adapter) -> Adapter:
    """Add an adapter; a second adapter for the same format or extension is an error."""
    clash = _BY_FORMAT.get(adapter.format)
    if clash is not None and type(clash) is not type(adapter):
        raise RegistryError(f"format '{adapter.format}' is served by {type(clash).__qualname__} already")
    for ext in adapter.extensions:
        other = _BY_EXTENSION.get(ext)
        if other is not None and type(other) is not type(adapter):
            raise RegistryError(f"extension '{ext}' is served by the {other.format} adapter already")
    _BY_FORMAT[adapter.format] = adapter
    _BY_EXTENSION.update(dict.fromkeys(adapter.extensions, adapter))
    return adapter


def _load_builtins() -> None:
    for name in _BUILTIN:
        importlib.import_module(name)


def adapter_for(format: str | None, path: Path | None = None, *, where: Where = NOWHERE) -> Adapter:
    """The adapter for a format name, or (format None) for the file's extension."""
    _load_builtins()
    if format is not None:
        try:
            return _BY_FORMAT[format]
        except KeyError:
            raise AdapterError(f"no adapter for format '{format}'", where) from None
    suffix = "".join(path.suffixes[-1:]).lower() if path else ""
    try:
        return _BY_EXTENSION[suffix]
    except KeyError:
        known = ", ".join(sorted(_BY_EXTENSION))
        raise AdapterError(f"cannot tell the format of '{path}' from '{suffix}' (known: {known})", where) from None
