"""Plain text: delimited (the CSV reader), fixed-width columns (pandas' read_fwf) or one row per line.

The encoding is detected as for CSV. A `.txt` given to read_file is read as delimited text.
"""

from __future__ import annotations

import codecs
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from adapters.csv import CsvAdapter
from adapters.projection import projection
from adapters.registry import register_adapter
from adapters.text_sniff import detect_encoding, read_sample
from dataops.errors import AdapterError
from module_library.arrow_convert import frame_to_arrow, normalise_dtypes

if TYPE_CHECKING:
    import pandas as pd


class TextAdapter(CsvAdapter):
    format = "text"
    extensions = (".txt",)

    def _read(self, path: Path, params: Any, columns: Sequence[str] | None) -> pa.Table:
        mode = getattr(params, "mode", "delimited")
        if mode == "delimited":
            return super()._read(path, params, columns)
        encoding = getattr(params, "encoding", "auto")
        if encoding == "auto":
            encoding = detect_encoding(read_sample(path))
        # utf-8-sig reads UTF-8 with or without a byte-order mark, which must not start the first row
        codec = "utf-8-sig" if codecs.lookup(encoding).name == "utf-8" else encoding
        try:
            frame = _fixed_width(path, params, codec) if mode == "fixed_width" else _lines(path, codec)
        except UnicodeDecodeError as exc:
            raise AdapterError(
                f"{self._describe(path)} is not valid {encoding} text; set 'encoding' (e.g. gbk, gb18030, utf-8)"
            ) from exc
        selected = projection(list(frame.columns), columns)
        return frame_to_arrow(frame if selected is None else frame[selected])


def _lines(path: Path, encoding: str) -> pd.DataFrame:
    """Column `line`: each line without its ending (\\n, \\r\\n or \\r)."""
    import pandas as pd

    with path.open(encoding=encoding, newline=None) as handle:
        lines = [line.removesuffix("\n") for line in handle]
    return pd.DataFrame({"line": pd.Series(lines, dtype="str")})


def _fixed_width(path: Path, params: Any, encoding: str) -> pd.DataFrame:
    import pandas as pd

    widths = list(params.widths)
    header = getattr(params, "header", True)
    names = params.names or (None if header else [f"column_{i}" for i in range(1, len(widths) + 1)])
    frame = pd.read_fwf(
        path,
        widths=widths,
        header=0 if header else None,
        names=names,
        encoding=encoding,
        dtype_backend="numpy_nullable",
    )
    return normalise_dtypes(frame)


register_adapter(TextAdapter())
