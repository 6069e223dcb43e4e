"""The module SDK: a module is a plain function over tables, declared with `@module`.

```python
class Params(ModuleParams):
    column: str = Field(description="Column to upper-case.")

@module(category="text", params=Params)
def shout(data: pd.DataFrame, params: Params) -> pd.DataFrame:
    "Upper-case one column."
    return data.assign(**{params.column: data[params.column].str.upper()})
```

The declaration is the single source for the op's config schema, the JSON Schema the editor
renders, `dataops modules` and validation. Sources and sinks (`source`, `sink`) carry no
function: their data path is a format adapter, chosen by `format` or by the file extension.

Arrow tables are what flows between steps. A module's `engine` says what its function takes:
`"pandas"` (the default, the simplest to write) receives DataFrames, converted at its boundary
with Arrow-backed dtypes where numpy would need Python objects (`module_library.arrow_convert`);
`"arrow"` receives `pyarrow.Table`s as they are. Either way `ModuleSpec.run` returns Arrow.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import pandas as pd
import pyarrow as pa
from pydantic import BaseModel, ConfigDict

from dataops.errors import ModuleError, Where
from module_library.arrow_convert import arrow_to_pandas, frame_to_arrow
from module_library.checks import is_mixed
from module_library.registry import register

Kind = Literal["transform", "source", "sink"]
Engine = Literal["pandas", "arrow"]
Columns = Sequence[str] | None
ReadsFn = Callable[[Any], Columns | Mapping[str, Columns]]
Needs = frozenset[str] | None  # columns wanted from a table; None: all of them


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
NeedsFn = Callable[[Any, Needs], Mapping[str, Needs]]


class ModuleParams(BaseModel):
    """Base for parameter models: unknown keys are errors, so typos never pass silently."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class NoParams(ModuleParams):
    """For modules that take no parameters."""


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


@dataclass(frozen=True)
class ModuleResult:
    """What a module returns when it also has node metadata for the UI (e.g. charts).

    `outputs` is what the function would otherwise return; `metadata` maps a label to
    Markdown, shown with every output of the node.
    """

    outputs: Any
    metadata: Mapping[str, str] = field(default_factory=dict)


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
        declared = self.reads(params) if self.reads else None
        if isinstance(declared, Mapping):
            return {p.name: _dedupe(declared.get(p.name)) for p in self.inputs}
        return {p.name: _dedupe(declared) for p in self.inputs}

    def input_needs(self, params: BaseModel, downstream: Needs) -> dict[str, Needs]:
        """Per input port, the columns this node needs given what its consumers need.

        This drives projection pushdown: a pass-through module (rows change, columns carried
        along) needs what its consumers need plus what it reads, minus what it produces; any
        other module needs exactly what it reads. Undeclared modules need everything.
        """
        if self.needs is not None:
            return {p.name: self.needs(params, downstream).get(p.name) for p in self.inputs}
        read = self.columns_read(params)
        if not self.passthrough:
            return {port: None if cols is None else frozenset(cols) for port, cols in read.items()}
        if downstream is None:
            return dict.fromkeys(read)
        produced = set(self.produces(params)) if self.produces else set()
        return {
            port: None
            if cols is None
            else Wanted((downstream - produced) | set(cols), (required(downstream) - produced) | set(cols))
            for port, cols in read.items()
        }

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
        given = _as_arrow if self.engine == "arrow" else _as_pandas
        returned = self.fn(**{port: given(value) for port, value in inputs.items()}, params=params)
        metadata: dict[str, str] = {}
        if isinstance(returned, ModuleResult):
            returned, metadata = returned.outputs, dict(returned.metadata)
        return normalise_outputs(self, returned), metadata


def _as_pandas(value: Any) -> Any:
    """An input as a pandas module receives it: mixed columns are text, as storage would make them."""
    if isinstance(value, pa.Table):
        return arrow_to_pandas(value)
    if isinstance(value, pd.DataFrame):
        return _text_if_mixed(value)
    if isinstance(value, list):
        return [_as_pandas(item) for item in value]
    return value


def _as_arrow(value: Any) -> Any:
    """An input as an Arrow module receives it."""
    if isinstance(value, pd.DataFrame):
        return frame_to_arrow(_text_if_mixed(value))
    if isinstance(value, list):
        return [_as_arrow(item) for item in value]
    return value


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


def _dedupe(columns: Columns) -> Columns:
    return None if columns is None else list(dict.fromkeys(columns))


def _origin(obj: Any) -> str:
    try:
        file = inspect.getsourcefile(obj)
        line = inspect.getsourcelines(obj)[1]
    except (TypeError, OSError):
        return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', obj)}"
    return f"{obj.__module__}.{obj.__qualname__} ({file}:{line})"


def _first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0].strip() if (text or "").strip() else ""


def _ports(inputs: Iterable[str | Port]) -> tuple[Port, ...]:
    return tuple(p if isinstance(p, Port) else Port(p) for p in inputs)


