"""A module's call boundary: inputs as its `engine` takes them, its return value as Arrow tables.

Arrow tables are what flows between steps. A `"pandas"` module receives DataFrames, converted with
Arrow-backed dtypes where numpy would need Python objects (`module_library.arrow_convert`); an
`"arrow"` module receives `pyarrow.Table`s as they are. Whatever the function returns (a frame, a
Series, a mapping of columns, records, a table, a `ModuleResult`) becomes one table per output port.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from dataops.errors import ModuleError, Where
from module_library.arrow_convert import arrow_to_pandas, frame_to_arrow, is_frame
from module_library.checks import is_mixed

if TYPE_CHECKING:
    import pandas as pd


@dataclass(frozen=True)
class ModuleResult:
    """What a module returns when it also has node metadata for the UI (e.g. charts).

    `outputs` is what the function would otherwise return; `metadata` maps a label to
    Markdown, shown with every output of the node.
    """

    outputs: Any
    metadata: Mapping[str, str] = field(default_factory=dict)


def as_pandas(value: Any) -> Any:
    """An input as a pandas module receives it: mixed columns are text, as storage would make them."""
    if isinstance(value, pa.Table):
        return arrow_to_pandas(value)
    if is_frame(value):
        return _text_if_mixed(value)
    if isinstance(value, list):
        return [as_pandas(item) for item in value]
    return value


def as_arrow(value: Any) -> Any:
    """An input as an Arrow module receives it."""
    if is_frame(value):
        return frame_to_arrow(_text_if_mixed(value))
    if isinstance(value, list):
        return [as_arrow(item) for item in value]
    return value


def to_table(value: Any, *, module_name: str, port: str) -> pa.Table:
    """Normalise a module's return value to an Arrow table: the decorator is the result adapter."""
    if isinstance(value, pa.Table):
        return value
    if isinstance(value, pa.RecordBatch):
        return pa.Table.from_batches([value])
    import pandas as pd  # only now: Arrow results (every built-in) never need it

    if isinstance(value, pd.Series):
        value = value.to_frame(name=value.name if value.name is not None else port)
    elif isinstance(value, Mapping):
        value = pd.DataFrame(dict(value))
    elif isinstance(value, list) and all(isinstance(r, Mapping) for r in value):
        value = pd.DataFrame.from_records(value)
    if isinstance(value, pd.DataFrame):
        named_index = any(name is not None for name in value.index.names)
        return frame_to_arrow(_text_if_mixed(value.reset_index() if named_index else value))
    raise ModuleError(
        f"module '{module_name}' returned {type(value).__name__} for output '{port}'; expected a "
        "DataFrame, Series, dict of columns, list of records or pyarrow Table",
        Where(field=port),
    )


def output_tables(module_name: str, outputs: Sequence[str], returned: Any) -> dict[str, pa.Table]:
    """One Arrow table per declared output port."""
    if len(outputs) == 1:
        port = outputs[0]
        return {port: to_table(returned, module_name=module_name, port=port)}
    if isinstance(returned, tuple) and len(returned) == len(outputs):
        returned = dict(zip(outputs, returned, strict=True))
    if not isinstance(returned, Mapping) or set(returned) != set(outputs):
        got = sorted(returned) if isinstance(returned, Mapping) else type(returned).__name__
        raise ModuleError(f"module '{module_name}' must return a mapping with the outputs {list(outputs)}; got {got}")
    return {port: to_table(returned[port], module_name=module_name, port=port) for port in outputs}


def _text_if_mixed(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns mixing text with numbers become text, as the readers make them: no table format stores a mix.

    Frames from storage never have one; a module's output may (a stack of text and numbers).
    """
    mixed = [i for i in range(frame.shape[1]) if is_mixed(frame.iloc[:, i])]
    if not mixed:
        return frame
    frame = frame.copy(deep=False)
    for i in mixed:
        frame.isetitem(i, frame.iloc[:, i].astype("str"))
    return frame
