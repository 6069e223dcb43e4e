"""The project's errors: every user mistake surfaces as a `DataOpsError` with a located message.

A location reads `flowchart › node › field`; the CLI prints the message without a traceback,
the Dagster UI shows it as the step's failure description.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True)
class Where:
    """Where a problem sits: any part may be unknown at the point the error is raised."""

    flowchart: str | None = None
    node: str | None = None
    field: str | None = None
    file: str | None = None

    def __str__(self) -> str:
        parts = [p for p in (self.flowchart, self.node, self.field) if p]
        located = " › ".join(parts)
        if self.file:
            return f"{self.file}: {located}" if located else self.file
        return located

    def inside(self, outer: Where) -> Where:
        """Fill the parts this location lacks from an enclosing one."""
        return Where(
            flowchart=self.flowchart or outer.flowchart,
            node=self.node or outer.node,
            field=self.field or outer.field,
            file=self.file or outer.file,
        )


NOWHERE = Where()


class DataOpsError(Exception):
    """A problem the user can fix: shown as its message, never as a traceback."""

    def __init__(self, message: str, where: Where | None = None) -> None:
        self.message = message
        self.where = where or Where()
        super().__init__(str(self))

    def __str__(self) -> str:
        where = str(self.where)
        return f"{where}: {self.message}" if where else self.message

    def located(self, outer: Where) -> DataOpsError:
        """The same error with the missing parts of its location filled from `outer`."""
        self.where = self.where.inside(outer)
        self.args = (str(self),)
        return self


class ModuleError(DataOpsError):
    """A module could not process its input (bad column, bad value, bad params at run time)."""


class AdapterError(DataOpsError):
    """A source or sink could not read or write its data."""


class RegistryError(DataOpsError):
    """A module or adapter could not be registered or found."""


@dataclass(frozen=True)
class Problem:
    """One validation finding: a location and what is wrong there."""

    where: Where
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}"


class FlowchartError(DataOpsError):
    """A flowchart failed validation; carries one `Problem` per finding."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

    def __str__(self) -> str:
        return self.message


def did_you_mean(word: str, choices: Iterable[object]) -> str:
    """`; did you mean 'x'?` for the closest choice, or nothing (cut-off suits two-character CJK names)."""
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.5)
    return f"; did you mean '{close[0]}'?" if close else ""
