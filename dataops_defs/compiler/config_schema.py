"""Dagster config schema derived from a module's params model (the registry is the source)."""

from __future__ import annotations

import types
import typing
from collections.abc import Mapping
from typing import Any

import dagster as dg
from pydantic import BaseModel

_SCALARS: dict[Any, Any] = {str: dg.String, int: dg.Int, float: dg.Float, bool: dg.Bool}


def config_schema(model: type[BaseModel], defaults: Mapping[str, Any] | None = None) -> dict[str, dg.Field]:
    """One config field per param, typed where Dagster can say it; pydantic checks the rest.

    Args:
        defaults: A node's params (by alias), the fields' defaults: a run that sets no config, or
            only some (a subset of the assets, a file-watch run's path), runs the flowchart's.
    """
    defaults = defaults or {}
    fields = {}
    for name, info in model.model_fields.items():
        key = info.alias or name
        config_type = _config_type(info.annotation)
        if key in defaults and defaults[key] is not None:
            fields[key] = dg.Field(config_type, default_value=defaults[key], description=info.description)
        else:
            fields[key] = dg.Field(config_type, is_required=info.is_required(), description=info.description)
    return fields


def _config_type(annotation: Any) -> Any:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if annotation in _SCALARS:
        return _SCALARS[annotation]
    if origin is typing.Annotated:  # a described Literal (`enum_descriptions`) inside a list or dict
        return _config_type(args[0])
    if origin in (typing.Union, types.UnionType):
        rest = [a for a in args if a is not type(None)]
        if len(rest) == 1:
            inner = _config_type(rest[0])
            return dg.Noneable(inner) if len(rest) < len(args) else inner
        return dg.Any
    if origin is typing.Literal and all(isinstance(a, str) for a in args):
        return dg.String
    if origin is list and len(args) == 1:
        return [_config_type(args[0])]
    if origin is dict and len(args) == 2 and args[0] is str:
        return dg.Map(str, _config_type(args[1]))
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return dg.Shape(config_schema(annotation))
    return dg.Any
