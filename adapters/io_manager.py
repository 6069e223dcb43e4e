"""The IO manager between steps: each output is an Arrow table, written once as an Arrow IPC file.

Steps hand `pyarrow.Table`s to each other; the next step reads the file memory-mapped, so the
columns it selects are never copied (pandas modules convert at their own boundary, see
`module_library/sdk.py`).

Why Arrow IPC, uncompressed (benchmark 3 in docs/benchmarks.md, 1M rows x 10 columns): it writes
in 0.085 s (pickle, Dagster's default, 0.17; Parquet 0.44; IPC with lz4 0.22, with zstd 0.26),
reads back whole in 0.008 s (pickle 0.09, Parquet 0.12, lz4 0.06, zstd 0.09) and 2 columns in
0.004 s, touching only their buffers (pickle reads everything). It takes pickle's 105 MiB on disk
(Parquet 14, zstd 21, lz4 52): intermediates are scratch, time is not.

Files live under `<base_dir>/<run_id>/<step>/<output>.arrow` (Dagster's op-output
identifier), so runs never collide and re-execution from failure reads the parent run's files.
`UPathIOManager` makes `base_dir` any fsspec URL (`file://`, `s3://`, ...).

With an in-process executor the next step does not wait for the file: a background thread
writes it while the next step already works on the same Arrow table in memory (what the file
will hold, so both paths give the same frame). A step with no outputs (a sink) and an output
nobody consumes wait for every pending write, and any failed write fails the next step that
touches the IO manager, so a run never ends with an intermediate silently missing; teardown
waits too. Other executors hand over between processes: there the file is complete before
the step ends.

Every Dagster log line is a row written to the event log (SQLite: a connection and a commit
each), so this manager logs nothing per file: the path is the output's metadata and the
projection is the input's.
"""

from __future__ import annotations

import uuid
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, ClassVar

import dagster as dg
import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather
from pydantic import PrivateAttr
from upath import UPath

from adapters.arrow_convert import frame_to_arrow
from adapters.metadata import table_metadata
from adapters.projection import projection
from adapters.pushdown import ProjectionPlan

COMPRESSION = "uncompressed"
# The job's own in-process executor, and the one `execute_in_process` substitutes for any executor.
IN_PROCESS_EXECUTORS = (dg.in_process_executor.name, "execute_in_process_executor")


class ArrowIOManager(dg.ConfigurableIOManager, dg.UPathIOManager):
    """Arrow tables to Arrow IPC files and back, loading only the columns the next step reads."""

    base_dir: str
    extension: ClassVar[str] = ".arrow"
    _base_path: UPath = PrivateAttr()
    _writer: ThreadPoolExecutor | None = PrivateAttr(None)
    _pending: dict[str, tuple[pa.Table, Future[None]]] = PrivateAttr(default_factory=dict)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._base_path = UPath(self.base_dir)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        """A run is over when its files are complete."""
        try:
            self._drain()
        finally:
            if self._writer is not None:
                self._writer.shutdown(wait=True)
                self._writer = None

    def handle_output(self, context: dg.OutputContext, obj: pa.Table | pd.DataFrame) -> None:
        """UPathIOManager's, without its per-file debug log (op outputs are never partitioned).

        A DataFrame (from an op outside the flowcharts) is stored as Arrow like any table.
        """
        self._raise_failed()
        path = self._get_path(context)
        self.make_directory(path.parent)
        table = frame_to_arrow(obj) if isinstance(obj, pd.DataFrame) else obj
        if _single_process(context) and _consumed(context):
            self._writer = self._writer or ThreadPoolExecutor(1, thread_name_prefix="arrow-io")
            self._pending[str(path)] = (table, self._writer.submit(write_table, table, path))
        else:
            self._drain()
            write_table(table, path)
        context.add_output_metadata({"path": dg.MetadataValue.path(str(path)), **self.get_metadata(context, table)})

    def load_input(self, context: dg.InputContext) -> pa.Table:
        self._raise_failed()
        if not context.op_def.output_defs:  # a sink: the run may end with this step
            self._drain()
        return self.load_from_path(context, self._get_path(context))

    def dump_to_path(self, context: dg.OutputContext, obj: pa.Table | pd.DataFrame, path: UPath) -> None:
        write_table(frame_to_arrow(obj) if isinstance(obj, pd.DataFrame) else obj, path)

    def load_from_path(self, context: dg.InputContext, path: UPath) -> pa.Table:
        pending = self._pending.get(str(path))
        table = pending[0] if pending is not None else read_table(path)
        available = table.schema.names
        columns = _projection(context, available)
        if columns is None:
            return table
        context.add_input_metadata({"columns loaded": f"{len(columns)} of {len(available)}: {', '.join(columns)}"})
        return table.select(columns)

    def get_metadata(self, context: dg.OutputContext, obj: pa.Table) -> dict[str, Any]:
        return table_metadata(obj)

    def _drain(self) -> None:
        """Wait for every background write; a failed one is raised."""
        for _, future in list(self._pending.values()):
            future.exception()
        self._raise_failed()

    def _raise_failed(self) -> None:
        """Forget the finished writes; raise a failed one (again at every call: it stays failed)."""
        for path, (_, future) in list(self._pending.items()):
            if future.done() and future.exception() is None:
                del self._pending[path]
            elif future.done():
                raise OSError(f"could not write the intermediate {path}: {future.exception()}") from future.exception()


def write_table(table: pa.Table, path: UPath) -> None:
    """Write an intermediate to a temporary name and rename: a reader never sees half a file."""
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex}.tmp")
    try:
        with temporary.open("wb") as handle:
            feather.write_feather(table, handle, compression=COMPRESSION)
        temporary.rename(path)
    finally:
        if temporary.exists():
            temporary.unlink()


def read_table(path: UPath) -> pa.Table:
    """An intermediate, memory-mapped when local: selecting columns then touches only theirs."""
    local = path.protocol in ("", "file")
    with pa.memory_map(path.path) if local else path.open("rb") as source:
        return pa.ipc.open_file(source).read_all()


def _single_process(context: dg.OutputContext) -> bool:
    """Whether every step of this run executes in this process (the in-process executors)."""
    step = context.step_context
    executor = step.job_def.executor_def.name
    if executor == dg.multi_or_in_process_executor.name:
        return "in_process" in (step.run_config.get("execution") or {}).get("config", {})
    return executor in IN_PROCESS_EXECUTORS


def _consumed(context: dg.OutputContext) -> bool:
    """Whether a later step loads this output (else nothing after it checks its write)."""
    structure = context.step_context.job_def.graph.dependency_structure
    downstream = structure.output_to_downstream_inputs_for_node(context.step_context.node_handle.name)
    return any(output.output_def.name == context.name and inputs for output, inputs in downstream.items())


def _projection(context: dg.InputContext, available: list[str]) -> list[str] | None:
    """The columns this input needs: what the consuming node and everything after it read."""
    needs = ProjectionPlan(context.step_context).input_needs(context.op_def.name, context.name)
    return None if needs is None else projection(available, needs)
