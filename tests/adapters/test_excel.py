"""Excel: round trip, sheets, header rows, damaged files, ZIP bombs, atomic writes."""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from adapters import excel
from adapters.registry import adapter_for
from dataops.errors import AdapterError, Where
from module_library.builtin.sources import ReadExcelParams, WriteExcelParams

WHERE = Where("flow", "node")


def read(root: Path, name: str, **params) -> pd.DataFrame:
    return adapter_for("excel").read(ReadExcelParams(path=name, **params), root=root, where=WHERE)


def write(frame: pd.DataFrame, root: Path, name: str, **params) -> str:
    return adapter_for("excel").write(frame, WriteExcelParams(path=name, **params), root=root, where=WHERE)


def sample() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "城市": ["北京", None, "上海"],
            "数量": [1, 2, 3],
            "库存": pd.array([5, None, 7], dtype="Int64"),
            "价格": [10.5, np.nan, 7.25],
            "有货": [True, False, True],
            "日期": pd.to_datetime(["2024-01-02 10:30", "2024-02-03 00:00", None]),
        }
    )


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
