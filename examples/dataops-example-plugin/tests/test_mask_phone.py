"""mask_phone on small tables: numbers inside text, nulls, non-numbers, errors."""

from __future__ import annotations

import pandas as pd
import pytest
from dataops_example_plugin.mask_phone import MaskPhoneParams, mask_phone

from dataops.errors import ModuleError


def test_masks_the_middle_four_digits() -> None:
    data = pd.DataFrame(
        {
            "电话": ["13812341234", "电话：+86 15900001111，请回电", None, "010-12345678", "138123412345"],
            "客户": ["甲", "乙", "丙", "丁", "戊"],
        }
    )
    out = mask_phone(data, MaskPhoneParams(columns=["电话"]))
    expected = data.assign(电话=["138****1234", "电话：+86 159****1111，请回电", None, "010-12345678", "138123412345"])
    pd.testing.assert_frame_equal(out, expected)


def test_custom_mask_and_empty_input() -> None:
    data = pd.DataFrame({"phone": ["13812341234"]})
    assert mask_phone(data, MaskPhoneParams(columns=["phone"], mask="####"))["phone"].tolist() == ["138####1234"]
    empty = data.iloc[:0]
    pd.testing.assert_frame_equal(mask_phone(empty, MaskPhoneParams(columns=["phone"])), empty)


def test_errors_name_the_column() -> None:
    with pytest.raises(ModuleError, match=r"^columns: unknown column 'phon' .*did you mean 'phone'\?$"):
        mask_phone(pd.DataFrame({"phone": ["1"]}), MaskPhoneParams(columns=["phon"]))
    with pytest.raises(ModuleError, match=r"^columns: column 'n' holds int64 values, not text"):
        mask_phone(pd.DataFrame({"n": [13812341234]}), MaskPhoneParams(columns=["n"]))
