"""Excel workbooks: python-calamine reads, openpyxl writes.

calamine (Rust) reads .xlsx, .xlsm, .xlsb, .xls and .ods with one engine and is several times
faster than openpyxl on large sheets; openpyxl is the maintained .xlsx writer pandas uses.
Both are imported on first use, with an install hint when missing.
"""

from __future__ import annotations

import itertools
import posixpath
import re
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.etree import ElementTree

import numpy as np

from adapters.base import FileAdapter, reason
from adapters.optional import require
from adapters.projection import projection
from adapters.registry import register_adapter
from dataops.errors import AdapterError, Where, did_you_mean
from module_library.arrow_convert import normalise_dtypes

if TYPE_CHECKING:
    import pandas as pd

# An .xlsx is a ZIP of XML; the directory's uncompressed sizes are checked before parsing, so a
# small file that inflates to gigabytes (a ZIP bomb) is refused instead of exhausting memory.
MAX_UNCOMPRESSED = 1 << 30
MAX_RATIO = 100
RATIO_FLOOR = 100 << 20  # below this a high ratio is harmless (a sheet of one repeated value)
_ZIP_MAGIC = b"PK\x03\x04"
# The reader allocates every cell of the rectangle from A1 to a sheet's last cell, however sparse:
# one cell at XFD1048576 asks for 17 billion and aborts the process (a Rust allocation failure is
# no MemoryError). 30 million is a full-height sheet of 28 columns, ~2.5 GB once in pandas.
MAX_CELLS = 30_000_000
_CHUNK = 4 << 20
_DIMENSION = re.compile(rb"<(?:[\w.-]+:)?dimension\b[^>]*?\bref\s*=\s*[\"']([^\"']*)[\"']")
# How Excel, openpyxl, XlsxWriter and LibreOffice write a cell; anything else is parsed as XML.
_CANONICAL_COLUMN = re.compile(rb'<c r="([A-Z]+)[1-9][0-9]*"')
_CANONICAL_ROW = re.compile(rb'<c r="[A-Z]+([1-9][0-9]*)"')
_OTHER_CELL = re.compile(rb"<c[\t\n\r/>]")  # `<c>`, `<c/>`, `<c\n r=...`
_PREFIXED_CELL = re.compile(rb":c[\s/>]")  # `<x:c r=...>`: the reader matches the local name
_REF = re.compile(r"\s*([A-Za-z]*)([0-9]*)\s*$")
_RELATIONSHIPS = "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship"


class ExcelAdapter(FileAdapter):
    format = "excel"
    extensions = (".xlsx", ".xlsm", ".xlsb", ".xls", ".ods")

    def _read(self, path: Path, params: Any, columns: Sequence[str] | None) -> pd.DataFrame:
        import pandas as pd

        calamine = require("python_calamine", package="python-calamine", purpose="reading Excel workbooks")
        described = self._describe(path)
        _refuse_zip_bomb(path, described)
        header = _header_row(params)
        try:
            with pd.ExcelFile(path, engine="calamine") as workbook:
                sheet = _pick_sheet(workbook.sheet_names, getattr(params, "sheet", 0), described)
                _refuse_huge_sheet(path, sheet, described)
                frame = _read_sheet(workbook, sheet, header, columns)
        except calamine.PasswordError as exc:
            raise AdapterError(f"{described} is password-protected; save a copy without a password") from exc
        except calamine.CalamineError as exc:
            raise AdapterError(
                f"{described} is not a readable Excel workbook ({reason(exc)}); "
                "open it in Excel and save it again as .xlsx"
            ) from exc
        return normalise_dtypes(frame)

    def _write(self, frame: pd.DataFrame, path: Path, params: Any) -> None:
        import pandas as pd

        require("openpyxl", package="openpyxl", purpose="writing Excel workbooks")
        sheet = getattr(params, "sheet", "Sheet1")
        # A handle, not the path: pandas picks the format from the extension, and the temporary
        # file's is .tmp.
        with path.open("wb") as handle, pd.ExcelWriter(handle, engine="openpyxl") as writer:
            frame.to_excel(writer, sheet_name=sheet, index=False)
            _keep_text(writer.sheets[sheet], frame)


