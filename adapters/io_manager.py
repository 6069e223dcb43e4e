"""The IO manager between steps: each output is written once as an Arrow IPC file.

Why Arrow IPC, uncompressed (measured on 1M rows x 10 columns, see docs/benchmarks.md):
writing takes 0.09 s against 0.19 s for zstd-compressed IPC, 0.32 s for pickle (Dagster's
default) and 0.34 s for Parquet; a full read 0.07 s; and a memory-mapped read of 2 columns
touches only those columns' buffers. Disk size is pickle's; intermediates are scratch.

Files live under `<base_dir>/<run_id>/<step>/<output>.arrow` (Dagster's op-output
identifier), so runs never collide and re-execution from failure reads the parent run's files.
`UPathIOManager` makes `base_dir` any fsspec URL (`file://`, `s3://`, ...).
"""

from __future__ import annotations

import uuid
from typing import Any, ClassVar

import dagster as dg
import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather
from pydantic import PrivateAttr
from upath import UPath

from adapters.metadata import table_metadata
from adapters.projection import projection
from adapters.pushdown import ProjectionPlan


class ArrowIOManager(dg.ConfigurableIOManager, dg.UPathIOManager):
    """DataFrames to Arrow IPC files and back, loading only the columns the next step reads."""

    base_dir: str
    extension: ClassVar[str] = ".arrow"
    _base_path: UPath = PrivateAttr()

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._base_path = UPath(self.base_dir)

    def dump_to_path(self, context: dg.OutputContext, obj: pd.DataFrame, path: UPath) -> None:
        table = pa.Table.from_pandas(obj, preserve_index=False)
        temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
        with temporary.open("wb") as handle:
            feather.write_feather(table, handle, compression="uncompressed")
        temporary.rename(path)

    def load_from_path(self, context: dg.InputContext, path: UPath) -> pd.DataFrame:
        local = path.protocol in ("", "file")
        source = pa.memory_map(path.path) if local else path.open("rb")
        with source:
            reader = pa.ipc.open_file(source)
            columns = _projection(context, reader.schema.names)
            table = reader.read_all()
            if columns is not None:
                table = table.select(columns)
            frame = table.to_pandas()
        if columns is not None:
            context.log.debug(f"loaded {len(columns)} of {len(reader.schema.names)} columns: {columns}")
        return frame

    def get_metadata(self, context: dg.OutputContext, obj: pd.DataFrame) -> dict[str, Any]:
        return table_metadata(obj)


def _projection(context: dg.InputContext, available: list[str]) -> list[str] | None:
    """The columns this input needs: what the consuming node and everything after it read."""
    needs = ProjectionPlan(context.step_context).input_needs(context.op_def.name, context.name)
    return None if needs is None else projection(available, sorted(needs))
