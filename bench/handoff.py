"""Benchmark 2: one step's output handed to the next, our IO manager against the seed design.

Ours, as between two processes (multiprocess, Celery): the output becomes an Arrow table, is
written as an Arrow IPC file and read back (memory-mapped) into pandas. Ours, in one process:
the table goes to the next step in memory while a background thread writes the same file.
The seed design: the whole frame serialised to JSON records, POSTed to a worker process on
127.0.0.1 that parses it into a DataFrame and answers with JSON records, parsed again.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pyarrow as pa
from upath import UPath

from adapters.io_manager import read_table, write_table
from bench.common import ROOT, alternate, clock, median, python, sales_table
from bench.report import Section, Target, bar_chart
from module_library.arrow_convert import arrow_to_pandas

TARGET = 20.0


def worker() -> contextlib.AbstractContextManager[int]:
    """The JSON worker in its own process; yields its port."""
    return serving("bench.handoff_worker")


@contextmanager
def serving(module: str) -> Iterator[int]:
    """`python -m module` in its own process, which prints its port first; yields that port."""
    process = subprocess.Popen([python(), "-m", module], cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        yield int(process.stdout.readline())
    finally:
        process.kill()
        process.wait()


def arrow_handoff(frame: pd.DataFrame, folder: Path) -> Callable[[], pd.DataFrame]:
    path = UPath(folder / "result.arrow")

    def run() -> pd.DataFrame:
        write_table(pa.Table.from_pandas(frame, preserve_index=False), path)
        return read_table(path).to_pandas()

    return run


def in_process_handoff(frame: pd.DataFrame, folder: Path) -> Callable[[], pd.DataFrame]:
    """The in-process executor's hand-off: the next step gets the table while the file is written."""
    path = UPath(folder / "in_process.arrow")
    writer = ThreadPoolExecutor(1)

    def run() -> pd.DataFrame:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        written = writer.submit(write_table, table, path)
        handed = table.to_pandas()
        _pending.append(written)
        return handed

    return run


_pending: list[Future[None]] = []


def _settle() -> None:
    """Wait for background writes between timed runs, outside the timing."""
    while _pending:
        _pending.pop().result()


def json_handoff(frame: pd.DataFrame, port: int) -> Callable[[], pd.DataFrame]:
    def run() -> pd.DataFrame:
        body = frame.to_json(orient="records", date_format="iso").encode("utf-8")
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
        connection.request("POST", "/", body, {"Content-Type": "application/json"})
        reply = connection.getresponse().read()
        connection.close()
        return pd.read_json(io.BytesIO(reply), orient="records")

    return run


def run(rows: int, repeats: int) -> Section:
    frame = arrow_to_pandas(sales_table(rows))
    with tempfile.TemporaryDirectory() as tmp, worker() as port:
        ours, theirs = arrow_handoff(frame, Path(tmp)), json_handoff(frame, port)
        in_memory = in_process_handoff(frame, Path(tmp))
        assert ours().equals(frame) and in_memory().equals(frame), "the Arrow hand-off changed the frame"
        assert len(theirs()) == len(frame)
        _settle()

        def timed_in_memory() -> float:
            seconds = clock(in_memory)
            _settle()
            return seconds

        times = alternate(
            {"arrow": lambda: clock(ours), "in_memory": timed_in_memory, "json": lambda: clock(theirs)}, repeats
        )
        size = (Path(tmp) / "result.arrow").stat().st_size
    json_bytes = len(frame.to_json(orient="records", date_format="iso").encode("utf-8"))
    arrow_s, json_s, memory_s = median(times["arrow"]), median(times["json"]), median(times["in_memory"])
    section = Section(
        name="handoff",
        title="2. Per-step data hand-off",
        intro=(
            "One step's output (the 10-column sales table, strings and a date included) handed to the next "
            "step. **Arrow IPC**: the IO manager's path — `pa.Table.from_pandas`, an uncompressed IPC file "
            "written to a temporary name and renamed, memory-mapped and converted back to pandas (what a "
            "multiprocess or Celery run does). **In process**: what the in-process executor's steps wait for — "
            "the table is handed over in memory while a background thread writes the same file (the write is "
            "waited for outside the timing). **JSON over HTTP** (the seed design): `to_json(orient='records')`, a POST to a worker "
            "process on 127.0.0.1 that parses the records into a DataFrame and answers with JSON records, "
            "parsed again by the caller."
        ),
        headers=["hand-off", "median s", "bytes moved", "speed-up"],
        settings=f"{rows:,} rows × 10 columns; {repeats} alternating runs",
    )
    section.rows = [
        ["Arrow IPC file, write + read (ours)", arrow_s, f"{size / 2**20:,.0f} MiB", f"{json_s / arrow_s:.0f}x"],
        [
            "in process: in memory, file written meanwhile (ours)",
            memory_s,
            "0 (+ the file)",
            f"{json_s / memory_s:.0f}x",
        ],
        ["JSON records over HTTP (seed)", json_s, f"{2 * json_bytes / 2**20:,.0f} MiB (both ways)", "1x"],
    ]
    section.targets.append(Target("Arrow hand-off speed-up over JSON/HTTP", json_s / arrow_s, TARGET, at_least=True))
    section.images.append(
        bar_chart(
            "handoff",
            f"one hand-off of {rows:,} rows (median)",
            ["hand-off"],
            {"Arrow IPC file (ours)": [arrow_s], "in process (ours)": [memory_s], "JSON over HTTP (seed)": [json_s]},
            "seconds",
            log=True,
        )
    )
    print(
        f"  arrow {arrow_s:.3f} s  in memory {memory_s:.3f} s  json {json_s:.3f} s  {json_s / arrow_s:.0f}x", flush=True
    )
    return section
