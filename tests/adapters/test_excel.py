"""Excel: round trip, sheets, header rows, damaged files, ZIP bombs, atomic writes."""

from __future__ import annotations

import functools
import sys
import zipfile
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from adapters import excel
from adapters.registry import adapter_for
from adapters.sources import ReadExcelParams, WriteExcelParams
from dataops.errors import AdapterError
from tests.adapters.conftest import WHERE
from tests.adapters.conftest import read as read_with
from tests.adapters.conftest import sample as base_sample
from tests.corpus.make_corpus import far_corner_xlsx, wide_sparse_xlsx
from tests.support.cli import dataops

read = functools.partial(read_with, "excel")


def sample() -> pd.DataFrame:
    return base_sample(有货=[True, False, True], 日期=pd.to_datetime(["2024-01-02 10:30", "2024-02-03 00:00", None]))


def write(frame: pd.DataFrame, root: Path, name: str, **params) -> str:
    return adapter_for("excel").write(frame, WriteExcelParams(path=name, **params), root=root, where=WHERE)


def workbook(path: Path, sheets: dict[str, list[list[object]]]) -> None:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)


def test_round_trip_keeps_values_nulls_and_dtypes(tmp_path: Path) -> None:
    write(sample(), tmp_path, "out/报表.xlsx")
    pd.testing.assert_frame_equal(read(tmp_path, "out/报表.xlsx"), sample())
    assert [p.name for p in (tmp_path / "out").iterdir()] == ["报表.xlsx"]


def test_sheet_by_name_or_position_and_header_row(tmp_path: Path) -> None:
    workbook(
        tmp_path / "b.xlsx",
        {"封面": [["nothing"]], "数据": [["report title"], ["城市", "销量"], ["北京", 3], ["上海", 4]]},
    )
    expected = pd.DataFrame({"城市": ["北京", "上海"], "销量": [3, 4]})
    pd.testing.assert_frame_equal(read(tmp_path, "b.xlsx", sheet="数据", header_row=1), expected)
    pd.testing.assert_frame_equal(read(tmp_path, "b.xlsx", sheet=1, header_row=1), expected)
    assert read(tmp_path, "b.xlsx").columns.tolist() == ["nothing"]


def test_no_header_row_generates_names(tmp_path: Path) -> None:
    workbook(tmp_path / "b.xlsx", {"S": [["北京", 3], ["上海", 4]]})
    frame = read(tmp_path, "b.xlsx", header_row=None)
    assert frame.columns.tolist() == ["column_1", "column_2"]
    assert frame["column_2"].tolist() == [3, 4]


def test_a_sheet_named_like_a_number(tmp_path: Path) -> None:
    workbook(tmp_path / "b.xlsx", {"2023": [["a"], [1]], "2024": [["a"], [2]]})
    assert read(tmp_path, "b.xlsx", sheet=2024)["a"].tolist() == [2]
    assert read(tmp_path, "b.xlsx", sheet=1)["a"].tolist() == [2]


def test_mixed_text_and_numbers_become_text(tmp_path: Path) -> None:
    workbook(tmp_path / "b.xlsx", {"S": [["编号", "n"], [1, 1], [None, 2], ["A-7", 3]]})
    frame = read(tmp_path, "b.xlsx")
    assert frame["编号"].tolist()[::2] == ["1", "A-7"] and pd.isna(frame["编号"][1])


def test_missing_sheet_lists_the_sheets(tmp_path: Path) -> None:
    workbook(tmp_path / "b.xlsx", {"销售": [["a"]], "库存": [["b"]]})
    with pytest.raises(
        AdapterError, match=r"^flow › node › sheet: excel file .* has no sheet '销量' \(sheets: '销售', '库存'\)"
    ):
        read(tmp_path, "b.xlsx", sheet="销量")
    with pytest.raises(
        AdapterError, match=r"flow › node › sheet: .* no sheet number 5: .* it has 2 \('销售', '库存'\)"
    ):
        read(tmp_path, "b.xlsx", sheet=5)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"PK\x03\x04 this is no zip archive at all", r"is damaged"),
        (b"name,city\nAda,London\n", r"is not a readable Excel workbook \(CalamineError: .*\); open it in Excel"),
    ],
)
def test_corrupt_workbook_is_a_clear_error(tmp_path: Path, content: bytes, message: str) -> None:
    (tmp_path / "bad.xlsx").write_bytes(content)
    with pytest.raises(AdapterError, match=rf"^flow › node: excel file '.*bad.xlsx' {message}"):
        read(tmp_path, "bad.xlsx")


