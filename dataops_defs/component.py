"""`dataops.FlowchartComponent`: flowcharts declared in any `dg` project's `defs.yaml`.

A `defs.yaml` gives the flowchart inline (`flowchart:`), or names a flowchart file or a folder of
them (`path:`, relative to the `defs.yaml`). The component compiles them exactly as this project's
own code location does, so a component's flowchart runs, previews and fails the same way.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Annotated, Any

import dagster as dg
import yaml
from dagster_shared.record import replace
from pydantic import Field, model_validator

from dataops.errors import FlowchartError, Problem, Where
from dataops.flowcharts import FlowchartSource, parse, read, read_folder
from dataops_defs.component_schema import FlowchartKeys
from dataops_defs.definitions import build_definitions

# What `dg scaffold defs dataops.FlowchartComponent NAME` writes next to the defs.yaml.
STARTER = """# A flowchart: edit it here or in the DataOps editor. Paths in params are under the data root.
name: {name}
nodes:
  - {{id: load, module: read_csv, params: {{path: {name}.csv}}}}
  - {{id: save, module: write_csv, params: {{path: out/{name}.csv}}}}
edges:
  - {{from: load, to: save}}
"""


class FlowchartScaffolder(dg.Scaffolder):
    """A `defs.yaml` pointing at a starter flowchart file named after the new folder."""

    def scaffold(self, request: dg.ScaffoldRequest) -> None:
        name = re.sub(r"\W", "_", request.target_path.name, flags=re.ASCII).lstrip("0123456789") or "flowchart"
        (request.target_path / "flowchart.yaml").write_text(STARTER.format(name=name), encoding="utf-8")
        dg.scaffold_component(request, {"path": "flowchart.yaml"})


@dg.scaffold_with(FlowchartScaffolder)
class FlowchartComponent(dg.Component, dg.Model, dg.Resolvable):
    """DataOps flowcharts as Dagster definitions: one inline under `flowchart`, or files under `path`.

    A single flowchart (inline or one file) that does not validate stops the load with the
    project's message, `flowchart › node › field`; in a folder, each broken file becomes a broken
    job of its own and never hides the others, as in the project's flowcharts folder.
    """

    flowchart: Annotated[dict[str, Any] | None, FlowchartKeys()] = Field(
        None, description="The flowchart itself (name, nodes, edges ...), as in a flowchart file."
    )
    path: str | None = Field(
        None, description="A flowchart file (.yaml, .yml, .json) or a folder of them, relative to this defs.yaml."
    )

    @model_validator(mode="after")
    def _one_source(self) -> FlowchartComponent:
        if (self.flowchart is None) == (self.path is None):
            raise ValueError("give exactly one of 'flowchart' (inline) or 'path' (a file or folder)")
        return self

    def build_defs(self, context: dg.ComponentLoadContext) -> dg.Definitions:
        sources, single = self._sources(context.path)
        defs = build_definitions(sources)
        if single:  # the project's message (`flowchart › node › field`) stops the load
            parse(sources[0])
        # The inputs no flowchart of this component writes are left to Dagster, which shows a key
        # that something depends on and nothing defines as an external asset: two components may
        # read the same file, and another component's output feeds this one (lineage across them).
        return replace(defs, assets=[a for a in defs.assets or [] if not isinstance(a, dg.AssetSpec)])

    def _sources(self, folder: Path) -> tuple[list[FlowchartSource], bool]:
        """The flowchart texts, and whether there is exactly one (inline or a single file)."""
        defs_yaml = str(folder / "defs.yaml")
        if self.flowchart is not None:
            text = yaml.safe_dump(self.flowchart, allow_unicode=True, sort_keys=False)
            return [FlowchartSource(defs_yaml, text)], True
        target = folder / str(self.path)
        if target.is_dir():
            return read_folder(target), False
        if not target.is_file():
            problem = Problem(
                Where(field="path", file=defs_yaml), f"'{self.path}' is neither a flowchart file nor a folder"
            )
            raise FlowchartError([problem])
        return [read(target)], True