def _read_sheet(workbook: pd.ExcelFile, sheet: str, header: int | None, columns: Sequence[str] | None) -> pd.DataFrame:
    """The sheet, only the needed `columns` typed and kept when every required one is there.

    calamine has no column selection: it parses the whole sheet, and pandas' parser drops the
    other columns before inferring types (`usecols`). A required column the sheet lacks means a
    node will report it, with every column to suggest from: then the sheet is read whole.
    """
    import pandas as pd

    seen: list[str] = []

    def needed(name: Any) -> bool:
        seen.append(_name(name, header))
        return seen[-1] in wanted

    wanted = set(columns) if columns is not None else set()
    if columns is not None:
        frame = pd.read_excel(workbook, sheet_name=sheet, header=header, usecols=needed, dtype_backend="numpy_nullable")
        if projection(seen, columns) is not None:
            return frame.set_axis([_name(n, header) for n in frame.columns], axis=1)
    frame = pd.read_excel(workbook, sheet_name=sheet, header=header, dtype_backend="numpy_nullable")
    return frame.set_axis([_name(n, header) for n in frame.columns], axis=1)


def _name(name: Any, header: int | None) -> str:
    """A column's name as nodes refer to it: pandas' (repeated names get .1), column_<n> without a header."""
    return f"column_{int(name) + 1}" if header is None else str(name)


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


def _refuse_huge_sheet(path: Path, sheet: str, described: str) -> None:
    """Refuse a sheet whose declared or actual extent exceeds `MAX_CELLS`, before the reader sees it.

    .xlsx and .xlsm (ZIPs of XML) are scanned. An .xls holds at most 65,536 x 256 cells; the reader
    refuses an .ods over 100 million cells with an error of its own; an .xlsb is left to the reader.
    """
    with path.open("rb") as handle:
        if handle.read(4) != _ZIP_MAGIC:
            return
    try:
        with zipfile.ZipFile(path) as archive:
            parts = _sheet_parts(archive)
            for part in [part for part, name in parts.items() if name == sheet] or list(parts):
                for what, ref in _extents(archive, part):
                    _check_extent(described, parts[part], what, ref)
    except ElementTree.ParseError as exc:
        raise AdapterError(f"{described} is damaged ({exc}); open it in Excel and save it again") from exc


