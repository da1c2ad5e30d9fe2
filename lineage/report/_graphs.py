"""The lineage graphs reports draw: merging walks, leaving out erasure receipts, edge lists."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from lineage import conventions as cv
from lineage.graph import key
from lineage.proto import metadata_store_pb2 as pb

__all__ = ["event_list", "merge", "without_receipts"]

_INPUT_TYPES = frozenset({pb.Event.INPUT, pb.Event.DECLARED_INPUT, pb.Event.INTERNAL_INPUT})


def merge(graphs: Iterable[Any]) -> Any:
    """One ``LineageGraph`` holding the nodes, types, contexts and events of all ``graphs``."""
    out = pb.LineageGraph()
    parts = list(graphs)
    for name in (
        "artifact_types",
        "execution_types",
        "context_types",
        "artifacts",
        "executions",
        "contexts",
    ):
        seen: set[int] = set()
        for graph in parts:
            for item in getattr(graph, name):
                if item.id not in seen:
                    seen.add(item.id)
                    getattr(out, name).append(item)
    for name, fields in (
        ("events", ("artifact_id", "execution_id", "type")),
        ("attributions", ("artifact_id", "context_id")),
        ("associations", ("execution_id", "context_id")),
    ):
        keys: set[tuple[Any, ...]] = set()
        for graph in parts:
            for item in getattr(graph, name):
                k = tuple(getattr(item, f) for f in fields)
                if name == "events":
                    k += (item.path.SerializeToString(deterministic=True),)
                if k not in keys:
                    keys.add(k)
                    getattr(out, name).append(item)
    return out


def without_receipts(graph: Any) -> Any:
    """``graph`` without ``Erasure`` executions (receipts) and their events."""
    receipts = {x.id for x in graph.executions if x.type == cv.ERASURE_TYPE}
    if not receipts:
        return graph
    out = pb.LineageGraph()
    out.CopyFrom(graph)
    del out.executions[:]
    out.executions.extend(x for x in graph.executions if x.id not in receipts)
    del out.events[:]
    out.events.extend(e for e in graph.events if e.execution_id not in receipts)
    del out.associations[:]
    out.associations.extend(a for a in graph.associations if a.execution_id not in receipts)
    return out


def _path(event: Any) -> str:
    parts = []
    for step in event.path.steps:
        parts.append(str(step.index) if step.HasField("index") else step.key)
    return ".".join(parts)


def event_list(graph: Any) -> list[dict[str, Any]]:
    """The events of ``graph`` as data-flow edges, sorted: ``{"from", "to", "type", "path"}``."""
    out = []
    for event in graph.events:
        a, x = key("artifact", event.artifact_id), key("execution", event.execution_id)
        src, dst = (a, x) if event.type in _INPUT_TYPES else (x, a)
        out.append(
            {"from": src, "to": dst, "type": pb.Event.Type.Name(event.type), "path": _path(event)}
        )
    return sorted(out, key=lambda e: (e["from"], e["to"], e["type"], e["path"]))
