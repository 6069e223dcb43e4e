"""Combine modules: join two tables, stack many."""

from __future__ import annotations

from typing import Literal

import pandas as pd
from pydantic import Field, model_validator

from dataops.errors import ModuleError, Where
from module_library.checks import require_columns
from module_library.sdk import ModuleParams, Needs, NoParams, many, module

_NULLABLE = {"i": "Int64", "u": "UInt64", "b": "boolean"}


class JoinParams(ModuleParams):
    how: Literal["inner", "left", "right", "outer"] = Field("inner", description="Which unmatched rows to keep.")
    on: list[str] | None = Field(None, description="Key columns present on both sides.")
    left_on: list[str] | None = Field(None, description="Left key columns (with right_on).")
    right_on: list[str] | None = Field(None, description="Right key columns (with left_on).")

    @model_validator(mode="after")
    def _keys(self) -> JoinParams:
        if self.on is not None:
            if self.left_on is not None or self.right_on is not None:
                raise ValueError("give either 'on' or 'left_on' + 'right_on', not both")
            if not self.on:
                raise ValueError("'on' needs at least one column")
            return self
        if not self.left_on or not self.right_on:
            raise ValueError("give 'on', or both 'left_on' and 'right_on'")
        if len(self.left_on) != len(self.right_on):
            raise ValueError(f"left_on has {len(self.left_on)} columns but right_on has {len(self.right_on)}")
        return self

    @property
    def keys(self) -> tuple[list[str], list[str]]:
        return (self.on, self.on) if self.on else (self.left_on or [], self.right_on or [])


def _join_needs(params: JoinParams, downstream: Needs) -> dict[str, Needs]:
    """Each side needs its keys plus the consumers' columns, with the _left/_right suffixes undone."""
    if downstream is None:
        return {"left": None, "right": None}
    left_keys, right_keys = params.keys
    wanted = set(downstream)
    left = wanted | {c.removesuffix("_left") for c in wanted} | set(left_keys)
    right = wanted | {c.removesuffix("_right") for c in wanted} | set(right_keys)
    return {"left": frozenset(left), "right": frozenset(right)}


@module(category="combine", params=JoinParams, inputs=("left", "right"), needs=_join_needs)
def join(left: pd.DataFrame, right: pd.DataFrame, params: JoinParams) -> pd.DataFrame:
    """Join two tables on key columns; null keys never match (as in SQL)."""
    left_keys, right_keys = params.keys
    require_columns(left, left_keys, field="on" if params.on else "left_on")
    require_columns(right, right_keys, field="on" if params.on else "right_on")
    left, right, right_keys = _disambiguate(left, right, left_keys, right_keys, shared_keys=params.on is not None)
    left_null = left[left_keys].isna().any(axis=1)
    right_null = right[right_keys].isna().any(axis=1)
    try:
        merged = pd.merge(
            left if params.how == "left" else left[~left_null],
            right[~right_null],
            how=params.how,
            left_on=left_keys,
            right_on=right_keys,
            sort=False,
        )
    except ValueError as exc:  # pandas matches numbers with no text, and dates with neither
        named_left, named_right = params.keys
        pairs = ", ".join(
            f"'{a}' ({left[a].dtype}) with '{b}' ({right[hidden].dtype})"
            for a, b, hidden in zip(named_left, named_right, right_keys, strict=True)
        )
        raise ModuleError(
            f"cannot match the keys {pairs}: they hold different kinds of values; cast_types them to one type first",
            Where(field="on" if params.on else "left_on"),
        ) from exc
    unmatched = []
    if params.how == "outer":
        unmatched.append(left[left_null])
    if params.how in ("right", "outer"):
        unmatched.append(right[right_null])
    merged = pd.concat([merged, *[part for part in unmatched if len(part)]], ignore_index=True)
    if params.on is None:
        for lk, rk in zip(left_keys, right_keys, strict=True):
            if params.how in ("right", "outer"):
                merged[lk] = merged[lk].fillna(merged[rk])
        merged = merged.drop(columns=right_keys)
    return merged.reset_index(drop=True)


def _disambiguate(
    left: pd.DataFrame, right: pd.DataFrame, left_keys: list[str], right_keys: list[str], *, shared_keys: bool
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """Suffix overlapping non-key columns with _left/_right; hide the right keys of left_on/right_on."""
    right_rest = [c for c in right.columns if c not in right_keys]
    overlap = {c for c in right_rest if c in left.columns and c not in left_keys}
    left = left.rename(columns={c: f"{c}_left" for c in overlap})
    right = right.rename(columns={c: f"{c}_right" for c in right_rest if c in overlap or c in left_keys})
    if shared_keys:
        return left, right, right_keys
    hidden = [f"__right_key_{i}" for i in range(len(right_keys))]
    return left, right.rename(columns=dict(zip(right_keys, hidden, strict=True))), hidden


@module(category="combine", inputs=(many("data"),), passthrough=True, reads=[])
def union(data: list[pd.DataFrame], params: NoParams) -> pd.DataFrame:
    """Stack tables: rows in edge order, columns matched by name (missing ones are null)."""
    everywhere = set.intersection(*(set(frame.columns) for frame in data)) if data else set()
    return pd.concat([_nullable(frame, keep=everywhere) for frame in data], ignore_index=True, sort=False)


def _nullable(frame: pd.DataFrame, *, keep: set[str]) -> pd.DataFrame:
    """Integer and boolean columns some tables lack become nullable, so their nulls do not turn them float."""
    widen = {c: _NULLABLE[t.kind] for c, t in frame.dtypes.items() if c not in keep and t.kind in _NULLABLE}
    return frame.astype(widen) if widen else frame