def module(
    *,
    category: str,
    params: type[BaseModel] = NoParams,
    name: str | None = None,
    inputs: Sequence[str | Port] = ("data",),
    outputs: Sequence[str] = ("result",),
    reads: ReadsFn | Sequence[str] | None = None,
    passthrough: bool = False,
    produces: Callable[[Any], Sequence[str]] | None = None,
    needs: NeedsFn | None = None,
    description: str | None = None,
    engine: Engine = "pandas",
    row_filter: Callable[[Any], str] | None = None,
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a function as a module.

    Args:
        category: Palette group (columns, rows, combine, ...).
        params: Pydantic model of the parameters; the function receives an instance as `params`.
        name: Module name used in flowcharts; defaults to the function name.
        inputs: Input port names; the function takes one keyword argument per port.
        outputs: Output port names; with several, return a mapping of port name to table.
        reads: Columns the module reads: a static list, or a function of the params returning a
            list (or a mapping of port to list); None means all. The IO manager loads only these.
        passthrough: The output carries the input's columns along (filters, sorts, derived
            columns): the input then needs what the consumers need plus `reads`.
        produces: With `passthrough`, the columns the module adds (not needed from the input).
        needs: Full control instead: (params, columns the consumers need) -> per input port.
        description: One line for the palette; defaults to the docstring's first line.
        engine: "pandas" (default): the function takes and returns DataFrames; "arrow": it takes
            `pyarrow.Table`s (a list for a `many` port, None for an unconnected optional one) and
            returns a table, a mapping of port to table, or a `ModuleResult`.
        row_filter: The module keeps only rows where this SQL condition (a function of the params)
            holds, and applies it itself: a Parquet or Arrow source feeding only this module may
            skip the rows it rules out while scanning (predicate pushdown).
    """

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        static = None if reads is None or callable(reads) else list(reads)
        spec = ModuleSpec(
            name=name or fn.__name__,
            category=category,
            description=description or _first_line(fn.__doc__),
            params=params,
            inputs=_ports(inputs),
            outputs=tuple(outputs),
            fn=fn,
            reads=reads if callable(reads) else (None if static is None else lambda _p: static),
            origin=_origin(fn),
            passthrough=passthrough,
            produces=produces,
            needs=needs,
            engine=engine,
            row_filter=row_filter,
        )
        register(spec)
        fn.module_spec = spec  # type: ignore[attr-defined]
        return fn

    return decorate


def source(
    name: str, *, params: type[BaseModel], description: str, format: str | None = None, category: str = "sources"
) -> ModuleSpec:
    """Register a source module: no inputs, reads what its params point at through a format adapter."""
    return _register_io(name, "source", params, description, format, category, inputs=(), outputs=("result",))


def sink(
    name: str, *, params: type[BaseModel], description: str, format: str | None = None, category: str = "sinks"
) -> ModuleSpec:
    """Register a sink module: one input, written atomically through a format adapter."""
    return _register_io(name, "sink", params, description, format, category, inputs=(Port("data"),), outputs=())


def _register_io(
    name: str,
    kind: Kind,
    params: type[BaseModel],
    description: str,
    format: str | None,
    category: str,
    *,
    inputs: tuple[Port, ...],
    outputs: tuple[str, ...],
) -> ModuleSpec:
    spec = ModuleSpec(
        name=name,
        category=category,
        description=description,
        params=params,
        inputs=inputs,
        outputs=outputs,
        kind=kind,
        format=format,
        origin=_caller_origin(depth=3),
    )
    register(spec)
    return spec


def _caller_origin(depth: int = 2) -> str:
    """Module, file and line of whoever called `source`/`sink` (no `inspect.stack()`: it reads
    every frame's source file and cost a second at start-up)."""
    frame = sys._getframe(depth)
    return f"{frame.f_globals.get('__name__', '?')} ({frame.f_code.co_filename}:{frame.f_lineno})"


def to_table(value: Any, *, module_name: str, port: str) -> pa.Table:
    """Normalise a module's return value to an Arrow table: the decorator is the result adapter."""
    if isinstance(value, pa.Table):
        return value
    if isinstance(value, pa.RecordBatch):
        return pa.Table.from_batches([value])
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


def normalise_outputs(spec: ModuleSpec, returned: Any) -> dict[str, pa.Table]:
    """One Arrow table per declared output port."""
    if len(spec.outputs) == 1:
        port = spec.outputs[0]
        return {port: to_table(returned, module_name=spec.name, port=port)}
    if isinstance(returned, tuple) and len(returned) == len(spec.outputs):
        returned = dict(zip(spec.outputs, returned, strict=True))
    if not isinstance(returned, Mapping) or set(returned) != set(spec.outputs):
        got = sorted(returned) if isinstance(returned, Mapping) else type(returned).__name__
        raise ModuleError(
            f"module '{spec.name}' must return a mapping with the outputs {list(spec.outputs)}; got {got}"
        )
    return {port: to_table(returned[port], module_name=spec.name, port=port) for port in spec.outputs}
