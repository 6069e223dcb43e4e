"""Declaring modules: `@module` on a plain function over tables, `source` and `sink` for adapters' I/O.

```python
from module_library import ModuleParams, module

class Params(ModuleParams):
    column: str = Field(description="Column to upper-case.")

@module(category="text", params=Params)
def shout(data: pd.DataFrame, params: Params) -> pd.DataFrame:
    "Upper-case one column."
    return data.assign(**{params.column: data[params.column].str.upper()})
```

The declaration is the single source for the op's config schema, the JSON Schema the editor
renders, `dataops modules` and validation (`ModuleSpec`). Sources and sinks carry no function:
their data path is a format adapter, chosen by `format` or by the file extension. A module's
`engine` says what its function takes (`module_library.calling`); either way it returns Arrow.
"""

from __future__ import annotations

import inspect
import sys
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel

from module_library.module_spec import Engine, Kind, ModuleSpec
from module_library.needs import NeedsFn, ReadsFn
from module_library.params import NoParams
from module_library.ports import Port, as_ports
from module_library.registry import register


def _origin(obj: Any) -> str:
    try:
        file = inspect.getsourcefile(obj)
        line = inspect.getsourcelines(obj)[1]
    except (TypeError, OSError):
        return f"{getattr(obj, '__module__', '?')}.{getattr(obj, '__qualname__', obj)}"
    return f"{obj.__module__}.{obj.__qualname__} ({file}:{line})"


def _first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0].strip() if (text or "").strip() else ""


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
            inputs=as_ports(inputs),
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
