"""Flowchart spec: parse and validate flowcharts into `ValidFlowchart` objects.

The entry points: `parse_flowchart` (YAML or JSON text), `parse_mapping` (a document already
parsed, e.g. the editor's), and `validate_params` (one node's params again, e.g. edited for one run).
Files are listed and read by `dataops.flowcharts`.
"""

from dataops.spec.graph import ValidFlowchart, Wire
from dataops.spec.loader import MAX_BYTES, parse_flowchart, parse_mapping
from dataops.spec.models import Edge, Flowchart, Node
from dataops.spec.problems import validate_params

__all__ = [
    "MAX_BYTES",
    "Edge",
    "Flowchart",
    "Node",
    "ValidFlowchart",
    "Wire",
    "parse_flowchart",
    "parse_mapping",
    "validate_params",
]
