"""Keep each API's data-flow graph beside its originals as JSON, written in the same staged commit."""

from __future__ import annotations

import json
from pathlib import Path

from src.rag.planning.graph import DataFlowGraph, build_graph
from src.rag.types import ApiSpec

FLOW_JSON = "dataflow.json"


def write_graph(folder: Path, spec: ApiSpec) -> DataFlowGraph:
    """Build the graph of ``spec`` and write it into an API's (staging) folder."""
    graph = build_graph(spec)
    (Path(folder) / FLOW_JSON).write_text(json.dumps(graph.to_json(), separators=(",", ":")))
    return graph


def read_graph(folder: Path, spec: ApiSpec) -> DataFlowGraph:
    """Read the stored graph; an API indexed before graphs existed gets one built (and stored) now."""
    path = Path(folder) / FLOW_JSON
    try:
        return DataFlowGraph.from_json(json.loads(path.read_text()))
    except (OSError, ValueError, KeyError, TypeError):
        pass
    graph = build_graph(spec)
    try:
        path.write_text(json.dumps(graph.to_json(), separators=(",", ":")))
    except OSError:
        pass  # a read-only library still plans, it only rebuilds the graph next time
    return graph
