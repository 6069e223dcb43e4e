"""The flowchart spec (v1) as typed models; unknown keys are errors everywhere."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

IDENTIFIER = r"^[A-Za-z_][A-Za-z0-9_]*$"
Identifier = Annotated[str, StringConstraints(pattern=IDENTIFIER, max_length=200)]


class SpecModel(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True, frozen=True)


class Position(SpecModel):
    x: float
    y: float


class Node(SpecModel):
    id: Identifier = Field(description="Unique in the flowchart; letters, digits and _.")
    module: str = Field(min_length=1, description="A registered module name.")
    params: dict[str, Any] = Field(default_factory=dict, description="The module's parameters.")
    label: str | None = Field(None, description="Display name (any text).")
    position: Position | None = Field(None, description="Where the editor draws the node.")

    @field_validator("params", mode="before")
    @classmethod
    def _null_params(cls, value: Any) -> Any:
        return {} if value is None else value


class Edge(SpecModel):
    source: str = Field(alias="from", min_length=1, description="'node' or 'node.output'.")
    target: str = Field(alias="to", min_length=1, description="'node' or 'node.input'.")


class Flowchart(SpecModel):
    name: Identifier = Field(description="Becomes the job name; unique across flowcharts.")
    description: str | None = Field(None, description="Free text.")
    nodes: list[Node] = Field(min_length=1)
    edges: list[Edge] = Field(default_factory=list)

    @field_validator("edges", mode="before")
    @classmethod
    def _null_edges(cls, value: Any) -> Any:
        return [] if value is None else value