def _check_extent(described: str, sheet: str, what: str, ref: str) -> None:
    rows, columns = _cell_position(ref)
    if rows * columns > MAX_CELLS:
        raise AdapterError(
            f"{described}: sheet '{sheet}' {what} A1:{ref.strip().upper()}, {rows:,} rows x {columns:,} columns "
            f"= {rows * columns:,} cells; refusing to read more than {MAX_CELLS:,} cells (the reader allocates "
            "every cell of that rectangle). Delete the rows and columns beyond the data and save it again, "
            "or export the sheet as CSV",
            Where(field="sheet"),
        )


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Each worksheet's XML part and its sheet name (the part's own name when the workbook does not say)."""
    names = set(archive.namelist())
    parts = {name: posixpath.basename(name) for name in names if re.fullmatch(r"xl/worksheets/[^/]+\.xml", name)}
    if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
        return parts
    targets = {}
    for element in _elements(archive, "xl/_rels/workbook.xml.rels"):
        if element.tag == _RELATIONSHIPS and element.get("Type", "").endswith("/worksheet"):
            target = element.get("Target", "")
            part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(f"xl/{target}")
            if part.endswith(".xml"):  # an .xlsb's sheets are binary records
                targets[element.get("Id")] = part
    for element in _elements(archive, "xl/workbook.xml"):
        if element.tag.endswith("}sheet"):
            relationship = next((v for k, v in element.attrib.items() if k.endswith("}id")), None)
            if targets.get(relationship) in names:
                parts[targets[relationship]] = element.get("name", "")
    return parts


def _elements(archive: zipfile.ZipFile, part: str) -> Iterator[ElementTree.Element]:
    with archive.open(part) as stream:
        for _, element in ElementTree.iterparse(stream):
            yield element
            element.clear()


def _extents(archive: zipfile.ZipFile, part: str) -> Iterator[tuple[str, str]]:
    """('declares', ref) for the `<dimension>` and ('reaches', ref) for the farthest cell.

    A byte scan of the cells' `r` attributes when every cell is written the usual way (a third of
    the reader's time on a dense sheet); otherwise the sheet is parsed, with positions implied as
    the reader implies them. Empty cells count too: better a clear refusal than a crash.
    """
    rows = columns = 0
    head, canonical = True, True
    with archive.open(part) as stream:
        carry = b""
        while canonical and (chunk := stream.read(_CHUNK)):
            text = carry + chunk
            cut = text.rfind(b"<")
            text, carry = (text[:cut], text[cut:]) if cut > 0 else (text, b"")
            if head:  # the dimension comes before the cells
                before, _, after = text.partition(b"sheetData")
                if match := _DIMENSION.search(before):
                    for corner in match.group(1).decode("ascii", "replace").split(":"):
                        yield "declares", corner
                head = not after
            letters = _CANONICAL_COLUMN.findall(text)
            canonical = _usual_cells_only(text, len(letters))
            if letters and canonical:  # max over C-level scans: a dense sheet has millions of cells
                digits = _CANONICAL_ROW.findall(text)
                rows = max(rows, int(_largest(digits)))
                columns = max(columns, _column_number(_largest(letters)))
    if not canonical:
        yield "reaches", _parsed_extent(archive, part)
    elif rows and columns:
        yield "reaches", f"{_column_letters(columns)}{rows}"


def _usual_cells_only(text: bytes, usual: int) -> bool:
    """Whether the `usual` cells found are all the cells in `text` (counting is cheap, a search is not)."""
    if usual != text.count(b"<c "):
        return False
    if text.count(b"<c") > usual and _OTHER_CELL.search(text):
        return False
    return b":c" not in text or not _PREFIXED_CELL.search(text)


def _largest(values: list[bytes]) -> bytes:
    """The largest of numbers or column letters without leading zeros: right-aligned, the greatest."""
    width = max(map(len, values))
    if min(map(len, values)) == width:  # e.g. every column a single letter: no copies needed
        return max(values)
    return max(map(bytes.rjust, values, itertools.repeat(width))).lstrip()


def _parsed_extent(archive: zipfile.ZipFile, part: str) -> str:
    """The farthest cell when positions are implied: a row without `r` follows the previous one,
    a cell without `r` the previous cell of its row."""
    row = column = rows = columns = 0
    for event, element in _events(archive, part):
        name = element.tag.rpartition("}")[2]
        if event == "start" and name == "row":
            number = element.get("r") or ""
            row, column = (int(number) if number.isdigit() else row + 1), 0
        elif event == "start" and name == "c":
            ref = element.get("r")
            cell_row, column = _cell_position(ref) if ref else (row, column + 1)
            rows, columns = max(rows, cell_row), max(columns, column)
        elif event == "end" and name == "row":
            element.clear()
    return f"{_column_letters(columns)}{rows}" if rows and columns else "A1"


def _events(archive: zipfile.ZipFile, part: str) -> Iterator[tuple[str, ElementTree.Element]]:
    with archive.open(part) as stream:
        yield from ElementTree.iterparse(stream, events=("start", "end"))


def _cell_position(ref: str) -> tuple[int, int]:
    """(rows, columns) a rectangle from A1 to `ref` spans: 'XFD1048576' -> (1048576, 16384)."""
    match = _REF.match(ref)
    letters, digits = match.groups() if match else ("", "")
    return int(digits or 1), max(_column_number(letters.encode()), 1)


def _column_number(letters: bytes) -> int:
    number = 0
    for letter in letters.upper():
        number = number * 26 + letter - 64
    return number


def _column_letters(number: int) -> str:
    letters = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _keep_text(sheet: Any, frame: pd.DataFrame) -> None:
    """Text starting with '=' stays text: openpyxl would store it as a formula that Excel runs."""
    for j in range(frame.shape[1]):
        for i in _starts_with_equals(frame.iloc[:, j]).nonzero()[0]:
            sheet.cell(row=int(i) + 2, column=j + 1).data_type = "s"


def _starts_with_equals(column: pd.Series) -> np.ndarray:
    import pandas as pd

    if isinstance(column.dtype, pd.StringDtype):
        return column.str.startswith("=", na=False).to_numpy(dtype=bool)
    if column.dtype == object:
        return column.map(lambda value: isinstance(value, str) and value.startswith("=")).to_numpy(dtype=bool)
    return np.zeros(len(column), dtype=bool)


register_adapter(ExcelAdapter())
