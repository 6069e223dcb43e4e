"""Write the corpus cases too big or too binary to commit: `python tests/corpus/make_corpus.py OUT`.

Deterministic: the same bytes on every run (fixed ZIP timestamps, seeded noise). Data files
go to `OUT/data/`, flowcharts to `OUT/flowcharts/`; `tests/corpus/cases.yaml` names them.
"""

from __future__ import annotations

import io
import json
import random
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

MB = 1024 * 1024
_EPOCH = (2026, 1, 1, 0, 0, 0)

_CONTENT_TYPES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
{extra}<Override PartName="/xl/workbook.xml" ContentType="{workbook}"/>
<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
</Types>"""
_ROOT_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
_WORKBOOK = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets>{extra}
</workbook>"""
_WORKBOOK_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>
{extra}</Relationships>"""
_SHEET = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">{dimension}<sheetData>{rows}</sheetData></worksheet>"""
_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
_XLSM = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"


def _zip(parts: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in parts.items():
            archive.writestr(zipfile.ZipInfo(name, _EPOCH), content, compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def _cells(row: int, values: list[str], formula: str | None = None) -> str:
    cells = []
    for column, value in zip("ABCDEFGH", values, strict=False):
        ref = f"{column}{row}"
        if formula and column == "B":
            cells.append(f'<c r="{ref}"><f>{formula}</f><v>{value}</v></c>')
        elif value.replace(".", "").isdigit():
            cells.append(f'<c r="{ref}"><v>{value}</v></c>')
        else:
            cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>')
    return f'<row r="{row}">{"".join(cells)}</row>'


def _workbook(rows: str, *, macro: bool = False, external: bool = False, dimension: str | None = None) -> bytes:
    extra_types, extra_rels, extra_book = "", "", ""
    parts: dict[str, bytes | str] = {}
    if external:  # a link to another workbook, at a URL and on the local disk
        extra_types += '<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/>\n'
        extra_rels += '<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLink" Target="externalLinks/externalLink1.xml"/>\n'
        extra_book = '<externalReferences><externalReference r:id="rId9"/></externalReferences>'
        parts["xl/externalLinks/externalLink1.xml"] = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<externalLink xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><externalBook r:id="rId1">'
            '<sheetNames><sheetName val="Sheet1"/></sheetNames></externalBook></externalLink>'
        )
        parts["xl/externalLinks/_rels/externalLink1.xml.rels"] = (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/externalLinkPath" '
            'Target="http://127.0.0.1:9/secret.xlsx" TargetMode="External"/></Relationships>'
        )
    if macro:  # a VBA project part; nothing reads it, nothing runs it
        extra_types += '<Default Extension="bin" ContentType="application/vnd.ms-office.vbaProject"/>\n'
        extra_rels += '<Relationship Id="rId8" Type="http://schemas.microsoft.com/office/2006/relationships/vbaProject" Target="vbaProject.bin"/>\n'
        parts["xl/vbaProject.bin"] = (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b'Sub Auto_Open()\r\nShell "calc"\r\nEnd Sub' * 4
        )
    base = {
        "[Content_Types].xml": _CONTENT_TYPES.format(extra=extra_types, workbook=_XLSM if macro else _XLSX),
        "_rels/.rels": _ROOT_RELS,
        "xl/workbook.xml": _WORKBOOK.format(extra=extra_book),
        "xl/_rels/workbook.xml.rels": _WORKBOOK_RELS.format(extra=extra_rels),
        "xl/worksheets/sheet1.xml": _SHEET.format(
            rows=rows, dimension=f'<dimension ref="{dimension}"/>' if dimension else ""
        ),
    }
    return _zip({**base, **parts})


def external_link_xlsx() -> bytes:
    rows = _cells(1, ["city", "amount"]) + _cells(2, ["北京", "42"], formula="[1]Sheet1!A1")
    return _workbook(rows, external=True)


def macro_xlsm() -> bytes:
    return _workbook(_cells(1, ["city", "amount"]) + _cells(2, ["上海", "7"]), macro=True)


def far_corner_xlsx(*, rows: str | None = None, dimension: str | None = "A1:XFD1048576") -> bytes:
    """1.5 KB whose cells A1 and XFD1048576 span 17 billion: a reader allocating the rectangle aborts.

    `rows` replaces the sheet's rows, `dimension` its declared extent (None: no `<dimension>`).
    """
    far = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
    return _workbook(rows if rows is not None else _cells(1, ["city"]) + far, dimension=dimension)


def wide_sparse_xlsx() -> bytes:
    """Legitimately wide: a header at A1 and XFD1 (16,384 columns) and one row of data."""
    header = '<row r="1"><c r="A1" t="inlineStr"><is><t>first</t></is></c><c r="XFD1" t="inlineStr"><is><t>last</t></is></c></row>'
    return _workbook(header + '<row r="2"><c r="A2"><v>1</v></c><c r="XFD2"><v>2</v></c></row>', dimension="A1:XFD2")


def zip_bomb_xlsx() -> bytes:
    """A valid-looking workbook whose sheet inflates ~1,000x: 200 MB of rows from ~200 KB."""
    row = _cells(2, ["x", "1"]).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        for name, content in {
            "[Content_Types].xml": _CONTENT_TYPES.format(extra="", workbook=_XLSX),
            "_rels/.rels": _ROOT_RELS,
            "xl/workbook.xml": _WORKBOOK.format(extra=""),
            "xl/_rels/workbook.xml.rels": _WORKBOOK_RELS.format(extra=""),
        }.items():
            archive.writestr(zipfile.ZipInfo(name, _EPOCH), content, compress_type=zipfile.ZIP_DEFLATED)
        info = zipfile.ZipInfo("xl/worksheets/sheet1.xml", _EPOCH)
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w") as sheet:
            block = row * (MB // len(row))
            for _ in range(200):
                sheet.write(block)
    return buffer.getvalue()


def truncated_xlsx() -> bytes:
    whole = macro_xlsm()
    return whole[: len(whole) // 2]


def utf16_csv() -> bytes:
    return "城市,数量\n北京,1\n上海,2\n".encode("utf-16")  # with its byte-order mark


def mixed_encodings_csv() -> bytes:
    return "城市,数量\n北京,1\n".encode() + "上海,2\n广州,3\n".encode("gbk")


def bom_in_middle_csv() -> bytes:
    """Two UTF-8 exports with BOMs, concatenated: the second header lands in the data."""
    part = "\ufeffcity,amount\nBeijing,1\n".encode()
    return part + part


def nul_bytes_csv() -> bytes:
    return b"city,note\nBeijing,a\x00b\nShanghai,\x00\x00\n"


def long_line_csv() -> bytes:
    """A 10 MB single line: one row whose text cell is 10 MB long."""
    return b"id,text\n1," + b"x" * (10 * MB) + b"\n"


def single_line_no_newline_csv() -> bytes:
    """10 MB with no line break at all: a header of ~1.4 million column names and no rows."""
    names = ",".join(f"c{i}" for i in range(1_400_000)).encode()
    return names[: 10 * MB].rsplit(b",", 1)[0]


def wide_csv() -> bytes:
    header = ",".join(f"col_{i}" for i in range(10_000))
    rows = [",".join(str((r * 7 + i) % 100) for i in range(10_000)) for r in range(3)]
    return ("\n".join([header, *rows]) + "\n").encode()


def binary_garbage_csv() -> bytes:
    noise = random.Random(9).randbytes(4096)
    return b"\x89PNG\r\n\x1a\n" + noise


def garbage_parquet() -> bytes:
    return b"PAR1" + random.Random(4).randbytes(2048) + b"PAR1"


def deep_nesting_json() -> bytes:
    return b'[{"a": ' + b"[" * 10_000 + b"]" * 10_000 + b"}]"


def deep_nesting_jsonl() -> bytes:
    return b'{"a": ' + b"[" * 10_000 + b"]" * 10_000 + b"}\n"


def nesting_100_jsonl() -> bytes:
    return b'{"a": ' + b"[" * 100 + b"]" * 100 + b"}\n"


def huge_flowchart_yaml() -> bytes:
    """50 MB: a valid start, then a description that goes on and on."""
    head = b"name: huge\nnodes:\n  - {id: load, module: read_csv, params: {path: sales.csv}}\ndescription: "
    return head + b"x" * (50 * MB - len(head)) + b"\n"


def ten_thousand_nodes_json() -> bytes:
    nodes = [{"id": "n0", "module": "read_csv", "params": {"path": "sales.csv"}}]
    nodes += [{"id": f"n{i}", "module": "limit_rows", "params": {"n": 5}} for i in range(1, 10_000)]
    edges = [{"from": f"n{i - 1}", "to": f"n{i}"} for i in range(1, 10_000)]
    return json.dumps({"name": "ten_thousand_nodes", "nodes": nodes, "edges": edges}).encode()


def deep_nesting_flowchart_json() -> bytes:
    return b'{"name": "deep", "nodes": ' + b"[" * 10_000 + b"]" * 10_000 + b"}"


def deep_nesting_flowchart_yaml() -> bytes:
    return b"name: deep\nnodes: " + b"[" * 10_000 + b"]" * 10_000 + b"\n"


def bom_flowchart_json() -> bytes:
    """UTF-8 with a byte-order mark, as Windows Notepad saves it."""
    text = '{"name": "bom", "nodes": [{"id": "load", "module": "read_csv", "params": {"path": "sales.csv"}}]}'
    return "\ufeff".encode() + text.encode()


def gbk_flowchart_yaml() -> bytes:
    text = "name: gbk\ndescription: 按城市汇总\nnodes:\n  - {id: load, module: read_csv, params: {path: sales.csv}}\n"
    return text.encode("gbk")


def long_sum() -> str:
    """An expression of 100,000 terms (200 KB): 1+1+...+1."""
    return "+".join(["1"] * 100_000)


def deep_parentheses() -> str:
    return "(" * 50_000 + "true" + ")" * 50_000


def long_file_name() -> str:
    """A 300-byte file name: the system allows 255."""
    return "corpus/" + "n" * 296 + ".csv"


def long_path() -> str:
    """5,000 characters of folders: the system allows 4,095 bytes in all."""
    return "corpus/" + "d/" * 2_500 + "f.csv"


TEXTS: dict[str, Callable[[], str]] = {
    "long_sum": long_sum,
    "deep_parentheses": deep_parentheses,
    "long_file_name": long_file_name,
    "long_path": long_path,
}

GENERATED: dict[str, Callable[[], bytes]] = {
    "data/utf16.csv": utf16_csv,
    "data/mixed_encodings.csv": mixed_encodings_csv,
    "data/bom_in_middle.csv": bom_in_middle_csv,
    "data/nul_bytes.csv": nul_bytes_csv,
    "data/long_line.csv": long_line_csv,
    "data/single_line_no_newline.csv": single_line_no_newline_csv,
    "data/wide_10000_columns.csv": wide_csv,
    "data/binary_garbage.csv": binary_garbage_csv,
    "data/garbage.parquet": garbage_parquet,
    "data/zip_bomb.xlsx": zip_bomb_xlsx,
    "data/far_corner.xlsx": far_corner_xlsx,
    "data/wide_sparse.xlsx": wide_sparse_xlsx,
    "data/external_link.xlsx": external_link_xlsx,
    "data/macro.xlsm": macro_xlsm,
    "data/truncated.xlsx": truncated_xlsx,
    "data/deep_nesting.json": deep_nesting_json,
    "data/deep_nesting.jsonl": deep_nesting_jsonl,
    "data/nesting_100.jsonl": nesting_100_jsonl,
    "flowcharts/huge_50mb.yaml": huge_flowchart_yaml,
    "flowcharts/ten_thousand_nodes.json": ten_thousand_nodes_json,
    "flowcharts/deep_nesting.json": deep_nesting_flowchart_json,
    "flowcharts/deep_nesting.yaml": deep_nesting_flowchart_yaml,
    "flowcharts/gbk_encoded.yaml": gbk_flowchart_yaml,
    "flowcharts/bom.json": bom_flowchart_json,
}


def make_corpus(target: Path) -> dict[str, Path]:
    """Write every generated case under `target`; returns each case's relative name and path."""
    written = {}
    for name, build in GENERATED.items():
        path = target / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(build())
        written[name] = path
    return written


if __name__ == "__main__":
    for name, path in make_corpus(Path(sys.argv[1] if len(sys.argv) > 1 else "corpus-generated")).items():
        print(f"{path.stat().st_size:>12,}  {name}")
