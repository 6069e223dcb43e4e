"""TPC-H data as tpchgen-cli writes it (Parquet: DECIMAL(15,2), DATE, string_view), cached per scale factor."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from bench.common import WORK
from bench.tpch.scripts.duckdb_tpch import TABLES


def folder(scale: float, root: Path | None = None) -> Path:
    return (root or WORK / "tpch") / f"sf{scale:g}"


def generate(scale: float, root: Path | None = None) -> Path:
    """The folder with one Parquet file per table the six queries read; generated on first use."""
    target = folder(scale, root)
    if all((target / f"{table}.parquet").exists() for table in TABLES):
        return target
    partial = target.with_name(target.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    command = [
        _tpchgen(),
        "parquet",
        f"--scale-factor={scale:g}",
        f"--output-dir={partial}",
        f"--tables={','.join(TABLES)}",
        "--quiet",
    ]
    subprocess.run(command, check=True)
    shutil.rmtree(target, ignore_errors=True)
    partial.rename(target)
    return target


def _tpchgen() -> str:
    beside = Path(sys.executable).with_name("tpchgen-cli")
    found = str(beside) if beside.exists() else shutil.which("tpchgen-cli")
    if found is None:
        raise SystemExit("tpchgen-cli is not installed: pip install tpchgen-cli")
    return found
