"""The probe's side in its child process: read the file, keep its head.

The forkserver imports this module once (`isolation.start_forkserver`), so what a read needs is
loaded here, at import, instead of in every child (about a second of imports per probe).
"""

from __future__ import annotations

import importlib
import json
import pickle
from pathlib import Path
from typing import Any

import pyarrow as pa
from pydantic import BaseModel

from adapters.arrow_convert import arrow_to_pandas
from adapters.registry import adapter_for
from dataops.errors import DataOpsError
from module_library.discovery import discover

Head = tuple[list[tuple[str, str]], list[list[Any]]]

importlib.import_module("module_library.builtin")  # the params models probes unpickle
adapter_for("csv")  # the registry imports every built-in adapter on first use


def read_head(format: str | None, path: str, params: bytes, root: Path, plugins: Path, rows: int) -> Head | str:
    """(column names and types, the first `rows` rows as JSON values), or the read's error message."""
    try:
        frame = adapter_for(format, Path(path)).read(_unpickled(params, plugins), root=root)
    except DataOpsError as exc:
        return str(exc)
    if isinstance(frame, pa.Table):  # Arrow-native adapters: convert only the rows shown
        frame = arrow_to_pandas(frame.slice(0, rows))
    head = frame.head(rows)
    values = json.loads(head.to_json(orient="values", date_format="iso", force_ascii=False, default_handler=str))
    return [(str(c), str(t)) for c, t in frame.dtypes.items()], values


def _unpickled(params: bytes, plugins: Path) -> BaseModel:
    try:
        return pickle.loads(params)
    except ModuleNotFoundError:  # a plugin module's params model: load the plugin folder as the editor did
        discover(plugins)
        return pickle.loads(params)
