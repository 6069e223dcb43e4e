"""Adapter base classes: they own reading, writing and error wrapping.

`Adapter` is any source/sink (a file, a database table); `FileAdapter` adds the data-root
confinement, existence checks and atomic writes every file format shares. A concrete adapter
implements only `_read`, `_write` and, where useful, `_describe`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import pyarrow as pa

from adapters.paths import resolve_data_path
from dataops.errors import NOWHERE, AdapterError, DataOpsError, Where
from dataops.files import atomic_target

if TYPE_CHECKING:
    import pandas as pd

Location = Any  # a Path for files, a URL/table for databases


class Adapter(ABC):
    """Reads and writes one format; `format` and `extensions` key it in the registry."""

    format: ClassVar[str]
    extensions: ClassVar[tuple[str, ...]] = ()

    def read(
        self,
        params: Any,
        *,
        root: Path,
        columns: Sequence[str] | None = None,
        where: Where = NOWHERE,
        rows: Any = None,
    ) -> pd.DataFrame:
        """Load what `params` point at; with `columns`, only those columns are read. `rows` (an
        `adapters.predicates.RowFilter`) may be applied by adapters that can (`_read_rows`)."""
        location = self.locate(params, root, where)
        self._check_readable(location, where)
        try:
            if rows is not None and hasattr(self, "_read_rows"):
                return unique_columns(self._read_rows(location, params, columns, rows))
            return unique_columns(self._read(location, params, columns))
        except DataOpsError as exc:
            raise exc.located(where) from exc.__cause__
        except Exception as exc:
            raise AdapterError(f"cannot read {self._describe(location)}: {reason(exc)}", where) from exc

    def write(self, frame: pd.DataFrame, params: Any, *, root: Path, where: Where = NOWHERE) -> str:
        """Write `frame` where `params` point; returns a description of the target for metadata."""
        location = self.locate(params, root, where)
        try:
            self._write_whole(frame, location, params)
        except DataOpsError as exc:
            raise exc.located(where) from exc.__cause__
        except Exception as exc:
            raise AdapterError(f"cannot write {self._describe(location)}: {reason(exc)}", where) from exc
        return self._describe(location)

    @abstractmethod
    def locate(self, params: Any, root: Path, where: Where) -> Location:
        """Where the data is (validated: a file inside the data root, a database URL, ...)."""

    def _check_readable(self, location: Location, where: Where) -> None:  # noqa: B027 - optional hook
        """Fail early with a clear message (missing file, empty file); databases check on connect."""

    def _write_whole(self, frame: pd.DataFrame, location: Location, params: Any) -> None:
        """Write so that a failure leaves the previous state; files override with temp + rename."""
        self._write(frame, location, params)

    def _describe(self, location: Location) -> str:
        return f"{self.format} '{location}'"

    @abstractmethod
    def _read(self, location: Location, params: Any, columns: Sequence[str] | None) -> pd.DataFrame:
        """Read; raise anything, the base class wraps it."""

    @abstractmethod
    def _write(self, frame: pd.DataFrame, location: Location, params: Any) -> None:
        """Write the whole data set at `location`."""


class FileAdapter(Adapter):
    """A file format: `params.path` under the data root, atomic writes."""

    def locate(self, params: Any, root: Path, where: Where) -> Path:
        return resolve_data_path(params.path, root, where=where.inside(Where(field="path")))

    def _check_readable(self, location: Path, where: Where) -> None:
        if not location.exists():
            raise AdapterError(f"{self._describe(location)} does not exist", where.inside(Where(field="path")))
        if location.is_dir():
            raise AdapterError(f"{self._describe(location)} is a folder, not a file", where.inside(Where(field="path")))
        if location.stat().st_size == 0:
            raise AdapterError(f"{self._describe(location)} is empty", where)

    def _write_whole(self, frame: pd.DataFrame, location: Path, params: Any) -> None:
        """A temporary file beside the target, renamed over it only when complete."""
        location.parent.mkdir(parents=True, exist_ok=True)
        with atomic_target(location) as temporary:
            self._write(frame, temporary, params)

    def _describe(self, location: Path) -> str:
        return f"{self.format} file '{location}'"


def unique_columns(frame: pd.DataFrame | pa.Table) -> pd.DataFrame | pa.Table:
    """Names every column can be referred to by: a blank one becomes column_<n> (its position, as
    in a file without header), a repeated one gets .1, .2 (as pandas names them in Excel sheets)."""
    given = frame.column_names if isinstance(frame, pa.Table) else list(frame.columns)
    names = [str(name) if str(name).strip() else f"column_{i}" for i, name in enumerate(given, start=1)]
    taken, seen, unique = set(names), set(), []
    for name in names:
        if name in seen:
            suffix = 1
            while f"{name}.{suffix}" in taken:
                suffix += 1
            name = f"{name}.{suffix}"
            taken.add(name)
        seen.add(name)
        unique.append(name)
    if unique == given:
        return frame
    return frame.rename_columns(unique) if isinstance(frame, pa.Table) else frame.set_axis(unique, axis=1)


def reason(exc: BaseException) -> str:
    """The first line of an exception, with its type: enough to act on, no traceback."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__
