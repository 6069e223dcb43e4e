"""Date modules: parse_dates against pandas.to_datetime."""

from __future__ import annotations

import datetime

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from pandas.testing import assert_frame_equal

from dataops.errors import ModuleError
from tests.module_library.builtin.typed import TYPED, assert_types_kept, result
from tests.support.modules import param_error, run_module

DATA = pd.DataFrame(
    {
        "日期": ["2026-01-02", None, "2026-12-31 08:30"],
        "发货": ["02/01/2026", "03/01/2026", None],
        "编号": [20260102.0, np.nan, 20260304.0],
    }
)


def test_iso_dates_by_default() -> None:
    out = run_module("parse_dates", {"columns": ["日期"]}, data=DATA)
    assert_frame_equal(out, DATA.assign(日期=pd.to_datetime(DATA["日期"], format="ISO8601")))


def test_explicit_format_and_numbers_read_as_text() -> None:
    out = run_module("parse_dates", {"columns": ["发货"], "format": "%d/%m/%Y"}, data=DATA)
    assert_frame_equal(out, DATA.assign(发货=pd.to_datetime(DATA["发货"], format="%d/%m/%Y")))
    out = run_module("parse_dates", {"columns": ["编号"], "format": "%Y%m%d"}, data=DATA)
    assert out["编号"].tolist()[0] == pd.Timestamp("2026-01-02") and pd.isna(out["编号"].tolist()[1])


def test_already_parsed_columns_pass_through_and_empty_input() -> None:
    parsed = DATA.assign(日期=pd.to_datetime(DATA["日期"], format="ISO8601"))
    assert_frame_equal(run_module("parse_dates", {"columns": ["日期"]}, data=parsed), parsed)
    empty = run_module("parse_dates", {"columns": ["日期"]}, data=DATA.iloc[:0])
    assert str(empty["日期"].dtype).startswith("datetime64") and empty.empty


def test_bad_values_fail_naming_column_and_sample_unless_null() -> None:
    with pytest.raises(
        ModuleError,
        match=r"^columns: column '发货': 2 of 3 values cannot be converted to datetime, e\.g\. '02/01/2026'; set a format",
    ):
        run_module("parse_dates", {"columns": ["发货"]}, data=DATA)
    out = run_module("parse_dates", {"columns": ["发货"], "errors": "null"}, data=DATA)
    assert out["发货"].isna().all()


def test_errors_at_validation() -> None:
    assert "checks › node_1 › params.errors: input should be 'fail' or 'null'" in param_error(
        "parse_dates", {"columns": ["日期"], "errors": "coerce"}
    )
    assert "checks › node_1 › params.columns: list should have at least 1 item" in param_error(
        "parse_dates", {"columns": []}
    )


# Typed data (tests/module_library/builtin/typed.py)


def test_parse_dates_over_typed_columns() -> None:
    out = result("parse_dates", {"columns": ["日期", "时间"]})
    assert out.schema.field("日期").type == pa.timestamp("us")  # a date becomes its midnight
    assert out.column("日期").to_pylist()[:2] == [datetime.datetime(1994, 1, 1), None]
    assert out.column("时间").equals(TYPED.column("时间"))  # already parsed: untouched, zone kept
    assert_types_kept(out, [c for c in TYPED.column_names if c != "日期"])


def test_parse_dates_text_views_offsets_and_mixed() -> None:
    text = pa.table(
        {
            "下单": pa.array(["2026-01-02", None, "2026-12-31 08:30"], pa.string_view()),
            "付款": pa.array(["2026-01-02T08:00:00+08:00", "2026-01-03T00:00:00Z", None]),
            "发货": pa.array(["2026/01/02", "03.01.2026", "2026年1月4日"]).dictionary_encode(),
        }
    )
    out = result("parse_dates", {"columns": ["下单", "付款"]}, data=text)
    assert out.column("下单").to_pylist() == [
        datetime.datetime(2026, 1, 2),
        None,
        datetime.datetime(2026, 12, 31, 8, 30),
    ]
    assert out.schema.field("付款").type == pa.timestamp("us", "UTC")  # offsets: the moments in UTC
    assert [v.isoformat() for v in out.column("付款").to_pylist()[:2]] == [
        "2026-01-02T00:00:00+00:00",
        "2026-01-03T00:00:00+00:00",
    ]
    mixed = result("parse_dates", {"columns": ["发货"], "format": "mixed"}, data=text)
    assert mixed.column("发货").to_pylist() == [datetime.datetime(2026, 1, d) for d in (2, 3, 4)]