def test_truncated_workbook_is_a_clear_error(tmp_path: Path) -> None:
    write(sample(), tmp_path, "good.xlsx")
    data = (tmp_path / "good.xlsx").read_bytes()
    (tmp_path / "cut.xlsx").write_bytes(data[: len(data) // 2])
    with pytest.raises(AdapterError, match=r"^flow › node: excel file '.*cut.xlsx' is (damaged|not a readable)"):
        read(tmp_path, "cut.xlsx")


def test_zip_bomb_is_refused_before_parsing(tmp_path: Path) -> None:
    bomb = tmp_path / "bomb.xlsx"
    with zipfile.ZipFile(bomb, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            chunk = b"<c><v>0</v></c>" * 65536
            for _ in range(excel.RATIO_FLOOR // len(chunk) + 2):
                member.write(chunk)
    assert bomb.stat().st_size * excel.MAX_RATIO < excel.RATIO_FLOOR
    with pytest.raises(AdapterError, match=r"^flow › node: excel file .* would unpack to [\d,]+ bytes .* ZIP bomb"):
        read(tmp_path, "bomb.xlsx")


def test_empty_and_missing_files(tmp_path: Path) -> None:
    (tmp_path / "empty.xlsx").write_bytes(b"")
    with pytest.raises(AdapterError, match=r"^flow › node: excel file '.*empty.xlsx' is empty"):
        read(tmp_path, "empty.xlsx")
    with pytest.raises(AdapterError, match=r"^flow › node › path: excel file '.*nope.xlsx' does not exist"):
        read(tmp_path, "nope.xlsx")


def test_text_that_looks_like_a_formula_is_written_as_text(tmp_path: Path) -> None:
    frame = pd.DataFrame({"备注": ['=HYPERLINK("http://x")', None, "ok"]})
    write(frame, tmp_path, "f.xlsx")
    cells = [cell for (cell,) in openpyxl.load_workbook(tmp_path / "f.xlsx")["Sheet1"].iter_rows(min_row=2)]
    assert cells[0].data_type == "s" and cells[0].value == '=HYPERLINK("http://x")'
    pd.testing.assert_frame_equal(read(tmp_path, "f.xlsx"), frame)


def test_sheet_name_is_used(tmp_path: Path) -> None:
    write(sample(), tmp_path, "f.xlsx", sheet="汇总")
    assert openpyxl.load_workbook(tmp_path / "f.xlsx").sheetnames == ["汇总"]
    pd.testing.assert_frame_equal(read(tmp_path, "f.xlsx", sheet="汇总"), sample())


def test_failed_write_leaves_nothing(tmp_path: Path) -> None:
    frame = pd.DataFrame({"t": pd.to_datetime(["2024-01-01"]).tz_localize("Asia/Shanghai")})
    with pytest.raises(AdapterError, match=r"^flow › node: cannot write excel file '.*f.xlsx': ValueError: Excel does"):
        write(frame, tmp_path, "out/f.xlsx")
    assert list((tmp_path / "out").iterdir()) == []


def test_failed_write_keeps_the_previous_file(tmp_path: Path) -> None:
    write(sample(), tmp_path, "f.xlsx")
    with pytest.raises(AdapterError):
        write(pd.DataFrame({"t": pd.to_datetime(["2024-01-01"]).tz_localize("UTC")}), tmp_path, "f.xlsx")
    pd.testing.assert_frame_equal(read(tmp_path, "f.xlsx"), sample())
    assert [p.name for p in tmp_path.iterdir()] == ["f.xlsx"]


def test_paths_outside_the_data_root_are_refused(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    with pytest.raises(AdapterError, match=r"^flow › node › path: '../f.xlsx' resolves outside the data root"):
        write(sample(), root, "../f.xlsx")
    assert not (tmp_path / "f.xlsx").exists()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"path": "f.xls"}, "write_excel writes .xlsx workbooks; name the file e.g. 'f.xlsx'"),
        ({"path": "f.xlsx", "sheet": "a/b"}, "a sheet name may not contain"),
        ({"path": "f.xlsx", "sheet": "x" * 32}, "at most 31 characters"),
    ],
)
def test_write_params_are_checked(params: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        WriteExcelParams(**params)


def test_missing_reader_package_gives_an_install_hint(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    write(sample(), tmp_path, "f.xlsx")
    monkeypatch.setitem(sys.modules, "python_calamine", None)
    with pytest.raises(
        AdapterError, match=r"^flow › node: reading Excel workbooks needs .* pip install python-calamine"
    ):
        read(tmp_path, "f.xlsx")


FAR = '<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>'
REFUSED = (
    r"^flow › node › sheet: excel file '.*far.xlsx': sheet 'Sheet1' {what} A1:XFD1048576, 1,048,576 rows x "
    r"16,384 columns = 17,179,869,184 cells; refusing to read more than 30,000,000 cells \(the reader allocates "
    r"every cell of that rectangle\)\. Delete the rows and columns beyond the data"
)


@pytest.mark.parametrize(
    ("rows", "dimension", "what"),
    [
        (None, "A1:XFD1048576", "declares"),
        ('<row r="1"><c r="A1"><v>1</v></c></row>', "A1:XFD1048576", "declares"),
        (None, None, "reaches"),
        (f'<row r="1"><c r="A1"><v>1</v></c></row>{FAR}', "A1", "reaches"),
        # positions implied: the last row's 16,384th cell, with no `r` on the cells
        ('<row r="1"><c><v>1</v></c></row><row r="1048576">' + "<c/>" * 16_384 + "</row>", None, "reaches"),
        # a prefix on the cell tag; the reader matches the local name
        (
            '<row r="1"><c r="A1"><v>1</v></c></row><row r="1048576"><x:c r="XFD1048576" '
            'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><x:v>1</x:v></x:c></row>',
            None,
            "reaches",
        ),
    ],
    ids=["declared-and-actual", "declared", "actual", "actual-under-small-dimension", "implied", "prefixed"],
)
def test_a_sheet_spanning_billions_of_cells_is_refused_before_the_reader(
    tmp_path: Path, rows: str | None, dimension: str | None, what: str
) -> None:
    (tmp_path / "far.xlsx").write_bytes(far_corner_xlsx(rows=rows, dimension=dimension))
    assert (tmp_path / "far.xlsx").stat().st_size < 2_000
    with pytest.raises(AdapterError, match=REFUSED.format(what=what)):
        read(tmp_path, "far.xlsx")


def test_a_wide_sparse_sheet_still_reads(tmp_path: Path) -> None:
    (tmp_path / "wide.xlsx").write_bytes(wide_sparse_xlsx())
    frame = read(tmp_path, "wide.xlsx")
    assert frame.shape == (1, 16_384)
    assert frame.columns[[0, -1]].tolist() == ["first", "last"]
    assert frame.iloc[0, [0, -1]].tolist() == [1, 2]


def test_the_limit_is_on_the_rectangle_not_the_cells(tmp_path: Path) -> None:
    """30 columns (A to AD) of 1,000,000 rows pass; one row more fails."""
    inside = '<row r="1"><c r="A1"><v>1</v></c></row><row r="1000000"><c r="AD1000000"><v>1</v></c></row>'
    outside = inside.replace("1000000", "1000001")
    (tmp_path / "in.xlsx").write_bytes(far_corner_xlsx(rows=inside, dimension=None))
    (tmp_path / "far.xlsx").write_bytes(far_corner_xlsx(rows=outside, dimension=None))
    assert excel.MAX_CELLS == 30_000_000
    excel._refuse_huge_sheet(tmp_path / "in.xlsx", "Sheet1", "x")
    with pytest.raises(AdapterError, match=r"reaches A1:AD1000001, 1,000,001 rows x 30 columns = 30,000,030 cells"):
        read(tmp_path, "far.xlsx")


def test_dataops_run_of_a_sheet_spanning_billions_of_cells_fails_with_the_location(workspace: Path) -> None:
    """Before the check, the reader aborted the whole process (exit code 134, no message)."""
    (workspace / "data" / "far.xlsx").write_bytes(far_corner_xlsx())
    flowchart = workspace / "flowcharts" / "far.yaml"
    flowchart.write_text(
        "name: far_corner\nnodes:\n  - {id: load, module: read_excel, params: {path: far.xlsx}}\n"
        "  - {id: save, module: write_csv, params: {path: out/far.csv}}\nedges:\n  - {from: load, to: save}\n"
    )
    result = dataops("run", str(flowchart), cwd=workspace)
    assert result.returncode == 1, (result.returncode, result.stderr[-2000:])
    assert "failing node: load (read_excel)" in result.stderr
    assert (
        "far_corner › load › sheet: excel file '" in result.stderr
        and "far.xlsx': sheet 'Sheet1' declares A1:XFD1048576, 1,048,576 rows x 16,384 columns" in result.stderr
    ), result.stderr
    assert "refusing to read more than 30,000,000 cells" in result.stderr
    assert "Traceback" not in result.stdout + result.stderr


def test_only_the_needed_columns_are_typed_and_kept(tmp_path: Path) -> None:
    """The pushdown hint selects in pandas' parser (repeated names as .1, no header as column_<n>);
    a hint naming a column the sheet lacks reads every column, for the node's own message."""
    workbook(tmp_path / "w.xlsx", {"s": [["城市", "数量", "城市", None], ["北京", 1, "x", 5], ["上海", 2, "y", 6]]})
    params = ReadExcelParams(path="w.xlsx")
    narrow = adapter_for("excel").read(params, root=tmp_path, columns=["城市.1", "数量"], where=WHERE)
    pd.testing.assert_frame_equal(narrow, pd.DataFrame({"数量": [1, 2], "城市.1": ["x", "y"]}))
    whole = adapter_for("excel").read(params, root=tmp_path, columns=["made downstream"], where=WHERE)
    assert list(whole.columns) == ["城市", "数量", "城市.1", "Unnamed: 3"]
    bare = ReadExcelParams(path="w.xlsx", header_row=None)
    positional = adapter_for("excel").read(bare, root=tmp_path, columns=["column_4"], where=WHERE)
    pd.testing.assert_frame_equal(positional, pd.DataFrame({"column_4": pd.array([None, 5, 6], dtype="Int64")}))
