"""Excel workbooks: python-calamine reads, openpyxl writes.

calamine (Rust) reads .xlsx, .xlsm, .xlsb, .xls and .ods with one engine and is several times
faster than openpyxl on large sheets; openpyxl is the maintained .xlsx writer pandas uses.
Both are imported on first use, with an install hint when missing.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from adapters.arrow_convert import normalise_dtypes
from adapters.base import FileAdapter, reason
from adapters.optional import require
from adapters.projection import projection
from adapters.registry import register_adapter
from dataops.errors import AdapterError, Where, did_you_mean

# An .xlsx is a ZIP of XML; the directory's uncompressed sizes are checked before parsing, so a
# small file that inflates to gigabytes (a ZIP bomb) is refused instead of exhausting memory.
MAX_UNCOMPRESSED = 1 << 30
MAX_RATIO = 100
RATIO_FLOOR = 100 << 20  # below this a high ratio is harmless (a sheet of one repeated value)
_ZIP_MAGIC = b"PK\x03\x04"


class ExcelAdapter(FileAdapter):
    format = "excel"
    extensions = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")

    def _read(self, path: Path, params: Any, columns: Sequence[str] | None) -> pd.DataFrame:
        calamine = require("python_calamine", package="python-calamine", purpose="reading Excel workbooks")
        described = self._describe(path)
        _refuse_zip_bomb(path, described)
        header = _header_row(params)
        try:
            with pd.ExcelFile(path, engine="calamine") as workbook:
                sheet = _pick_sheet(workbook.sheet_names, getattr(params, "sheet", 0), described)
                frame = pd.read_excel(workbook, sheet_name=sheet, header=header, dtype_backend="numpy_nullable")
        except calamine.PasswordError as exc:
            raise AdapterError(f"{described} is password-protected; save a copy without a password") from exc
        except calamine.CalamineError as exc:
            raise AdapterError(
                f"{described} is not a readable Excel workbook ({reason(exc)}); "
                "open it in Excel and save it again as .xlsx"
            ) from exc
        if header is None:
            frame.columns = [f"column_{i}" for i in range(1, frame.shape[1] + 1)]
        frame = normalise_dtypes(frame)
        selected = projection(list(frame.columns), columns)
        return frame if selected is None else frame[selected]

    def _write(self, frame: pd.DataFrame, path: Path, params: Any) -> None:
        require("openpyxl", package="openpyxl", purpose="writing Excel workbooks")
        sheet = getattr(params, "sheet", "Sheet1")
        # A handle, not the path: pandas picks the format from the extension, and the temporary
        # file's is .tmp.
        with path.open("wb") as handle, pd.ExcelWriter(handle, engine="openpyxl") as writer:
            frame.to_excel(writer, sheet_name=sheet, index=False)
            _keep_text(writer.sheets[sheet], frame)


def _header_row(params: Any) -> int | None:
    """`header_row` (0-based, None for no header); read_file's `header: false` means none too."""
    if hasattr(params, "header_row"):
        return params.header_row
    return 0 if getattr(params, "header", True) else None


def _pick_sheet(names: list[str], sheet: str | int, described: str) -> str:
    listing = ", ".join(f"'{name}'" for name in names)
    if isinstance(sheet, int):
        if 0 <= sheet < len(names):
            return names[sheet]
        if str(sheet) in names:  # `sheet: 2024` in YAML is a number, but the sheet is named "2024"
            return str(sheet)
        raise AdapterError(
            f"{described} has no sheet number {sheet}: sheets are numbered from 0 and it has {len(names)} ({listing})",
            Where(field="sheet"),
        )
    if sheet in names:
        return sheet
    folded = {name.casefold(): name for name in names}
    if sheet.casefold() in folded:  # Excel itself treats sheet names case-insensitively
        return folded[sheet.casefold()]
    raise AdapterError(
        f"{described} has no sheet '{sheet}' (sheets: {listing}){did_you_mean(sheet, names)}", Where(field="sheet")
    )


def _refuse_zip_bomb(path: Path, described: str) -> None:
    with path.open("rb") as handle:
        if handle.read(4) != _ZIP_MAGIC:
            return  # legacy .xls is not a ZIP; calamine tells the formats apart
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except zipfile.BadZipFile as exc:
        raise AdapterError(f"{described} is damaged ({exc}); open it in Excel and save it again") from exc
    size = path.stat().st_size
    if unpacked > MAX_UNCOMPRESSED or (unpacked > RATIO_FLOOR and unpacked > MAX_RATIO * size):
        raise AdapterError(
            f"{described} would unpack to {unpacked:,} bytes from {size:,} on disk; refusing it as a likely "
            f"ZIP bomb (limits: {MAX_UNCOMPRESSED:,} bytes, or {MAX_RATIO}x the file size)"
        )


def _keep_text(sheet: Any, frame: pd.DataFrame) -> None:
    """Text starting with '=' stays text: openpyxl would store it as a formula that Excel runs."""
    for j in range(frame.shape[1]):
        for i in _starts_with_equals(frame.iloc[:, j]).nonzero()[0]:
            sheet.cell(row=int(i) + 2, column=j + 1).data_type = "s"


def _starts_with_equals(column: pd.Series) -> np.ndarray:
    if isinstance(column.dtype, pd.StringDtype):
        return column.str.startswith("=", na=False).to_numpy(dtype=bool)
    if column.dtype == object:
        return column.map(lambda value: isinstance(value, str) and value.startswith("=")).to_numpy(dtype=bool)
    return np.zeros(len(column), dtype=bool)


register_adapter(ExcelAdapter())
