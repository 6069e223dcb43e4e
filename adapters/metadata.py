"""What the Dagster UI shows for a table: row count, column schema and a small preview."""

from __future__ import annotations

from typing import Any

import dagster as dg
import pandas as pd

PREVIEW_ROWS = 10
PREVIEW_COLUMNS = 20
PREVIEW_CELL = 40


def table_metadata(frame: pd.DataFrame) -> dict[str, Any]:
    """`dagster/row_count`, `dagster/column_schema` and a Markdown `preview` of the first rows."""
    schema = dg.TableSchema(
        columns=[dg.TableColumn(name=str(name), type=str(dtype)) for name, dtype in frame.dtypes.items()]
    )
    return {
        "dagster/row_count": dg.MetadataValue.int(len(frame)),
        "dagster/column_schema": dg.MetadataValue.table_schema(schema),
        "preview": dg.MetadataValue.md(preview_markdown(frame)),
    }


def preview_markdown(frame: pd.DataFrame) -> str:
    """A Markdown table of the first rows, with wide tables and long cells cut."""
    head = frame.iloc[:PREVIEW_ROWS, :PREVIEW_COLUMNS]
    cells = head.astype(object).where(head.notna(), "∅").map(_cell)
    header = [_escape(str(c)) for c in head.columns]
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in cells.itertuples(index=False, name=None)]
    more = []
    if len(frame) > PREVIEW_ROWS:
        more.append(f"{len(frame) - PREVIEW_ROWS:,} more rows")
    if frame.shape[1] > PREVIEW_COLUMNS:
        more.append(f"{frame.shape[1] - PREVIEW_COLUMNS} more columns")
    if more:
        lines.append(f"\n_{', '.join(more)}_")
    return "\n".join(lines) if header else "_no columns_"


def _cell(value: object) -> str:
    text = str(value)
    if len(text) > PREVIEW_CELL:
        text = text[: PREVIEW_CELL - 1] + "…"
    return _escape(text)


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
