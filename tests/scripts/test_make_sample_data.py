"""scripts/make_sample_data.py writes the committed sample inputs again, byte for byte for the workbook."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]


def rows(database: Path) -> list[tuple]:
    with sqlite3.connect(database) as connection:
        found = connection.execute("SELECT * FROM targets ORDER BY 年份, 城市").fetchall()
    connection.close()
    return found


def test_the_script_reproduces_the_samples(tmp_path: Path) -> None:
    subprocess.run([sys.executable, str(PROJECT / "scripts" / "make_sample_data.py"), str(tmp_path)], check=True)
    assert (tmp_path / "regions.xlsx").read_bytes() == (PROJECT / "data" / "regions.xlsx").read_bytes()
    assert rows(tmp_path / "warehouse.sqlite") == rows(PROJECT / "data" / "warehouse.sqlite")
