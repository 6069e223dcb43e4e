"""Benchmark 3: the intermediate format: pickle, Parquet, Arrow IPC (uncompressed, lz4, zstd).

Each format writes the same pandas frame and reads it back whole and as 2 of its 10 columns,
all into pandas, as the IO manager would. Files go to a scratch folder on the same disk as
the IO manager's storage; the page cache is warm for every variant alike.
"""

from __future__ import annotations

import pickle
import tempfile
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.feather as feather
import pyarrow.parquet as pq

from bench.common import WORK, alternate, clock, median, sales_table
from bench.report import Section, bar_chart
from module_library.arrow_convert import arrow_to_pandas

PICKLE_PROTOCOL = 4  # what Dagster's default (pickling) IO manager writes with
TWO_COLUMNS = ["city", "price"]


class Format:
    """Write a frame, read it whole, read two columns."""

    def __init__(
        self,
        name: str,
        write: Callable[[pd.DataFrame, Path], None],
        read: Callable[[Path, list[str] | None], pd.DataFrame],
    ):
        self.name, self.write, self.read = name, write, read


def _pickle_write(frame: pd.DataFrame, path: Path) -> None:
    with path.open("wb") as handle:
        pickle.dump(frame, handle, PICKLE_PROTOCOL)


def _pickle_read(path: Path, columns: list[str] | None) -> pd.DataFrame:
    with path.open("rb") as handle:
        frame = pickle.load(handle)
    return frame if columns is None else frame[columns]


def _parquet_write(frame: pd.DataFrame, path: Path) -> None:
    pq.write_table(pa.Table.from_pandas(frame, preserve_index=False), path)


def _parquet_read(path: Path, columns: list[str] | None) -> pd.DataFrame:
    return pq.read_table(path, columns=columns).to_pandas()


def _arrow_write(compression: str) -> Callable[[pd.DataFrame, Path], None]:
    def write(frame: pd.DataFrame, path: Path) -> None:
        feather.write_feather(pa.Table.from_pandas(frame, preserve_index=False), str(path), compression=compression)

    return write


def _arrow_read(path: Path, columns: list[str] | None) -> pd.DataFrame:
    with pa.memory_map(str(path)) as source:
        table = pa.ipc.open_file(source).read_all()
        return (table if columns is None else table.select(columns)).to_pandas()


FORMATS = [
    Format("pickle (Dagster's default)", _pickle_write, _pickle_read),
    Format("Parquet (snappy)", _parquet_write, _parquet_read),
    Format("Arrow IPC uncompressed", _arrow_write("uncompressed"), _arrow_read),
    Format("Arrow IPC lz4", _arrow_write("lz4"), _arrow_read),
    Format("Arrow IPC zstd", _arrow_write("zstd"), _arrow_read),
]


def run(rows: int, repeats: int) -> Section:
    frame = arrow_to_pandas(sales_table(rows))
    WORK.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict[str, list[float]]] = {}
    sizes: dict[str, int] = {}
    with tempfile.TemporaryDirectory(dir=WORK) as tmp:
        paths = {f.name: Path(tmp) / f"intermediate_{i}" for i, f in enumerate(FORMATS)}
        for f in FORMATS:
            f.write(frame, paths[f.name])
            pd.testing.assert_frame_equal(f.read(paths[f.name], None), frame)
            sizes[f.name] = paths[f.name].stat().st_size
        for operation, call in (
            ("write", lambda f: clock(lambda: f.write(frame, paths[f.name]))),
            ("read", lambda f: clock(lambda: f.read(paths[f.name], None))),
            ("read 2 columns", lambda f: clock(lambda: f.read(paths[f.name], TWO_COLUMNS))),
        ):
            times = alternate({f.name: (lambda f=f, call=call: call(f)) for f in FORMATS}, repeats)
            for name, values in times.items():
                results.setdefault(name, {})[operation] = values
    section = Section(
        name="formats",
        title="3. Intermediate formats",
        intro=(
            "The evidence for the IO manager's format. Every format writes the same pandas frame (the 10-column "
            "sales table) and reads it back into pandas, whole and as 2 columns (`city`, `price`); pickle has to "
            "read everything to get 2 columns. Parquet uses pyarrow's defaults (snappy); the Arrow IPC files are "
            "memory-mapped on read."
        ),
        headers=["format", "write s", "read s", "read 2 columns s", "size MiB"],
        settings=f"{rows:,} rows × 10 columns; {repeats} alternating runs per operation",
    )
    for f in FORMATS:
        r = results[f.name]
        section.rows.append(
            [
                f.name,
                median(r["write"]),
                median(r["read"]),
                median(r["read 2 columns"]),
                round(sizes[f.name] / 2**20, 1),
            ]
        )
        print(
            f"  {f.name:30s} write {median(r['write']):.3f} read {median(r['read']):.3f} read2 {median(r['read 2 columns']):.3f} size {sizes[f.name] / 2**20:.0f} MiB",
            flush=True,
        )
    section.images.append(
        bar_chart(
            "formats",
            f"intermediate formats, {rows:,} rows (median seconds)",
            [f.name.replace(" (Dagster's default)", "").replace("Arrow IPC ", "IPC ") for f in FORMATS],
            {op: [median(results[f.name][op]) for f in FORMATS] for op in ("write", "read", "read 2 columns")},
            "seconds",
        )
    )
    return section
