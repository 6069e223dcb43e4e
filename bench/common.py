"""Shared benchmark helpers: sample data, whole-process timing and peak memory, alternating runs."""

from __future__ import annotations

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / ".work"
CITIES = ["北京", "上海", "广州", "深圳", "杭州", "成都", "重庆", "武汉", "西安", "南京"] + [
    f"city_{i}" for i in range(40)
]
CATEGORIES = ["茶叶", "瓷器", "丝绸", "手机", "电脑", "家具", "服装", "食品"]
CHANNELS = ["web", "store", "app", "phone"]
CHUNK_ROWS = 1_000_000
DAY_2026_01_01 = 20454  # days since 1970-01-01
T = TypeVar("T")


def sales_table(rows: int, *, seed: int = 42, offset: int = 0) -> pa.Table:
    """Rows `offset..offset+rows` of the deterministic 10-column sales table (strings included)."""
    rng = np.random.default_rng([seed, offset])

    def pick(values: list[str]) -> pa.Array:
        return pa.DictionaryArray.from_arrays(pa.array(rng.integers(0, len(values), rows), pa.int32()), values).cast(
            pa.string()
        )

    def coded(prefix: str, high: int) -> pa.Array:
        return pc.binary_join_element_wise(prefix, pc.cast(pa.array(rng.integers(0, high, rows)), pa.string()), "")

    return pa.table(
        {
            "order_id": pa.array(np.arange(offset, offset + rows)),
            "city": pick(CITIES),
            "category": pick(CATEGORIES),
            "product": coded("sku_", 5000),
            "price": pa.array(rng.uniform(1, 200, rows).round(2)),
            "qty": pa.array(rng.integers(1, 20, rows)),
            "discount": pa.array(rng.uniform(0, 0.3, rows).round(3)),
            "order_date": pa.array((rng.integers(0, 365, rows) + DAY_2026_01_01).astype("int32")).cast(pa.date32()),
            "customer": coded("C", 100_000),
            "channel": pick(CHANNELS),
        }
    )


def sales_csv(rows: int) -> Path:
    """The sales table as CSV in bench/.work, generated once per size (in 1M-row chunks)."""
    return _cached_csv(WORK / f"sales_{rows}.csv", rows, sales_table)


def wide_table(rows: int, *, columns: int = 50, offset: int = 0) -> pa.Table:
    """`columns` columns: two group keys (text), then numbers and text alternating."""
    rng = np.random.default_rng([7, offset])
    data: dict[str, pa.Array] = {
        "region": pa.array(np.array(CITIES, dtype=object)[rng.integers(0, len(CITIES), rows)]),
        "amount": pa.array(rng.uniform(0, 1000, rows).round(2)),
    }
    for i in range(2, columns):
        if i % 2:
            data[f"text_{i}"] = pc.binary_join_element_wise(
                "v", pc.cast(pa.array(rng.integers(0, 10**6, rows)), pa.string()), ""
            )
        else:
            data[f"number_{i}"] = pa.array(rng.normal(size=rows))
    return pa.table(data)


def wide_csv(rows: int, columns: int = 50) -> Path:
    return _cached_csv(
        WORK / f"wide_{columns}x{rows}.csv", rows, lambda n, offset: wide_table(n, columns=columns, offset=offset)
    )


def _cached_csv(path: Path, rows: int, make: Callable[..., pa.Table]) -> Path:
    """Write `make(n, offset=...)` chunk by chunk: a plain CSV (header, no quoting) like a spreadsheet export."""
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    options = pacsv.WriteOptions(include_header=False, quoting_style="none")
    with temporary.open("wb") as handle:
        writer = None
        for offset in range(0, rows, CHUNK_ROWS):
            chunk = make(min(CHUNK_ROWS, rows - offset), offset=offset)
            if writer is None:
                handle.write((",".join(chunk.schema.names) + "\n").encode())
                writer = pacsv.CSVWriter(handle, chunk.schema, write_options=options)
            writer.write_table(chunk)
        if writer is not None:
            writer.close()
    temporary.rename(path)
    return path


@dataclass(frozen=True)
class Process:
    """One finished process: wall time, CPU time (user + system), peak resident memory (MiB), output, exit code."""

    seconds: float
    cpu_seconds: float
    peak_mib: float
    output: str = ""
    code: int = 0


