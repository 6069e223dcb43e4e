"""mask_phone: hide the middle four digits of Chinese mobile numbers in text columns."""

from __future__ import annotations

import pandas as pd
from pydantic import Field

from module_library import ModuleParams, module, require_columns, require_text

# 11 digits starting 13-19, not part of a longer run of digits; "+86 " or "86" before it is kept.
MOBILE = r"(?<!\d)(1[3-9]\d)\d{4}(\d{4})(?!\d)"


class MaskPhoneParams(ModuleParams):
    columns: list[str] = Field(min_length=1, description="Text columns that may hold mobile numbers.")
    mask: str = Field("****", min_length=1, description="What replaces the middle four digits.")


@module(category="privacy", params=MaskPhoneParams)
def mask_phone(data: pd.DataFrame, params: MaskPhoneParams) -> pd.DataFrame:
    """Mask Chinese mobile numbers: 13812341234 becomes 138****1234."""
    require_columns(data, params.columns, field="columns")
    require_text(data, params.columns, field="columns")
    replacement = r"\g<1>" + params.mask.replace("\\", "\\\\") + r"\g<2>"
    masked = {column: data[column].str.replace(MOBILE, replacement, regex=True) for column in params.columns}
    return data.assign(**masked)
