"""Dagster config schema derived from a module's params model (the registry is the source)."""

from __future__ import annotations

import types
import typing
from typing import Any

import dagster as dg
from pydantic import BaseModel

_SCALARS: dict[Any, Any] = {str: dg.String, int: dg.Int, float: dg.Float, bool: dg.Bool}


def config_schema(model: type[BaseModel]) -> dict[str, dg.Field]:
    """One config field per param, typed where Dagster can say it; pydantic checks the rest."""
    return {
        (info.alias or name): dg.Field(
            _config_type(info.annotation),
            is_required=info.is_required(),
            description=info.description,
        )
        for name, info in model.model_fields.items()
    }


def _config_type(annotation: Any) -> Any:
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if annotation in _SCALARS:
        return _SCALARS[annotation]
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