# A child's peak RSS starts at its parent's RSS at fork (Linux keeps the pre-exec high-water
# mark), so the command is started by a fresh, small Python process that reports on it.
_MEASURE = """
import json, resource, subprocess, sys, time
with open(sys.argv[1], "wb") as out:
    started = time.perf_counter()
    code = subprocess.call(sys.argv[2:], stdout=out, stderr=subprocess.STDOUT)
    seconds = time.perf_counter() - started
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"code": code, "seconds": seconds, "cpu": usage.ru_utime + usage.ru_stime, "peak_kib": usage.ru_maxrss}))
"""


def run_process(
    command: Sequence[str], env: dict[str, str] | None = None, cwd: Path = ROOT, *, check: bool = True
) -> Process:
    """Run a whole process and measure it; a failure stops the benchmark with its output (unless not `check`)."""
    with tempfile.NamedTemporaryFile() as out:
        measured = subprocess.run(
            [sys.executable, "-c", _MEASURE, out.name, *command],
            cwd=cwd,
            env={**os.environ, **(env or {})},
            capture_output=True,
            text=True,
            check=True,
        )
        output = Path(out.name).read_bytes().decode(errors="replace")
    result = json.loads(measured.stdout)
    if check and result["code"] != 0:
        raise SystemExit(f"{' '.join(command)} failed ({result['code']}):\n{output}")
    return Process(result["seconds"], result["cpu"], result["peak_kib"] / 1024, output, result["code"])


def timed(command: Sequence[str], env: dict[str, str] | None = None, cwd: Path = ROOT) -> float:
    """Wall time of one whole process; a failure stops the benchmark with its output."""
    return run_process(command, env, cwd).seconds


def clock(fn: Callable[[], object]) -> float:
    """Wall time of one call."""
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def alternate(variants: dict[str, Callable[[], T]], repeats: int) -> dict[str, list[T]]:
    """Run the variants in turn, `repeats` rounds, so drift and load hit them equally."""
    results: dict[str, list[T]] = {name: [] for name in variants}
    for _ in range(repeats):
        for name, run in variants.items():
            results[name].append(run())
    return results


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


@contextmanager
def dagster_workspace(data_root: Path) -> Iterator[tuple[Path, dict[str, str]]]:
    """A scratch folder with its own Dagster home (the project's dagster.yaml) and storage; the
    environment for `dataops`, whose runs go cold (in their own process) unless a benchmark
    starts `warm_server` and sets DATAOPS_WARM=on."""
    with tempfile.TemporaryDirectory(dir=WORK if WORK.exists() else None) as tmp:
        work = Path(tmp)
        (work / "home").mkdir()
        shutil.copy(ROOT / "dagster.yaml", work / "home" / "dagster.yaml")
        (work / "flowcharts").mkdir()
        yield (
            work,
            {
                "DATAOPS_DATA_ROOT": str(data_root),
                "DATAOPS_STORAGE_ROOT": str(work / "storage"),
                "DATAOPS_FLOWCHARTS": str(work / "flowcharts"),
                "DATAOPS_PLUGINS": str(work / "plugins"),
                "DAGSTER_HOME": str(work / "home"),
                "DATAOPS_WARM": "off",
                "DATAOPS_WARM_SOCKET": str(work / "warm.sock"),
            },
        )


@contextmanager
def warm_server(env: dict[str, str]) -> Iterator[dict[str, str]]:
    """A warm run server on the workspace's socket for the block; the environment that uses it."""
    command = [python(), "-m", "dataops.cli.main", "warm"]
    full = {**os.environ, **env}
    subprocess.run([*command, "start"], env=full, check=True, capture_output=True, cwd=ROOT)
    try:
        yield {**env, "DATAOPS_WARM": "on"}
    finally:
        subprocess.run([*command, "stop"], env=full, check=True, capture_output=True, cwd=ROOT)


def dataops_run(flowchart: Path) -> list[str]:
    return [python(), "-m", "dataops.cli.main", "run", str(flowchart)]


def machine() -> str:
    """CPU model, cores, memory, OS and the versions that matter for these numbers."""
    import dagster
    import duckdb
    import pandas

    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        models = [
            line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if line.startswith("model name")
        ]
        cpu = models[0] if models else cpu
    memory = ""
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        kib = int(meminfo.read_text().split()[1])
        memory = f", {kib / 2**20:.0f} GiB RAM"
    return (
        f"{os.cpu_count()} cores ({cpu}){memory}, {platform.system()} {platform.release()}; Python "
        f"{platform.python_version()}, pandas {pandas.__version__}, pyarrow {pa.__version__}, "
        f"duckdb {duckdb.__version__}, dagster {dagster.__version__}"
    )


def load_average() -> str:
    try:
        return " / ".join(f"{v:.2f}" for v in os.getloadavg())
    except OSError:
        return "n/a"


def python() -> str:
    return sys.executable
