"""Parquet through pyarrow: the reader fetches only the requested columns from disk, as Arrow."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from adapters.arrow_convert import check_nesting, frame_to_arrow
from adapters.base import FileAdapter
from adapters.projection import projection
from adapters.registry import register_adapter
from dataops.errors import AdapterError, Where, did_you_mean

_MAGIC = (b"PAR1", b"PARE")  # plain and encrypted footers


class ParquetAdapter(FileAdapter):
    format = "parquet"
    extensions = (".parquet", ".pq")
    arrow_native = True

    def _read(self, path: Path, params: Any, columns: Sequence[str] | None) -> pa.Table:
        described = self._describe(path)
        if not _has_magic(path):
            raise AdapterError(
                f"{described} is not a Parquet file (it lacks the PAR1 marker at both ends); "
                "check the file, or pick the reader for its real format"
            )
        parquet = pq.ParquetFile(path)
        available = parquet.schema_arrow.names
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
        check_nesting(parquet.schema_arrow)
        return parquet.read(columns=available if selected is None else selected)

    def _write(self, table: pa.Table | pd.DataFrame, path: Path, params: Any) -> None:
        table = frame_to_arrow(table) if isinstance(table, pd.DataFrame) else table
        pq.write_table(table, path)


def _has_magic(path: Path) -> bool:
    with path.open("rb") as handle:
        head = handle.read(4)
        if path.stat().st_size < 12:  # header, footer length and footer marker
            return False
        handle.seek(-4, 2)
        return head in _MAGIC and handle.read(4) == head


register_adapter(ParquetAdapter())
