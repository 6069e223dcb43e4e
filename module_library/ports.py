"""A module's input ports: one edge each, or any number (`many`), or none at all (`optional`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class Port:
    """An input port; `many` ports take any number of edges (fan-in) and receive a list.

    An `optional` port may be left unconnected; the function then receives None for it.
    """

    name: str
    many: bool = False
    optional: bool = False


def many(name: str) -> Port:
    """Declare a fan-in input port."""
    return Port(name, many=True)


def optional(name: str) -> Port:
    """Declare an input port that may have no edge (the function receives None)."""
    return Port(name, optional=True)


def as_ports(inputs: Iterable[str | Port]) -> tuple[Port, ...]:
    """Port names as plain ports; ports as they are."""
    return tuple(p if isinstance(p, Port) else Port(p) for p in inputs)
