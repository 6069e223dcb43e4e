"""The probe's side in its child process: read the file, keep its head.

The forkserver imports this module once (`isolation.start_forkserver`), so what a read needs is
loaded here, at import, instead of in every child (about a second of imports per probe).
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Any

import pyarrow as pa

from adapters.registry import adapter_for, load_all
from dataops.errors import DataOpsError
from module_library import ModuleSpec
from module_library.arrow_convert import arrow_to_pandas
from module_library.discovery import discover
from module_library.registry import MODULES, get_module

Head = tuple[list[tuple[str, str]], list[list[Any]]]

importlib.import_module("adapters.sources")  # the source modules and their params models
load_all()  # every built-in adapter, imported here once rather than in each probe


def read_head(module: str, params: dict[str, Any], root: Path, plugins: Path, rows: int) -> Head | str:
    """(column names and types, the first `rows` rows as JSON values), or the read's error message.

    `params` are the node's as JSON, which the editor validated already; the model is built again
    here because a plugin's model does not pickle (its module is known to the registry only).
    """
    spec = _source(module, plugins)
    params_model = spec.params.model_validate(params)
    try:
        path = Path(params_model.path)  # type: ignore[attr-defined]  # every file source (plugins' too) has one
        frame = adapter_for(spec.format, path).read(params_model, root=root)
    except DataOpsError as exc:
        return str(exc)
    if isinstance(frame, pa.Table):  # Arrow-native adapters: convert only the rows shown
        frame = arrow_to_pandas(frame.slice(0, rows))
    head = frame.head(rows)
    values = json.loads(head.to_json(orient="values", date_format="iso", force_ascii=False, default_handler=str))
    return [(str(c), str(t)) for c, t in frame.dtypes.items()], values


def _source(module: str, plugins: Path) -> ModuleSpec:
    if module not in MODULES:  # a plugin's module: load the plugin folder as the editor did
        discover(plugins)
    return get_module(module)


def read_schema(module: str, params: dict[str, Any], root: Path, plugins: Path) -> tuple[Any, ...]:
    """A source node's schema, for validation: ("ok", pyarrow schema, exact), ("unknown",) when it
    cannot be told cheaply, or ("error", message, field) for what a run would refuse."""
    from adapters.schema import source_schema

    spec = _source(module, plugins)
    try:
        found = source_schema(spec.format, spec.params.model_validate(params), root=root)
    except DataOpsError as exc:
        return ("error", exc.message, exc.where.field)
    return ("unknown",) if found is None else ("ok", found.schema, found.exact)
