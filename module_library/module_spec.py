"""`ModuleSpec`: everything the system knows about one module, as `@module`, `source` and `sink` declare it."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pyarrow as pa
from pydantic import BaseModel

from module_library.calling import ModuleResult, as_arrow, as_pandas, output_tables
from module_library.needs import Columns, Needs, NeedsFn, ReadsFn, columns_read, input_needs
from module_library.ports import Port

Kind = Literal["transform", "source", "sink"]
Engine = Literal["pandas", "arrow"]


@dataclass(frozen=True)
class ModuleSpec:
    """Everything the system knows about one module."""

    name: str
    category: str
    description: str
    params: type[BaseModel]
    inputs: tuple[Port, ...]
    outputs: tuple[str, ...]
    kind: Kind = "transform"
    fn: Callable[..., Any] | None = None
    reads: ReadsFn | None = None
    format: str | None = None
    origin: str = ""
    tags: Mapping[str, str] = field(default_factory=dict)
    passthrough: bool = False
    produces: Callable[[Any], Sequence[str]] | None = None
    needs: NeedsFn | None = None
    engine: Engine = "pandas"
    row_filter: Callable[[Any], str] | None = None

    def input(self, name: str) -> Port | None:
        return next((p for p in self.inputs if p.name == name), None)

    def columns_read(self, params: BaseModel) -> dict[str, Columns]:
        """Per input port, the columns this module reads (None: all of them)."""
        return columns_read(self.reads, [p.name for p in self.inputs], params)

    def input_needs(self, params: BaseModel, downstream: Needs) -> dict[str, Needs]:
        """Per input port, the columns this node needs given what its consumers need
        (`module_library.needs.input_needs`); undeclared modules need everything."""
        if self.needs is not None:
            return {p.name: self.needs(params, downstream).get(p.name) for p in self.inputs}
        produced = self.produces(params) if self.produces and self.passthrough else ()
        return input_needs(self.columns_read(params), downstream, passthrough=self.passthrough, produced=produced)

    def json_schema(self) -> dict[str, Any]:
        return self.params.model_json_schema()

    def describe(self) -> dict[str, Any]:
        """The public description used by `dataops modules --json` and the editor palette."""
        return {
            "name": self.name,
            "category": self.category,
            "kind": self.kind,
            "description": self.description,
            "inputs": [{"name": p.name, "many": p.many, "optional": p.optional} for p in self.inputs],
            "outputs": list(self.outputs),
            "params_schema": self.json_schema(),
            "origin": self.origin,
        }

    def run(self, inputs: Mapping[str, Any], params: BaseModel) -> dict[str, pa.Table]:
        """Call the function and normalise what it returns to one Arrow table per output port.

        Inputs may be Arrow tables or DataFrames (tests, notebooks); the function receives them
        as its `engine` declares.
        """
        return self.run_with_metadata(inputs, params)[0]

    def run_with_metadata(
        self, inputs: Mapping[str, Any], params: BaseModel
    ) -> tuple[dict[str, pa.Table], dict[str, str]]:
        """Like `run`, plus the Markdown metadata a module returned in a `ModuleResult`."""
        if self.fn is None:
            raise TypeError(f"module '{self.name}' is a {self.kind}; its data path is an adapter")
        given = as_arrow if self.engine == "arrow" else as_pandas
        returned = self.fn(**{port: given(value) for port, value in inputs.items()}, params=params)
        metadata: dict[str, str] = {}
        if isinstance(returned, ModuleResult):
            returned, metadata = returned.outputs, dict(returned.metadata)
        return normalise_outputs(self, returned), metadata


def normalise_outputs(spec: ModuleSpec, returned: Any) -> dict[str, pa.Table]:
    """One Arrow table per output port of `spec`."""
    return output_tables(spec.name, spec.outputs, returned)
