"""What the Dagster UI shows for a table: row count, column schema and a small preview."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, Any

import dagster as dg
import pyarrow as pa

from module_library.arrow_convert import is_frame

if TYPE_CHECKING:
    import pandas as pd

PREVIEW_ROWS = 10
PREVIEW_COLUMNS = 20
PREVIEW_CELL = 40


def table_metadata(table: pa.Table | pd.DataFrame) -> dict[str, Any]:
    """`dagster/row_count`, `dagster/column_schema` (Arrow type names) and a Markdown `preview`."""
    if is_frame(table):
        table = pa.Table.from_pandas(table, preserve_index=False)
    schema = dg.TableSchema(columns=[dg.TableColumn(name=field.name, type=str(field.type)) for field in table.schema])
    return {
        "dagster/row_count": dg.MetadataValue.int(table.num_rows),
        "dagster/column_schema": dg.MetadataValue.table_schema(schema),
        "preview": dg.MetadataValue.md(preview_markdown(table)),
    }


def preview_markdown(table: pa.Table) -> str:
    """A Markdown table of the first rows, with wide tables and long cells cut.

    Only the preview's own cells are converted to Python values, never the whole table.
    """
    head = table.slice(0, PREVIEW_ROWS).select(range(min(PREVIEW_COLUMNS, table.num_columns)))
    header = [_escape(name) for name in head.column_names]
    columns = [column.to_pylist() for column in head.columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(_cell(value) for value in row) + " |" for row in zip(*columns, strict=True)]
    more = []
    if table.num_rows > PREVIEW_ROWS:
        more.append(f"{table.num_rows - PREVIEW_ROWS:,} more rows")
    if table.num_columns > PREVIEW_COLUMNS:
        more.append(f"{table.num_columns - PREVIEW_COLUMNS} more columns")
    if more:
        lines.append(f"\n_{', '.join(more)}_")
    return "\n".join(lines) if header else "_no columns_"


def _cell(value: object) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "∅"
    text = str(value)
    if len(text) > PREVIEW_CELL:
        text = text[: PREVIEW_CELL - 1] + "…"
    return _escape(text)


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
