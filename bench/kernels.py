"""Benchmark 7: the kernels behind the data path, each against its alternatives.

The evidence for how the CSV adapter reads and for what the modules compute with: CSV parsing
(pyarrow's threaded reader and its streaming reader at several block sizes, pandas' C parser for
scale; each a fresh process, so allocator state and peak memory are its own), and the row filter,
group-by and sort of the benchmark-1 flowchart in pandas, pyarrow and DuckDB (in this process).
"""

from __future__ import annotations

import json
from collections.abc import Callable

import duckdb
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from bench.common import alternate, clock, median, python, run_process, sales_csv, sales_table
from bench.report import Section, bar_chart
from module_library.arrow_convert import arrow_to_pandas

COLUMNS = ["order_id", "city", "category", "price", "qty", "discount"]
READ = """
import json, sys, time
import pyarrow as pa, pyarrow.csv as pacsv
from module_library.arrow_convert import arrow_to_pandas
path, reader, block = sys.argv[1], sys.argv[2], int(sys.argv[3])
columns = sys.argv[4].split(",")
started = time.perf_counter()
if reader == "pandas":
    import pandas as pd
    frame = pd.read_csv(path, usecols=columns)
else:
    options = dict(
        read_options=pacsv.ReadOptions(block_size=block, use_threads=reader == "threaded"),
        convert_options=pacsv.ConvertOptions(include_columns=columns, strings_can_be_null=True),
    )
    table = pacsv.open_csv(path, **options).read_all() if reader == "streaming" else pacsv.read_csv(path, **options)
    frame = arrow_to_pandas(table)
print(json.dumps({"seconds": time.perf_counter() - started, "rows": len(frame)}))
"""
CSV_VARIANTS = [
    ("threaded", 1 << 20),
    ("threaded", 1 << 22),
    ("threaded", 1 << 24),
    ("streaming", 1 << 20),
    ("streaming", 1 << 22),
    ("streaming", 1 << 24),
    ("pandas", 0),
]


def _read_once(path: str, reader: str, block: int) -> tuple[float, float, float]:
    """(seconds reading, CPU seconds of the whole process, peak MiB) for one fresh process."""
    process = run_process([python(), "-c", READ, path, reader, str(block), ",".join(COLUMNS)])
    report = next(line for line in reversed(process.output.splitlines()) if line.startswith("{"))
    return json.loads(report)["seconds"], process.cpu_seconds, process.peak_mib


def csv_readers(rows: int, repeats: int) -> list[list[object]]:
    path = str(sales_csv(rows))
    names = {
        f"{reader} {block >> 20} MiB" if block else "pandas C parser": (reader, block) for reader, block in CSV_VARIANTS
    }
    runs = alternate({name: (lambda v=v: _read_once(path, *v)) for name, v in names.items()}, repeats)
    return [
        [
            name,
            median([r[0] for r in runs[name]]),
            median([r[1] for r in runs[name]]),
            round(median([r[2] for r in runs[name]])),
        ]
        for name in names
    ]


def _frame(rows: int) -> pd.DataFrame:
    frame = arrow_to_pandas(sales_table(rows).select(COLUMNS))
    return frame.assign(revenue=frame["price"] * frame["qty"] * (1 - frame["discount"]))


def _filter_variants(frame: pd.DataFrame) -> dict[str, Callable[[], object]]:
    mask = ((frame["price"] > 50) & (frame["qty"] > 2)).to_numpy()

    def arrow_filter() -> pd.DataFrame:
        kept = pa.Table.from_pandas(frame, preserve_index=False).filter(pa.array(mask)).to_pandas()
        kept.index = frame.index[mask]
        return kept

    def duckdb_where() -> pd.DataFrame:
        with duckdb.connect() as con:
            con.register("data", frame)
            return con.sql("SELECT * FROM data WHERE price > 50 AND qty > 2").to_arrow_table().to_pandas()

    return {
        "filter: pandas boolean take": lambda: frame[mask],
        "filter: pyarrow filter": arrow_filter,
        "filter: DuckDB WHERE": duckdb_where,
    }


