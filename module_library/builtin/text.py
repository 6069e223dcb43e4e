"""Text modules: clean and rewrite text columns.

The work is done by Arrow's string kernels: Unicode-aware, vectorised, and regular expressions
run on RE2, whose time is linear in the text, so no pattern can hang a run.
"""

from __future__ import annotations

from typing import Annotated, Literal

import pyarrow as pa
import pyarrow.compute as pc
from pydantic import Field, model_validator

from module_library import ModuleParams, module
from module_library.checks import require_columns, require_text
from module_library.params import enum_descriptions
from module_library.tables import with_column


class StringTransformParams(ModuleParams):
    columns: list[str] = Field(min_length=1, description="Text columns to transform in place.")
    operation: Annotated[
        Literal["strip", "lower", "upper", "replace"],
        enum_descriptions(
            {
                "strip": "remove leading and trailing whitespace, full-width spaces too",
                "lower": "letters to lower case (Unicode-aware)",
                "upper": "letters to upper case (Unicode-aware)",
                "replace": "each match of pattern replaced by replacement",
            }
        ),
    ] = Field(description="strip (outer whitespace, full-width too), lower, upper, or replace.")
    pattern: str | None = Field(None, min_length=1, description="For replace: the text (or regex) to find.")
    replacement: str = Field("", description=r"For replace: what replaces each match (\1 refers to a regex group).")
    regex: bool = Field(False, description="For replace: read pattern as an RE2 regular expression.")

    @model_validator(mode="after")
    def _pattern_for_replace(self) -> StringTransformParams:
        if self.operation == "replace" and self.pattern is None:
            raise ValueError("replace needs a 'pattern'")
        if self.operation != "replace" and self.pattern is not None:
            raise ValueError(f"'pattern' is only used by replace, not by {self.operation}")
        if self.regex and self.pattern is not None:
            try:
                _replace(pa.array([""]), self)
            except pa.ArrowInvalid as exc:
                raise ValueError(f"pattern: {exc}") from None
        return self


@module(category="text", params=StringTransformParams, passthrough=True, reads=lambda p: p.columns, engine="arrow")
def string_transform(data: pa.Table, params: StringTransformParams) -> pa.Table:
    """Strip, lower-case, upper-case or find-and-replace text in columns (nulls stay null)."""
    require_columns(data, params.columns, field="columns")
    require_text(data, params.columns, field="columns")
    for column in params.columns:
        data = with_column(data, column, _transform_column(data.column(column), params))
    return data


def _transform_column(column: pa.ChunkedArray, params: StringTransformParams) -> pa.ChunkedArray:
    """The column transformed in its own type: a dictionary's values only, views through large strings
    (the string kernels have none for them), an all-null column as text."""
    kind = column.type
    if pa.types.is_null(kind):
        return column.cast(pa.large_string())
    if pa.types.is_dictionary(kind):
        return pa.chunked_array([_transform_dictionary(chunk, params) for chunk in column.chunks], kind)
    if pa.types.is_string_view(kind):
        return _transform(column.cast(pa.large_string()), params).cast(kind)
    return _transform(column, params)


def _transform_dictionary(chunk: pa.DictionaryArray, params: StringTransformParams) -> pa.DictionaryArray:
    """Transform the distinct values only; values that became equal (strip, lower) are merged."""
    values = _transform_column(pa.chunked_array([chunk.dictionary]), params).combine_chunks()
    transformed = pa.DictionaryArray.from_arrays(chunk.indices, values)
    if len(pc.unique(values)) == len(values):
        return transformed
    return transformed.dictionary_decode().dictionary_encode().cast(chunk.type)


def _transform(text: pa.Array | pa.ChunkedArray, params: StringTransformParams) -> pa.Array | pa.ChunkedArray:
    if params.operation == "strip":
        return pc.utf8_trim_whitespace(text)
    if params.operation == "lower":
        return pc.utf8_lower(text)
    if params.operation == "upper":
        return pc.utf8_upper(text)
    return _replace(text, params)


def _replace(text: pa.Array | pa.ChunkedArray, params: StringTransformParams) -> pa.Array | pa.ChunkedArray:
    kernel = pc.replace_substring_regex if params.regex else pc.replace_substring
    return kernel(text, pattern=params.pattern, replacement=params.replacement)
