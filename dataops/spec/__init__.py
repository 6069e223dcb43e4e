"""Flowchart spec: parse and validate flowchart files into `ValidFlowchart` objects."""

from dataops.spec.graph import ValidFlowchart, Wire
from dataops.spec.loader import FLOWCHART_SUFFIXES, load_flowchart, parse_flowchart
from dataops.spec.models import Edge, Flowchart, Node

__all__ = [
    "FLOWCHART_SUFFIXES",
    "Edge",
    "Flowchart",
    "Node",
    "ValidFlowchart",
    "Wire",
    "load_flowchart",
    "parse_flowchart",
]