def _group_variants(frame: pd.DataFrame) -> dict[str, Callable[[], object]]:
    def pandas_groupby() -> pd.DataFrame:
        grouped = frame.groupby(["city", "category"], sort=True, dropna=False, observed=True)
        return grouped.agg(
            revenue_sum=("revenue", "sum"), order_id_count=("order_id", "count"), price_mean=("price", "mean")
        )

    def arrow_group_by() -> pd.DataFrame:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        grouped = table.group_by(["city", "category"], use_threads=False).aggregate(
            [("revenue", "sum"), ("order_id", "count"), ("price", "mean")]
        )
        return grouped.sort_by([("city", "ascending"), ("category", "ascending")]).to_pandas()

    def duckdb_group_by() -> pd.DataFrame:
        with duckdb.connect() as con:
            con.register("data", frame)
            return (
                con.sql(
                    "SELECT city, category, sum(revenue), count(order_id), avg(price) FROM data "
                    "GROUP BY ALL ORDER BY city NULLS LAST, category NULLS LAST"
                )
                .to_arrow_table()
                .to_pandas()
            )

    return {
        "group-by: pandas": pandas_groupby,
        "group-by: pyarrow": arrow_group_by,
        "group-by: DuckDB": duckdb_group_by,
    }


def _sort_variants(frame: pd.DataFrame) -> dict[str, Callable[[], object]]:
    def arrow_sort() -> pd.DataFrame:
        table = pa.Table.from_pandas(frame, preserve_index=False)
        order = pc.sort_indices(table, sort_keys=[("city", "ascending"), ("price", "descending")])
        return table.take(order).to_pandas()

    return {
        "sort: pandas stable": lambda: frame.sort_values(["city", "price"], ascending=[True, False], kind="stable"),
        "sort: pyarrow sort_indices": arrow_sort,
    }


def module_kernels(rows: int, repeats: int) -> list[list[object]]:
    frame = _frame(rows)
    table: list[list[object]] = []
    for variants in (_filter_variants(frame), _group_variants(frame), _sort_variants(frame)):
        times = alternate({name: (lambda fn=fn: clock(fn)) for name, fn in variants.items()}, repeats)
        fastest = min(median(values) for values in times.values())
        table += [[name, median(values), f"{median(values) / fastest:.2f}x"] for name, values in times.items()]
    return table


def run(csv_rows: int, kernel_rows: int, repeats: int) -> Section:
    readers = csv_readers(csv_rows, repeats)
    for row in readers:
        print(f"  {row[0]:24s} read {row[1]:.2f} s  CPU {row[2]:.2f} s  peak {row[3]} MiB", flush=True)
    kernels = module_kernels(kernel_rows, repeats)
    for row in kernels:
        print(f"  {row[0]:32s} {row[1]:.3f} s  {row[2]}", flush=True)
    section = Section(
        name="kernels",
        title="7. Kernels: CSV parsing, filter, group-by, sort",
        intro=(
            f"**CSV parsing** ({csv_rows:,}-row sales CSV, the 6 columns benchmark 1 needs, into pandas; one fresh "
            "process per run, so *CPU* and *peak* are the whole process's): pyarrow's threaded `read_csv` and its "
            "streaming `open_csv` at 1, 4 and 16 MiB blocks, and pandas' C parser with `usecols` for scale. "
            f"**Module kernels** ({kernel_rows:,} rows, in one process): the filter, group-by and sort of "
            "benchmark 1 in pandas, pyarrow and DuckDB; the ratio is to the fastest of each kind."
        ),
        headers=["variant", "seconds", "CPU s / ratio", "peak MiB"],
        settings=f"CSV {csv_rows:,} rows, kernels {kernel_rows:,} rows; {repeats} alternating runs",
    )
    section.rows = [list(r) for r in readers] + [[name, s, ratio, ""] for name, s, ratio in kernels]
    section.images.append(
        bar_chart(
            "kernels",
            f"CSV parsing, {csv_rows:,} rows, 6 of 10 columns (median)",
            [str(r[0]).replace(" MiB", "M") for r in readers],
            {
                "wall s": [float(r[1]) for r in readers],
                "CPU s": [float(r[2]) for r in readers],
                "peak GiB": [float(r[3]) / 1024 for r in readers],
            },
            "",
        )
    )
    return section
