"""The API's request and response bodies: the single source of the handlers' shapes and the OpenAPI document."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from dataops.spec.models import IDENTIFIER

FlowchartName = Annotated[str, StringConstraints(pattern=IDENTIFIER, max_length=200)]
Document = dict[str, Any]
NodeState = Literal["queued", "running", "succeeded", "failed", "skipped", "not_run"]


class ApiModel(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorBody(ApiModel):
    error: str = Field(description="What was wrong with the request and how to fix it.")


class Port(ApiModel):
    name: str
    many: bool = Field(description="Takes any number of edges (fan-in).")
    optional: bool = Field(False, description="May be left unconnected.")


class ModuleInfo(ApiModel):
    name: str
    category: str
    kind: Literal["transform", "source", "sink"]
    description: str
    inputs: list[Port]
    outputs: list[str]
    params_schema: dict[str, Any] = Field(description="JSON Schema of the module's params.")
    origin: str = ""


class ModuleList(ApiModel):
    modules: list[ModuleInfo]
    plugin_problems: list[str] = Field(description="Plugins that failed to load, with file and line.")


class Problem(ApiModel):
    node: str | None = Field(description="Node id the problem belongs to; null for flowchart-wide problems.")
    field: str | None
    message: str
    location: str = Field(description="`flowchart › node › field` as the CLI prints it.")


class Column(ApiModel):
    name: str
    type: str


class PortColumns(ApiModel):
    columns: list[Column]
    exact: bool = Field(description="The types are the ones a run gets; false: sampled, or names only (type null).")


class NodeSchema(ApiModel):
    inputs: dict[str, PortColumns | None] = Field(description="Per input port; null: not known before a run.")
    outputs: dict[str, PortColumns | None] = Field(description="Per output port; null: not known before a run.")


class ValidationResult(ApiModel):
    valid: bool
    problems: list[Problem]
    schemas: dict[str, NodeSchema] = Field(
        default_factory=dict, description="Per node id, the columns on each port, propagated from the sources."
    )


class SqlFunctions(ApiModel):
    functions: list[str] = Field(description="DuckDB's function names, for autocompletion in SQL fields.")


class FlowchartSummary(ApiModel):
    name: str
    file: str = Field(description="File name inside the flowcharts folder.")
    format: Literal["yaml", "json"]
    description: str | None = None
    error: str | None = Field(None, description="Why the file cannot be opened, if it cannot.")


class FlowchartList(ApiModel):
    folder: str
    flowcharts: list[FlowchartSummary]


VERSION_HELP = "The file's version token: the SHA-256 (hex) of its text as read (UTF-8, without a BOM)."


class FlowchartDocument(ApiModel):
    name: str
    file: str
    document: Document = Field(description="The flowchart spec; every node has a position.")
    problems: list[Problem]
    version: str = Field(description=f"{VERSION_HELP} Send it back as `base` when saving.")


class FlowchartVersion(ApiModel):
    name: str
    file: str | None = Field(description="The file the flowchart would open from; none when it has no file.")
    version: str | None = Field(description=f"{VERSION_HELP} None: no file, or one that cannot be read.")


class SaveConflict(ApiModel):
    """The 409 answer to a save whose `base` is not the file on disk: what is there now, to choose from."""

    error: str = Field(description="Names the flowchart and the file, and says it changed on disk since it was opened.")
    name: str
    file: str | None = Field(description="The file on disk now; none when it was deleted.")
    version: str | None = Field(description="The disk version's token: `base` for a save over it.")
    document: Document | None = Field(description="The flowchart on disk (laid out as GET opens it); none: unreadable.")
    disk_changes: list[str] = Field(
        description="What the disk edit changed since the opened version (node, param, edge lines as the history "
        "shows them); when that version is not in the history: how the disk's flowchart differs from the body."
    )
    your_changes: list[str] = Field(description="What the body changes from the opened version; empty when unknown.")
    base_known: bool = Field(description="The opened version was found in the history, so both lists are from it.")


class ReloadOutcome(ApiModel):
    ok: bool
    location: str | None = None
    message: str


class SaveResult(ApiModel):
    name: str
    file: str
    version: str = Field(description="The saved file's version token, the `base` of the next save.")
    replaced: list[str] = Field(description="Other files of the same flowchart that the save replaced.")
    problems: list[Problem]
    reload: ReloadOutcome


class DeleteResult(ApiModel):
    name: str
    deleted: list[str]
    reload: ReloadOutcome


class SaveQuery(ApiModel):
    replace: bool = Field(False, description="Replace another file (e.g. YAML) that defines the same flowchart.")
    base: str | None = Field(
        None,
        pattern=r"^([0-9a-f]{64}|new)$",
        description="The `version` the edit started from (GET's or the last save's), or `new` for a flowchart "
        "that should not exist yet. When the file on disk is another version, nothing is saved and the answer "
        "is 409 with a SaveConflict body (the disk's version, document and changes). Without `base` the save "
        "overwrites whatever is on disk, as before (scripts); the editor's page always sends it.",
    )
    force: bool = Field(
        False,
        description="Overwrite knowingly even when `base` is not the disk's version; the disk's text is kept in "
        "the history first (a `disk` version).",
    )


class ReloadResult(ApiModel):
    modules: int
    plugin_problems: list[str]
    dagster: ReloadOutcome


class UploadQuery(ApiModel):
    name: str = Field(min_length=1, max_length=255, description="Original file name; sanitised to a base name.")
    folder: str | None = Field(
        None, max_length=1000, description="An existing folder under the data root to store it in; default uploads."
    )


class UploadResult(ApiModel):
    path: str = Field(description="Path relative to the data root, for a source node's `params.path`.")
    size: int
    source_module: str | None = Field(description="A source module that reads this file type.")


class FilesQuery(ApiModel):
    dir: str = Field("", max_length=1000, description="Folder relative to the data root; empty: the root itself.")
    module: str | None = Field(
        None, max_length=200, description="A source or sink module: only the files its format adapter handles."
    )


class FolderEntry(ApiModel):
    name: str
    path: str = Field(description="Relative to the data root.")
    modified: datetime


class FileEntry(ApiModel):
    name: str
    path: str = Field(description="Relative to the data root, for a source or sink node's `params.path`.")
    size: int
    modified: datetime
    source_module: str | None = Field(description="A source module that reads this file type.")


class FileListing(ApiModel):
    dir: str = Field(description="The folder listed, relative to the data root ('' for the root).")
    parent: str | None = Field(description="Its parent folder; null at the data root.")
    folders: list[FolderEntry]
    files: list[FileEntry]
    left_out: int = Field(
        description="Entries not listed: hidden, leading outside the data root, of another format, or past the limit."
    )


class ProbeQuery(ApiModel):
    path: str = Field(min_length=1, max_length=1000, description="File path relative to the data root.")
    module: str | None = Field(None, max_length=200, description="Source module whose params apply.")
    params: str | None = Field(None, max_length=100_000, description="The source node's params as JSON.")
    rows: int = Field(10, ge=1, le=100)


class ProbeResult(ApiModel):
    path: str
    module: str
    columns: list[Column]
    rows: list[list[Any]]


class LaunchRequest(ApiModel):
    flowchart: FlowchartName


class LaunchResult(ApiModel):
    run_id: str
    flowchart: str
    url: str = Field(description="The run's page in the Dagster UI.")


class NodeStatus(ApiModel):
    state: NodeState
    error: str | None = None
    row_count: int | None = None
    columns: dict[str, list[str]] = Field(default_factory=dict, description="Column names per output port.")


class RunStatus(ApiModel):
    run_id: str
    flowchart: str
    status: str = Field(description="Dagster's run status (QUEUED, STARTED, SUCCESS, FAILURE, ...).")
    finished: bool
    url: str
    error: str | None = Field(None, description="A run-level failure not tied to a node.")
    nodes: dict[str, NodeStatus]


class OutputPreview(ApiModel):
    port: str
    row_count: int | None
    columns: list[Column]
    header: list[str]
    rows: list[list[str]]
    note: str | None = Field(None, description="e.g. '230 more rows'.")


PAGE_LIMIT = 500


class PageQuery(ApiModel):
    offset: int = Field(0, ge=0, description="First row of the page (0-based).")
    limit: int = Field(50, ge=1, le=PAGE_LIMIT, description=f"Rows in the page, at most {PAGE_LIMIT}.")
    port: str | None = Field(None, max_length=200, description="Output port; default: the node's first.")


class StatsQuery(ApiModel):
    port: str | None = Field(None, max_length=200, description="Output port; default: the node's first.")


class RowPage(ApiModel):
    port: str
    offset: int
    total_rows: int
    columns: list[Column]
    rows: list[list[Any]] = Field(
        description="JSON-safe cells: decimals and integers past 2**53 as text, NaN and ±Infinity as "
        "'NaN'/'Infinity'/'-Infinity', dates and times in ISO 8601 (with the zone when the column has one), "
        "bytes as 'base64:…', lists and structs as arrays and objects."
    )


class NodePreview(ApiModel):
    run_id: str
    node: str
    state: NodeState
    error: str | None = None
    outputs: list[OutputPreview]
    page: RowPage | None = Field(None, description="Rows of the stored output; null when it was not stored.")
    page_note: str | None = Field(None, description="Why there is no page, when there is none.")


class HistogramBin(ApiModel):
    start: Any
    end: Any = Field(description="Exclusive, except for the last bin.")
    count: int


class TopValue(ApiModel):
    value: Any
    count: int


class ColumnStats(ApiModel):
    name: str
    type: str = Field(description="Arrow type name.")
    kind: Literal["numeric", "temporal", "text", "boolean", "other"]
    nulls: int
    distinct: int | None = Field(description="Distinct non-null values; null for nested, binary and time types.")
    distinct_approximate: bool = Field(description="HyperLogLog estimate (tables over 200,000 rows).")
    min: Any = None
    max: Any = Field(None, description="NaN is left out of a float column's min and max.")
    bins: list[HistogramBin] = Field(default_factory=list, description="Numbers and dates: equal-width bins.")
    top: list[TopValue] = Field(default_factory=list, description="Text and booleans: the most frequent values.")
    other: int = Field(0, description="Non-null rows outside `top`.")


class NodeStats(ApiModel):
    run_id: str
    node: str
    port: str
    row_count: int
    columns: list[ColumnStats]


class EditorConfig(ApiModel):
    dagster_url: str
    max_upload_mb: float
    token_required: bool
