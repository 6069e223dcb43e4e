"""Which columns a module reads and needs: what projection pushdown asks of every node.

A module declares what it reads (`reads`), whether its output carries the input's columns along
(`passthrough`) and what it adds (`produces`), or takes full control (`needs`). From those and
what its consumers need, `input_needs` gives the columns each input port must deliver.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

Columns = Sequence[str] | None
ReadsFn = Callable[[Any], Columns | Mapping[str, Columns]]
Needs = frozenset[str] | None  # columns wanted from a table; None: all of them
NeedsFn = Callable[[Any, Needs], Mapping[str, Needs]]


class Wanted(frozenset):
    """Columns wanted from a table of which only `required` must exist; the others are taken where
    present. A join asks each side for every column its consumers need, not knowing which side has
    which; a side lacking one of them is still projected, instead of loading everything."""

    required: frozenset[str]

    def __new__(cls, columns: Iterable[str], required: Iterable[str]) -> Wanted:
        wanted = super().__new__(cls, columns)
        wanted.required = frozenset(required) & wanted
        return wanted


def required(needs: frozenset[str]) -> frozenset[str]:
    """The columns of `needs` that must exist (all of them unless it is a `Wanted`)."""
    return needs.required if isinstance(needs, Wanted) else needs


def columns_read(reads: ReadsFn | None, ports: Sequence[str], params: Any) -> dict[str, Columns]:
    """Per input port, the columns a module reads (None: all of them)."""
    declared = reads(params) if reads else None
    if isinstance(declared, Mapping):
        return {port: _dedupe(declared.get(port)) for port in ports}
    return {port: _dedupe(declared) for port in ports}


def input_needs(
    read: Mapping[str, Columns],
    downstream: Needs,
    *,
    passthrough: bool,
    produced: Iterable[str] = (),
) -> dict[str, Needs]:
    """Per input port, the columns needed given what the consumers need (`downstream`).

    A pass-through module (rows change, columns carried along) needs what its consumers need plus
    what it reads, minus what it produces; any other module needs exactly what it reads.
    """
    if not passthrough:
        return {port: None if cols is None else frozenset(cols) for port, cols in read.items()}
    if downstream is None:
        return dict.fromkeys(read)
    made = set(produced)
    return {
        port: None if cols is None else Wanted((downstream - made) | set(cols), (required(downstream) - made) | set(cols))
        for port, cols in read.items()
    }


def _dedupe(columns: Columns) -> Columns:
    return None if columns is None else list(dict.fromkeys(columns))
