"""A flowchart that fails validation still shows up: as a job that carries and raises its error."""

from __future__ import annotations

import dagster as dg

from dataops_defs.compiler.op import FLOWCHART_TAG

BROKEN_TAG = "dataops/broken"


def broken_op_name(name: str) -> str:
    """The one op of the broken job `name`."""
    return f"{name}__invalid_flowchart"


def make_broken_job(name: str, file: str, message: str) -> dg.JobDefinition:
    """A one-op job whose description is the validation error and whose run fails with it at once."""

    @dg.op(name=broken_op_name(name), description=message)
    def invalid_flowchart() -> None:
        raise dg.Failure(description=f"flowchart {file} is invalid:\n{message}")

    @dg.job(
        name=name,
        description=f"⚠ INVALID FLOWCHART ({file}) — fix the file and reload:\n\n{message}",
        tags={FLOWCHART_TAG: name, BROKEN_TAG: "true"},
        metadata={"file": file, "error": dg.MetadataValue.md(f"```\n{message}\n```")},
    )
    def broken() -> None:
        invalid_flowchart()

    return broken
