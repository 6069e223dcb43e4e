"""The IO manager between steps: each output is an Arrow table, stored as an Arrow IPC file when a
re-execution could need it.

Steps hand `pyarrow.Table`s to each other; a step that reads a stored output reads the file
memory-mapped, so the columns it selects are never copied (pandas modules convert at their own
boundary, see `module_library/calling.py`).

Why Arrow IPC, uncompressed (benchmark 3 in docs/benchmarks.md, 1M rows x 10 columns): it writes
in 0.085 s (pickle, Dagster's default, 0.17; Parquet 0.44; IPC with lz4 0.22, with zstd 0.26),
reads back whole in 0.008 s (pickle 0.09, Parquet 0.12, lz4 0.06, zstd 0.09) and 2 columns in
0.004 s, touching only their buffers (pickle reads everything). It takes pickle's 105 MiB on disk
(Parquet 14, zstd 21, lz4 52): intermediates are scratch, time is not.

Files live under `<base_dir>/<run_id>/<step>/<output>.arrow` (Dagster's op-output
identifier), so runs never collide and re-execution from failure reads the parent run's files.
`UPathIOManager` makes `base_dir` any fsspec URL (`file://`, `s3://`, ...).

**What is written, and when.** With an executor that runs every step in this process, an output
stays in memory and its consumers take it from there. A re-execution from failure needs exactly
the outputs of succeeded steps whose consumers did not all succeed, so:

- an output is dropped, unwritten, once every step that consumes it has succeeded (the op says
  so, `step_succeeded`): a chain of steps never touches the disk;
- at the end of the run (teardown) every output still held is written before the run ends: the
  inputs of a failed, interrupted or skipped step are on disk for its re-execution;
- a process killed outright (SIGKILL, the OOM killer) has no teardown, so an output still held
  after `checkpoint_after` (0.5 s, or ten times what writing it takes at 1 GB/s, whichever is
  longer: checkpoints cost at most a tenth of the time of the steps they protect) is written
  by a background thread meanwhile; a checkpoint whose consumers succeed first is abandoned
  (and its partial file removed), and no step ever waits for one.

A run tagged `dataops/keep_outputs` (the editor's runs, for paging through any node's output)
also writes every output as it is handed out, at `<base_dir>/<run_id>/<step>/<output>.arrow`,
whether or not anything consumes it; nothing it writes is dropped.

Outputs of steps this manager hears nothing from (ops outside the flowcharts) are held to the end
of the run and written then. Other executors hand over between processes: there each output is
written before its step ends. Each output's metadata (row count, schema, preview) comes from the
table itself, whether or not it is ever written; its `path` is where it is, or would be, stored.

Every Dagster log line is a row written to the event log (SQLite: a connection and a commit
each), so this manager logs nothing per file: the path is the output's metadata. Inputs are
handed over whole (memory-mapped when read back, so nothing is copied): the consuming op selects
the columns it needs (projection, planned by the compiler).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, ClassVar

import dagster as dg
import pyarrow as pa
from pydantic import PrivateAttr
from upath import UPath

from adapters.metadata import table_metadata
from dataops.files import atomic_target
from module_library.arrow_convert import frame_to_arrow, is_frame

if TYPE_CHECKING:
    import pandas as pd

# The job's own in-process executor, and the one `execute_in_process` substitutes for any executor.
IN_PROCESS_EXECUTORS = (dg.in_process_executor.name, "execute_in_process_executor")
CHECKPOINT_MIN_SECONDS = 0.5
CHECKPOINT_COST_SHARE = 10  # hold at least this many times the write's own time before writing
WRITE_BYTES_PER_SECOND = 1 << 30
BATCH_ROWS = 1 << 20  # a checkpoint can be abandoned between batches
KEEP_OUTPUTS_TAG = "dataops/keep_outputs"  # "true": every output is written, for previews


class Abandoned(Exception):
    """A checkpoint write stopped because nobody needs the output any more."""


@dataclass
class Held:
    """An output kept in memory for the steps that consume it."""

    table: pa.Table
    path: UPath
    waiting_for: set[str]  # consumer steps that have not succeeded yet
    due: float  # monotonic time at which a checkpoint write starts
    written: bool = False
    writing: bool = False
    abandon: threading.Event = field(default_factory=threading.Event)


class ArrowIOManager(dg.ConfigurableIOManager, dg.UPathIOManager):
    """Arrow tables handed over in memory within a process, as Arrow IPC files between processes
    and for re-execution; read back memory-mapped, so a step touches only the columns it selects."""

    base_dir: str
    # A ClassVar, or pydantic would make it a config field; UPathIOManager declares an instance attribute.
    extension: ClassVar[str] = ".arrow"  # type: ignore[misc]
    _base_path: UPath = PrivateAttr()
    _held: dict[str, Held] = PrivateAttr(default_factory=dict)
    _lock: threading.Condition = PrivateAttr(default_factory=threading.Condition)
    _checkpointer: threading.Thread | None = PrivateAttr(None)
    _stopping: bool = PrivateAttr(False)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        self._base_path = UPath(self.base_dir)

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        """Write every output still held: the steps that consume it did not all succeed."""
        with self._lock:
            self._stopping = True
            self._lock.notify_all()
        if self._checkpointer is not None:
            self._checkpointer.join()
            self._checkpointer = None
        failed: list[str] = []
        for key, held in list(self._held.items()):
            if not held.written:
                try:
                    write_table(held.table, held.path)
                except OSError as exc:
                    failed.append(f"{held.path}: {exc}")
            del self._held[key]
        if failed:
            raise OSError(f"could not store the outputs a re-execution would need: {'; '.join(failed)}")

    def handle_output(self, context: dg.OutputContext, obj: pa.Table | pd.DataFrame) -> None:
        """Hold the table for its consumers in this process, else write it now.

        A DataFrame (from an op outside the flowcharts) is stored as Arrow like any table.
        """
        path = self._get_path(context)
        table = frame_to_arrow(obj) if is_frame(obj) else obj
        consumers = _consumers(context)
        kept = kept_path(self._base_path, context) if _keeps_outputs(context) else None
        if kept is not None:
            write_table(table, kept)
        if consumers and _single_process(context):
            self._hold(table, path, consumers, written=kept == path)
        elif consumers and kept != path:
            self.dump_to_path(context, table, path)
        context.add_output_metadata({"path": dg.MetadataValue.path(str(path)), **self.get_metadata(context, table)})

    def step_succeeded(self, step: str) -> None:
        """`step` finished: drop the outputs whose consumers have now all succeeded."""
        with self._lock:
            for key, held in list(self._held.items()):
                held.waiting_for.discard(step)
                if not held.waiting_for:
                    held.abandon.set()
                    del self._held[key]

    def load_input(self, context: dg.InputContext) -> pa.Table:
        return self.load_from_path(context, self._get_path(context))

    def dump_to_path(self, context: dg.OutputContext, obj: pa.Table, path: UPath) -> None:
        """`UPathIOManager`'s write, for an output no step of this process will take from memory."""
        write_table(obj, path)

    def load_from_path(self, context: dg.InputContext, path: UPath) -> pa.Table:
        """The whole table, memory-mapped when read: the op selects the columns it needs, touching only those."""
        held = self._held.get(str(path))
        return held.table if held is not None else read_table(path)

    def get_metadata(self, context: dg.OutputContext, obj: pa.Table) -> dict[str, Any]:
        return table_metadata(obj)

    def _hold(self, table: pa.Table, path: UPath, consumers: set[str], *, written: bool = False) -> None:
        delay = max(CHECKPOINT_MIN_SECONDS, CHECKPOINT_COST_SHARE * table.nbytes / WRITE_BYTES_PER_SECOND)
        with self._lock:
            self._held[str(path)] = Held(table, path, consumers, time.monotonic() + delay, written=written)
            if self._checkpointer is None:
                self._stopping = False
                self._checkpointer = threading.Thread(target=self._checkpoints, name="arrow-checkpoints", daemon=True)
                self._checkpointer.start()
            self._lock.notify_all()

    def _checkpoints(self) -> None:
        """Write outputs held past their due time, earliest first, until teardown."""
        while True:
            with self._lock:
                while True:
                    if self._stopping:
                        return
                    pending = [h for h in self._held.values() if not h.written and not h.writing]
                    now = time.monotonic()
                    due = min(pending, key=lambda h: h.due, default=None)
                    if due is not None and due.due <= now:
                        break
                    self._lock.wait(None if due is None else due.due - now)
                due.writing = True
            try:
                write_table(due.table, due.path, abandon=due.abandon)
                due.written = True
            except (Abandoned, OSError):
                pass  # no longer needed, or teardown tries again (and reports a failure)
            finally:
                due.writing = False


