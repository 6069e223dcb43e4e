"""Write the sample inputs of flowcharts/excel_join_database.yaml: an Excel sheet and a SQLite table.

    python scripts/make_sample_data.py [DATA_ROOT]      # default: the project's data/

The content is fixed, so running it again gives the same workbook and database.
"""

from __future__ import annotations

import re
import sqlite3
import sys
import zipfile
from datetime import datetime
from pathlib import Path

import openpyxl

REGIONS = [  # 城市, 区域, 经理
    ("北京", "华北", "王芳"),
    ("上海", "华东", "李强"),
    ("杭州", "华东", "李强"),
    ("广州", "华南", "陈静"),
    ("深圳", "华南", "陈静"),
    ("成都", "西南", "刘洋"),
]
TARGETS = [  # 城市, 年份, 目标 (yuan)
    ("北京", 2025, 42000.0),
    ("上海", 2025, 55000.0),
    ("杭州", 2025, 30000.0),
    ("广州", 2025, 38000.0),
    ("深圳", 2025, 26000.0),
    ("成都", 2025, 31000.0),
    ("北京", 2026, 45000.0),
    ("上海", 2026, 60000.0),
    ("杭州", 2026, 33000.0),
    ("广州", 2026, 41000.0),
    ("深圳", 2026, 28000.0),
    ("成都", 2026, 35000.0),
]
FIXED_TIME = datetime(2026, 1, 1)


def write_regions(path: Path) -> None:
    """regions.xlsx: a cover sheet, then the sheet 区域 with a title row above the header."""
    book = openpyxl.Workbook()
    cover = book.active
    cover.title = "说明"
    cover.append(["城市所属区域与负责经理；数据在工作表「区域」"])
    sheet = book.create_sheet("区域")
    sheet.append(["2026 年销售区域划分"])
    sheet.append(["城市", "区域", "经理"])
    for row in REGIONS:
        sheet.append(row)
    book.properties.creator = "scripts/make_sample_data.py"
    book.properties.created = FIXED_TIME
    book.save(path)
    _pin_times(path)


def _pin_times(path: Path) -> None:
    """openpyxl stamps the save time into the ZIP entries and docProps; pin both for identical bytes."""
    with zipfile.ZipFile(path) as archive:
        members = [(info, archive.read(info)) for info in archive.infolist()]
    with zipfile.ZipFile(path, "w") as archive:
        for info, data in members:
            if info.filename == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*", rb"\g<1>2026-01-01T00:00:00Z", data)
            info.date_time = FIXED_TIME.timetuple()[:6]
            archive.writestr(info, data)


def write_warehouse(path: Path) -> None:
    """warehouse.sqlite: the table targets (城市, 年份, 目标)."""
    path.unlink(missing_ok=True)
    with sqlite3.connect(path) as connection:
        connection.execute("CREATE TABLE targets (城市 TEXT NOT NULL, 年份 INTEGER NOT NULL, 目标 REAL NOT NULL)")
        connection.executemany("INSERT INTO targets VALUES (?, ?, ?)", TARGETS)
    connection.close()


def main(root: Path) -> None:
    root.mkdir(parents=True, exist_ok=True)
    write_regions(root / "regions.xlsx")
    write_warehouse(root / "warehouse.sqlite")
    print(f"wrote {root / 'regions.xlsx'} and {root / 'warehouse.sqlite'}")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parents[1] / "data")
