"""The flowchart spec (v1) as typed models; unknown keys are errors everywhere."""

from __future__ import annotations

import re
import warnings
from pathlib import PurePosixPath
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator

IDENTIFIER = r"^[A-Za-z_][A-Za-z0-9_]*$"
# Far beyond a drawn flowchart; Dagster builds its graph recursively (a chain of ~1,500 ops
# overflows the stack), and a timer cannot be set beyond the platform's time_t.
MAX_NODES = 1_000
MAX_EDGES = 4_000
MAX_TIMEOUT = 7 * 24 * 3600
Identifier = Annotated[str, StringConstraints(pattern=IDENTIFIER, max_length=200)]
Outcome = Literal["failure", "success"]


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
    retries: int = Field(0, ge=0, le=10, description="Attempts after a failure before the node fails.")
    timeout: float | None = Field(None, gt=0, le=MAX_TIMEOUT, description="Seconds the node may run; longer fails it.")

    @field_validator("params", mode="before")
    @classmethod
    def _null_params(cls, value: Any) -> Any:
        return {} if value is None else value


class Edge(SpecModel):
    source: str = Field(alias="from", min_length=1, description="'node' or 'node.output'.")
    target: str = Field(alias="to", min_length=1, description="'node' or 'node.input'.")


class Schedule(SpecModel):
    cron: str = Field(description="Cron expression (5 fields) or @hourly/@daily/@weekly/@monthly.")
    timezone: str | None = Field(None, description="IANA name, e.g. Asia/Shanghai; default UTC.")

    @field_validator("cron")
    @classmethod
    def _valid_cron(cls, value: str) -> str:
        if not _dagster_accepts(value):
            raise ValueError(f"'{value}' is not a valid cron expression (e.g. '0 6 * * *' or '@daily')")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_timezone(cls, value: str | None) -> str | None:
        if value is None:
            return value
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown timezone '{value}' (e.g. Asia/Shanghai, UTC)") from None
        return value


def _dagster_accepts(cron: str) -> bool:
    """Whether Dagster's `ScheduleDefinition` takes this cron expression: the compiler builds one from
    it, so asking Dagster's public API keeps the two in agreement (5 fields, no 30 February, ...)."""
    import dagster as dg  # only flowcharts with a schedule pay for the import

    try:
        with warnings.catch_warnings():  # its warning about out-of-range steps is the compiler's to give
            warnings.simplefilter("ignore")
            dg.ScheduleDefinition(name="cron_check", cron_schedule=cron, job_name="cron_check")
    except dg.DagsterInvalidDefinitionError:
        return False
    return True


class Watch(SpecModel):
    pattern: str = Field(min_length=1, description="Glob relative to the data root, e.g. inbox/*.csv.")
    node: Identifier = Field(description="The source node whose path each new file is bound to.")

    @field_validator("pattern")
    @classmethod
    def _inside_data_root(cls, value: str) -> str:
        path = PurePosixPath(value)
        if path.is_absolute() or "\\" in value or re.match(r"^[A-Za-z]:", value) or ".." in path.parts:
            raise ValueError(f"'{value}' must be a pattern relative to the data root, without '..'")
        return value


class Triggers(SpecModel):
    schedule: Schedule | None = Field(None, description="Run on a timetable.")
    watch: Watch | None = Field(None, description="Run once per new or changed file.")
    after_upstream: bool = Field(
        False, description="Run when a flowchart whose output this one reads has written it anew."
    )

    @field_validator("schedule", mode="before")
    @classmethod
    def _cron_shorthand(cls, value: Any) -> Any:
        return {"cron": value} if isinstance(value, str) else value


class Notify(SpecModel):
    url: str = Field(
        min_length=1, description="Apprise URL (mailto://, json://, dingtalk://, ...); ${VAR} from the environment."
    )
    on: list[Outcome] = Field(default_factory=lambda: list[Outcome](["failure"]), min_length=1)


class Flowchart(SpecModel):
    name: Identifier = Field(description="Becomes the job name; unique across flowcharts.")
    description: str | None = Field(None, description="Free text.")
    nodes: list[Node] = Field(min_length=1, max_length=MAX_NODES)
    edges: list[Edge] = Field(default_factory=list, max_length=MAX_EDGES)
    triggers: Triggers | None = Field(None, description="Schedules and file watches that launch runs.")
    notify: list[Notify] = Field(default_factory=list, description="Where to report run outcomes.")
    enabled: bool = Field(True, description="False pauses the flowchart's schedule and watch.")
    executor: Literal["in_process", "multiprocess", "celery"] = Field(
        "in_process", description="in_process, multiprocess (parallel branches) or celery (many machines)."
    )

    @field_validator("edges", mode="before")
    @classmethod
    def _null_edges(cls, value: Any) -> Any:
        return [] if value is None else value