def write_table(table: pa.Table, path: UPath, *, abandon: threading.Event | None = None) -> None:
    """Write an intermediate to a temporary name and rename: a reader never sees half a file.

    With `abandon`, the write stops between record batches once the event is set (`Abandoned`).
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    with (
        atomic_target(path) as temporary,
        temporary.open("wb") as handle,
        pa.ipc.new_file(handle, table.schema) as writer,
    ):
        for batch in table.to_batches(max_chunksize=BATCH_ROWS):
            if abandon is not None and abandon.is_set():
                raise Abandoned(str(path))
            writer.write_batch(batch)


def read_table(path: UPath) -> pa.Table:
    """An intermediate, memory-mapped when local: selecting columns then touches only theirs."""
    local = path.protocol in ("", "file")
    with pa.memory_map(path.path) if local else path.open("rb") as source:
        return pa.ipc.open_file(source).read_all()


def kept_path(base: UPath, context: dg.OutputContext) -> UPath:
    """Where a kept output goes: per run, step and output, also for an asset's output."""
    return base.joinpath(*context.get_identifier()).with_suffix(ArrowIOManager.extension)


def _keeps_outputs(context: dg.OutputContext) -> bool:
    return context.step_context.dagster_run.tags.get(KEEP_OUTPUTS_TAG) == "true"


def _single_process(context: dg.OutputContext) -> bool:
    """Whether every step of this run executes in this process (the in-process executors)."""
    step = context.step_context
    executor = step.job_def.executor_def.name
    if executor == dg.multi_or_in_process_executor.name:
        execution = step.run_config.get("execution")
        return isinstance(execution, Mapping) and "in_process" in execution.get("config", {})
    return executor in IN_PROCESS_EXECUTORS


def _consumers(context: dg.OutputContext) -> set[str]:
    """The steps that load this output (none: nobody could ever need it stored)."""
    handle = context.step_context.node_handle
    graph: dg.GraphDefinition = context.step_context.job_def.graph
    if handle.parent is not None:  # an op inside a graph (a flowchart's asset): its siblings consume it
        parent = graph.get_node(handle.parent).definition
        assert isinstance(parent, dg.GraphDefinition), "only a graph has nodes inside"
        graph = parent
    structure = graph.dependency_structure
    downstream = structure.output_to_downstream_inputs_for_node(context.step_context.node_handle.name)
    return {
        node_input.node_name
        for output, inputs in downstream.items()
        if output.output_def.name == context.name
        for node_input in inputs
    }
