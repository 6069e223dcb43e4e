"""The adapter base class: owns load/save, atomic writes and error wrapping.

A concrete adapter implements only `_read`, `_write` and, where useful, `_describe`.
"""

from __future__ import annotations

import os
import uuid
from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd

from dataops.errors import NOWHERE, AdapterError, DataOpsError, Where


class Adapter(ABC):
    """Reads and writes one format; `format` and `extensions` key it in the registry."""

    format: ClassVar[str]
    extensions: ClassVar[tuple[str, ...]] = ()

    def read(
        self, path: Path, params: Any, *, columns: Sequence[str] | None = None, where: Where = NOWHERE
    ) -> pd.DataFrame:
        """Load `path`; with `columns`, only those columns are read from the file."""
        if not path.exists():
            raise AdapterError(f"{self._describe(path)} does not exist", where)
        if path.is_file() and path.stat().st_size == 0:
            raise AdapterError(f"{self._describe(path)} is empty", where)
        try:
            return self._read(path, params, columns)
        except DataOpsError as exc:
            raise exc.located(where) from exc.__cause__
        except Exception as exc:
            raise AdapterError(f"cannot read {self._describe(path)}: {_reason(exc)}", where) from exc

    def write(self, frame: pd.DataFrame, path: Path, params: Any, *, where: Where = NOWHERE) -> None:
        """Write atomically: a temporary file beside the target, renamed over it only when complete."""
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        try:
            self._write(frame, temporary, params)
            os.replace(temporary, path)
        except DataOpsError as exc:
            raise exc.located(where) from exc.__cause__
        except Exception as exc:
            raise AdapterError(f"cannot write {self._describe(path)}: {_reason(exc)}", where) from exc
        finally:
            temporary.unlink(missing_ok=True)

    def _describe(self, path: Path) -> str:
        return f"{self.format} file '{path}'"

    @abstractmethod
    def _read(self, path: Path, params: Any, columns: Sequence[str] | None) -> pd.DataFrame:
        """Read the file; raise anything, the base class wraps it."""

    @abstractmethod
    def _write(self, frame: pd.DataFrame, path: Path, params: Any) -> None:
        """Write the whole file at `path` (a temporary name)."""


def _reason(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
