"""Arrow IPC files (Feather v2, .arrow), Feather v1 and IPC streams, through pyarrow."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.feather as feather

from adapters.base import FileAdapter
from adapters.predicates import RowFilter
from adapters.projection import projection
from adapters.registry import register_adapter
from adapters.scan import scan
from dataops.errors import AdapterError
from module_library.arrow_convert import check_nesting, frame_to_arrow, is_frame

if TYPE_CHECKING:
    import pandas as pd

_FILE, _FEATHER_V1, _STREAM = b"ARROW1", b"FEA1", b"\xff\xff\xff\xff"


class ArrowAdapter(FileAdapter):
    format = "arrow"
    extensions = (".arrow", ".feather", ".ipc", ".arrows")
    arrow_native = True

    def _read(self, path: Path, params: Any, columns: Sequence[str] | None) -> pa.Table:
        described = self._describe(path)
        with path.open("rb") as handle:
            head = handle.read(8)
        if head.startswith(_FILE):
            selected = projection(pa.ipc.open_file(path).schema.names, columns)
            table = feather.read_table(path, columns=selected, memory_map=False)
            check_nesting(table.schema)
            return table
        if head.startswith(_FEATHER_V1):
            table = feather.read_table(path, memory_map=False)
        elif head.startswith(_STREAM):
            with pa.OSFile(str(path)) as source:
                table = pa.ipc.open_stream(source).read_all()
        else:
            raise AdapterError(
                f"{described} is not an Arrow IPC or Feather file (no Arrow marker at its start); "
                "check the file, or pick the reader for its real format"
            )
        selected = projection(table.column_names, columns)
        check_nesting(table.schema)
        return table if selected is None else table.select(selected)

    def _read_rows(self, path: Path, params: Any, columns: Sequence[str] | None, rows: RowFilter) -> pa.Table:
        """An Arrow IPC file through the dataset scanner, with what of `rows` translates applied."""
        with path.open("rb") as handle:
            head = handle.read(8)
        if not head.startswith(_FILE):  # Feather v1 and streams: read whole, the filter node filters
            return self._read(path, params, columns)
        dataset = ds.dataset(path, format="ipc")
        check_nesting(dataset.schema)
        names = dataset.schema.names
        selected = projection(names, columns)
        return scan(dataset, names if selected is None else selected, rows if len(set(names)) == len(names) else None)

    def _write(self, table: pa.Table | pd.DataFrame, path: Path, params: Any) -> None:
        table = frame_to_arrow(table) if is_frame(table) else table
        feather.write_feather(table, path)


register_adapter(ArrowAdapter())
