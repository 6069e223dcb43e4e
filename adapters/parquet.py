"""Parquet through pyarrow's dataset scanner: only the requested columns (and, pushed down from a
filter, only the rows it keeps) are read from disk, as Arrow."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from adapters.base import FileAdapter
from adapters.predicates import RowFilter
from adapters.projection import projection
from adapters.registry import register_adapter
from adapters.scan import scan
from dataops.errors import AdapterError, Where, did_you_mean
from module_library.arrow_convert import check_nesting, frame_to_arrow, is_frame

if TYPE_CHECKING:
    import pandas as pd

_MAGIC = (b"PAR1", b"PARE")  # plain and encrypted footers


class ParquetAdapter(FileAdapter):
    format = "parquet"
    extensions = (".parquet", ".pq")
    arrow_native = True

    def _read(self, path: Path, params: Any, columns: Sequence[str] | None) -> pa.Table:
        return self._read_rows(path, params, columns, None)

    def _read_rows(self, path: Path, params: Any, columns: Sequence[str] | None, rows: RowFilter | None) -> pa.Table:
        """The needed columns, row groups decoded in parallel and never concatenated; with `rows`,
        only the rows its translatable conjuncts keep."""
        described = self._describe(path)
        if not _has_magic(path):
            raise AdapterError(
                f"{described} is not a Parquet file (it lacks the PAR1 marker at both ends); "
                "check the file, or pick the reader for its real format"
            )
        dataset = ds.dataset(path, format="parquet")
        available = dataset.schema.names
        requested = getattr(params, "columns", None)
        if requested is not None:  # the user's own list must exist; the pushdown hint need not
            missing = [name for name in requested if name not in available]
            if missing:
                raise AdapterError(
                    f"{described} has no column {', '.join(repr(m) for m in missing)} (columns: "
                    f"{', '.join(available)}){did_you_mean(missing[0], available)}",
                    Where(field="columns"),
                )
            available = list(dict.fromkeys(requested))
        selected = projection(available, columns)
        check_nesting(dataset.schema)
        if len(set(dataset.schema.names)) != len(dataset.schema.names):  # names a filter cannot tell apart
            rows = None
        return scan(dataset, available if selected is None else selected, rows)

    def _write(self, table: pa.Table | pd.DataFrame, path: Path, params: Any) -> None:
        table = frame_to_arrow(table) if is_frame(table) else table
        pq.write_table(table, path)


def _has_magic(path: Path) -> bool:
    with path.open("rb") as handle:
        head = handle.read(4)
        if path.stat().st_size < 12:  # header, footer length and footer marker
            return False
        handle.seek(-4, 2)
        return head in _MAGIC and handle.read(4) == head


register_adapter(ParquetAdapter())
