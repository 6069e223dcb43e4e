"""The base of every module's parameter model, and the description of an enum's values."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from dataops.errors import RegistryError

ENUM_DESCRIPTIONS = "x-enum-descriptions"


class ModuleParams(BaseModel):
    """Base for parameter models: unknown keys are errors, so typos never pass silently."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class NoParams(ModuleParams):
    """For modules that take no parameters."""


def enum_descriptions(descriptions: Mapping[str, str]) -> Any:
    """What each value of a Literal means, shown in the editor's select:
    `Annotated[Literal["sum", ...], enum_descriptions({"sum": "...", ...})]`.

    The JSON Schema gets them as `x-enum-descriptions` beside `enum`. A value without a description,
    or a description of no value, is refused when the schema is built, so the two cannot drift apart.
    """

    def extra(schema: dict[str, Any]) -> None:
        values = [str(v) for v in schema.get("enum", [])]
        missing = [v for v in values if v not in descriptions]
        unknown = [v for v in descriptions if v not in values]
        if missing or unknown:
            raise RegistryError(
                f"enum_descriptions do not match the values {values}: "
                + "; ".join(
                    part
                    for part in (
                        f"undescribed: {', '.join(missing)}" if missing else "",
                        f"not a value: {', '.join(unknown)}" if unknown else "",
                    )
                    if part
                )
            )
        schema[ENUM_DESCRIPTIONS] = {v: descriptions[v] for v in values}

    return Field(json_schema_extra=extra)
