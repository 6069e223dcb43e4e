"""A node's stored output read for the editor: one page of rows, and per-column statistics.

The output is the Arrow IPC file the IO manager keeps for an editor run (`adapters/io_manager.py`,
`dataops/keep_outputs`). A page reads only the record batches it covers, memory-mapped, so a page
of a large table touches a page's worth of data; statistics are computed by DuckDB scanning the
file as an Arrow dataset, cached by path, size and modification time.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import math
from decimal import Decimal
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.dataset as ds
from upath import UPath

from dataops.editor.models import Column, ColumnStats, HistogramBin, TopValue

MAX_SAFE_INTEGER = 2**53 - 1  # beyond it a JavaScript number loses digits: sent as a string
EXACT_DISTINCT_ROWS = (
    200_000  # above it distinct counts are approx_count_distinct (HyperLogLog): 0.6 s, not 2-3 s, at 1M x 10
)
BINS = 16
TOP = 10
KEEP_RUNS = 10  # editor runs of one flowchart whose outputs stay pageable


def output_path(storage: str, run_id: str, step: str, port: str) -> UPath:
    """Where the IO manager keeps `port` of `step` in the run (its `kept_path`)."""
    return UPath(storage).joinpath(run_id, step, f"{port}.arrow")


def keep_latest(storage: str, flowchart: str, run_id: str, keep: int = KEEP_RUNS) -> list[str]:
    """Record `run_id` as the flowchart's newest editor run and delete the kept outputs of all but
    its `keep` newest runs (the editor keeps every output of a run, so they would pile up); the
    runs whose outputs went. Their previews then say that the output was not kept."""
    index = UPath(storage).joinpath(".editor-runs", f"{flowchart}.txt")
    index.parent.mkdir(parents=True, exist_ok=True)
    runs = index.read_text(encoding="utf-8").split() if index.exists() else []
    runs = [r for r in runs if r != run_id] + [run_id]
    dropped, runs = runs[:-keep], runs[-keep:]
    index.write_text("\n".join(runs) + "\n", encoding="utf-8")
    for old in dropped:
        folder = UPath(storage).joinpath(old)
        if folder.exists():
            folder.fs.rm(folder.path, recursive=True)
    return dropped


def read_page(path: UPath, offset: int, limit: int) -> tuple[list[Column], int, list[list[Any]]]:
    """The columns, total row count and rows `offset` to `offset + limit` of a stored output."""
    local = path.protocol in ("", "file")
    with pa.memory_map(path.path) if local else path.open("rb") as source:
        reader = pa.ipc.open_file(source)
        pieces, total = [], 0
        for index in range(reader.num_record_batches):
            batch = reader.get_batch(index)  # memory-mapped: its values are read only if sliced below
            start, total = total, total + batch.num_rows
            if total > offset and start < offset + limit:
                pieces.append(batch.slice(max(0, offset - start), offset + limit - max(start, offset)))
        page = pa.Table.from_batches(pieces, schema=reader.schema)
        columns = [Column(name=field.name, type=str(field.type)) for field in reader.schema]
        values = [[json_value(v) for v in column.to_pylist()] for column in page.columns]
    return columns, total, [list(row) for row in zip(*values, strict=True)] if values else []


def json_value(value: Any) -> Any:
    """A cell as JSON shows it without loss: text for what JSON has no exact form of."""
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if abs(value) <= MAX_SAFE_INTEGER else str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        return value if math.isfinite(value) else ("Infinity" if value > 0 else "-Infinity")
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, (dt.datetime, dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return str(value)
    if isinstance(value, bytes):
        return "base64:" + base64.b64encode(value).decode()
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_value(v) for v in value]
    return str(value)


def column_stats(path: UPath) -> tuple[int, list[ColumnStats]]:
    """Row count and statistics of every column of a stored output (cached while the file is unchanged)."""
    info = path.stat()
    return _stats(str(path), int(info.st_mtime * 1e9), info.st_size)


@functools.lru_cache(maxsize=32)
def _stats(url: str, _mtime_ns: int, _size: int) -> tuple[int, list[ColumnStats]]:
    path = UPath(url)
    local = path.protocol in ("", "file")
    dataset = ds.dataset(path.path, format="ipc", filesystem=None if local else path.fs)
    with duckdb.connect() as con:
        con.register("t", dataset)
        rows = con.execute("SELECT count(*) FROM t").fetchone()[0]  # type: ignore[index]
        fields = list(dataset.schema)
        first = _first_pass(con, fields, rows)
        return rows, [_column(con, field, rows, *found) for field, found in zip(fields, first, strict=True)]


def _kind(type_: pa.DataType) -> str:
    if pa.types.is_integer(type_) or pa.types.is_floating(type_) or pa.types.is_decimal(type_):
        return "numeric"
    if pa.types.is_date(type_) or pa.types.is_timestamp(type_):
        return "temporal"
    if pa.types.is_string(type_) or pa.types.is_large_string(type_) or pa.types.is_dictionary(type_):
        return "text"
    if pa.types.is_boolean(type_):
        return "boolean"
    return "other"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _first_pass(con: duckdb.DuckDBPyConnection, fields: list[pa.Field], rows: int) -> list[tuple[Any, ...]]:
    """Non-null count, distinct count, min and max of every column, in one scan."""
    distinct = "count(DISTINCT {})" if rows <= EXACT_DISTINCT_ROWS else "approx_count_distinct({})"
    parts = []
    for field in fields:
        c, kind = _quote(field.name), _kind(field.type)
        ordered = kind != "other"
        finite = f" FILTER (WHERE NOT isnan({c}))" if pa.types.is_floating(field.type) else ""
        parts += [
            f"count({c})",
            distinct.format(c) if ordered else "NULL",
            f"min({c}){finite}" if ordered else "NULL",
            f"max({c}){finite}" if ordered else "NULL",
        ]
    if not parts:
        return []
    found = con.execute(f"SELECT {', '.join(parts)} FROM t").fetchone() or ()
    return [tuple(found[i : i + 4]) for i in range(0, len(found), 4)]


def _column(
    con: duckdb.DuckDBPyConnection, field: pa.Field, rows: int, present: int, distinct: Any, low: Any, high: Any
) -> ColumnStats:
    kind = _kind(field.type)
    stats = ColumnStats(
        name=field.name,
        type=str(field.type),
        kind=kind,  # type: ignore[arg-type]
        nulls=rows - present,
        distinct=distinct,
        distinct_approximate=distinct is not None and rows > EXACT_DISTINCT_ROWS,
        min=json_value(_in_zone(field.type, low)),
        max=json_value(_in_zone(field.type, high)),
    )
    if kind in ("numeric", "temporal") and low is not None:
        stats.bins = _bins(con, field, low, high)
    elif kind in ("text", "boolean") and present:
        stats.top = _top(con, field)
        stats.other = present - sum(t.count for t in stats.top)
    return stats


def _bins(con: duckdb.DuckDBPyConnection, field: pa.Field, low: Any, high: Any) -> list[HistogramBin]:
    """Equal-width bins between min and max (dates and times by their epoch seconds); integers
    spanning fewer values than `BINS` get one bin per value."""
    c = _quote(field.name)
    temporal = _kind(field.type) == "temporal"
    value = f"epoch({c})" if temporal else f"CAST({c} AS DOUBLE)"
    start, end = (_epoch(low), _epoch(high)) if temporal else (float(low), float(high))
    count = BINS
    if pa.types.is_integer(field.type) and end - start + 1 <= BINS:
        count, end = int(end - start + 1), end + 1
    elif end == start:
        count = 1
    width = (end - start) / count or 1.0
    finite = f" AND NOT isnan({c})" if pa.types.is_floating(field.type) else ""
    found = dict(
        con.execute(
            f"SELECT least(CAST(floor(({value} - $start) / $width) AS BIGINT), $last) AS bin, count(*) "
            f"FROM t WHERE {c} IS NOT NULL{finite} GROUP BY bin",
            {"start": start, "width": width, "last": count - 1},
        ).fetchall()
    )
    edge = functools.partial(_edge, field.type)
    return [
        HistogramBin(start=edge(start + i * width), end=edge(start + (i + 1) * width), count=found.get(i, 0))
        for i in range(count)
    ]


def _top(con: duckdb.DuckDBPyConnection, field: pa.Field) -> list[TopValue]:
    c = _quote(field.name)
    found = con.execute(
        f"SELECT {c}, count(*) AS n FROM t WHERE {c} IS NOT NULL GROUP BY {c} ORDER BY n DESC, {c} LIMIT {TOP}"
    ).fetchall()
    return [TopValue(value=json_value(v), count=n) for v, n in found]


def _epoch(value: dt.date | dt.datetime) -> float:
    if isinstance(value, dt.datetime):
        return (value if value.tzinfo else value.replace(tzinfo=dt.UTC)).timestamp()
    return float((value - dt.date(1970, 1, 1)).days * 86400)


def _edge(type_: pa.DataType, value: float) -> Any:
    """A bin edge in the column's own terms: a date, a time (in the column's zone), or a number."""
    if pa.types.is_date(type_):
        return (dt.date(1970, 1, 1) + dt.timedelta(seconds=value)).isoformat()
    if pa.types.is_timestamp(type_):
        moment = dt.datetime.fromtimestamp(value, dt.UTC)
        return (moment.astimezone(_zone(type_.tz)) if type_.tz else moment.replace(tzinfo=None)).isoformat()
    return json_value(round(value, 12))


def _in_zone(type_: pa.DataType, value: Any) -> Any:
    """DuckDB answers a zoned time in its session's zone: shown in the column's own, as a page shows it."""
    if pa.types.is_timestamp(type_) and type_.tz and isinstance(value, dt.datetime):
        return value.astimezone(_zone(type_.tz))
    return value


def _zone(name: str) -> dt.tzinfo:
    from zoneinfo import ZoneInfo

    try:
        return ZoneInfo(name)
    except (KeyError, ValueError):  # an offset such as "+08:00"
        sign = -1 if name.startswith("-") else 1
        hours, _, minutes = name.lstrip("+-").partition(":")
        return dt.timezone(sign * dt.timedelta(hours=int(hours), minutes=int(minutes or 0)))
