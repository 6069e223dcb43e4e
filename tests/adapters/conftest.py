"""What the format adapters' tests share: reading through an adapter as a flowchart's source node
does, and the sample table they round-trip (non-ASCII names, nulls in text, integer and float
columns)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from adapters.registry import adapter_for
from dataops.errors import Where
from module_library.arrow_convert import arrow_to_pandas
from module_library.discovery import discover
from module_library.registry import get_module

WHERE = Where("flow", "node")


def read(
    format: str, root: Path, name: str, hint: Sequence[str] | None = None, *, module: str = "", **params: Any
) -> pd.DataFrame:
    """The file `name` under `root` read by the `format` adapter with the params of `read_<format>`
    (or `module`) and the pushdown `hint` (the columns downstream nodes need), as the pandas frame a
    pandas module receives."""
    discover()
    spec = get_module(module or f"read_{format}")
    table = adapter_for(format).read(spec.params(path=name, **params), root=root, columns=hint, where=WHERE)
    return arrow_to_pandas(table) if isinstance(table, pa.Table) else table


def sample(**extra: Any) -> pd.DataFrame:
    """城市 (text with a null), 数量 (int), 库存 (int with a null), 价格 (float with NaN), then `extra`."""
    return pd.DataFrame(
        {
            "城市": ["北京", None, "上海"],
            "数量": [1, 2, 3],
            "库存": pd.array([5, None, 7], dtype="Int64"),
            "价格": [10.5, np.nan, 7.25],
            **extra,
        }
    )
