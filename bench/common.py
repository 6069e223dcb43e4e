"""Shared benchmark helpers: sample data, alternating timed runs, medians, result tables."""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
WORK = ROOT / "bench" / ".work"
CITIES = ["北京", "上海", "广州", "深圳", "杭州", "成都", "重庆", "武汉", "西安", "南京"] + [f"city_{i}" for i in range(40)]
CATEGORIES = ["茶叶", "瓷器", "丝绸", "手机", "电脑", "家具", "服装", "食品"]


def sales_csv(rows: int, path: Path | None = None) -> Path:
    """A deterministic 10-column sales CSV (strings included); generated once per size."""
    path = path or WORK / f"sales_{rows}.csv"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(42)
    frame = pd.DataFrame(
        {
            "order_id": np.arange(rows),
            "city": rng.choice(CITIES, rows),
            "category": rng.choice(CATEGORIES, rows),
            "product": np.char.add("sku_", rng.integers(0, 5000, rows).astype(str)),
            "price": rng.uniform(1, 200, rows).round(2),
            "qty": rng.integers(1, 20, rows),
            "discount": rng.uniform(0, 0.3, rows).round(3),
            "order_date": pd.to_datetime("2026-01-01") + pd.to_timedelta(rng.integers(0, 365, rows), unit="D"),
            "customer": np.char.add("C", rng.integers(0, 100000, rows).astype(str)),
            "channel": rng.choice(["web", "store", "app", "phone"], rows),
        }
    )
    temporary = path.with_suffix(".tmp")
    frame.to_csv(temporary, index=False)
    temporary.rename(path)
    return path


def timed(command: Sequence[str], env: dict[str, str] | None = None, cwd: Path = ROOT) -> float:
    """Wall time of one whole process; a failure stops the benchmark with its output."""
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, env={**os.environ, **(env or {})}, capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{result.stdout}\n{result.stderr}")
    return elapsed


def alternate(variants: dict[str, Callable[[], float]], repeats: int) -> dict[str, list[float]]:
    """Run the variants in turn, `repeats` rounds, so drift hits them equally."""
    times: dict[str, list[float]] = {name: [] for name in variants}
    for _ in range(repeats):
        for name, run in variants.items():
            times[name].append(run())
    return times


def median(values: list[float]) -> float:
    return statistics.median(values)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    return f"{os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, {platform.system()} {platform.release()}"


def python() -> str:
    return sys.executable
