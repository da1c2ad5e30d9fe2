"""MLMD ``LineageGraph`` ↔ ``networkx.MultiDiGraph``.

Nodes are keyed ``artifact:ID`` and ``execution:ID``; their attributes are ``kind``, ``id``,
``type``, ``type_id``, ``name``, ``uri`` (artifacts), ``state`` (artifact state or execution
last known state, by name), ``external_id``, ``create_time_since_epoch``,
``last_update_time_since_epoch``, ``properties`` and ``custom_properties`` (dicts of plain Python
values: int, float, str, bool, dict/list for structs, ``google.protobuf.Any`` for proto values),
``contexts`` (context keys), and ``hops`` when known. Edges follow the data: artifact → execution
for input events, execution → artifact for output events; the edge key is the event id and the
attributes are ``type`` (name), ``path`` (a list of int/str steps) and
``milliseconds_since_epoch``. Types and contexts ride along in ``G.graph``. ``from_networkx``
turns such a graph back into the same ``LineageGraph``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import networkx as nx
from google.protobuf import json_format

from lineage.errors import InvalidArgumentError
from lineage.proto import metadata_store_pb2 as pb

__all__ = ["from_networkx", "python_value", "to_networkx", "value_from_python"]

INPUT_TYPES = frozenset({2, 3, 5})


def python_value(value: Any) -> Any:
    """A ``Value`` proto as a plain Python value."""
    which = value.WhichOneof("value")
    if which == "struct_value":
        return json_format.MessageToDict(value.struct_value)
    if which == "proto_value":
        copy = type(value.proto_value)()
        copy.CopyFrom(value.proto_value)
        return copy
    if which is None:
        return None
    return getattr(value, which)


def value_from_python(target: Any, value: Any, where: str) -> None:
    """Fill a ``Value`` proto from a Python value (the inverse of :func:`python_value`)."""
    if isinstance(value, bool):
        target.bool_value = value
    elif isinstance(value, int):
        target.int_value = value
    elif isinstance(value, float):
        target.double_value = value
    elif isinstance(value, str):
        target.string_value = value
    elif isinstance(value, (dict, list)):
        target.struct_value.update(value if isinstance(value, dict) else {"items": value})
    elif getattr(getattr(value, "DESCRIPTOR", None), "full_name", "") == "google.protobuf.Any":
        target.proto_value.CopyFrom(value)
    else:
        raise InvalidArgumentError(
            f"{where}: cannot store a {type(value).__name__} as a property value"
        )


def _props(values: Any) -> dict[str, Any]:
    return {name: python_value(v) for name, v in sorted(values.items())}


def _node_attrs(kind: str, node: Any) -> dict[str, Any]:
    attrs: dict[str, Any] = {
        "kind": kind,
        "id": node.id,
        "type": node.type,
        "type_id": node.type_id,
        "name": node.name if node.HasField("name") else None,
        "external_id": node.external_id if node.HasField("external_id") else None,
        "create_time_since_epoch": node.create_time_since_epoch,
        "last_update_time_since_epoch": node.last_update_time_since_epoch,
        "properties": _props(node.properties),
        "custom_properties": _props(node.custom_properties),
    }
    if kind == "artifact":
        attrs["uri"] = node.uri if node.HasField("uri") else None
        attrs["state"] = pb.Artifact.State.Name(node.state) if node.HasField("state") else None
    else:
        attrs["state"] = (
            pb.Execution.State.Name(node.last_known_state)
            if node.HasField("last_known_state")
            else None
        )
    return attrs


def _path(event: Any) -> list[int | str]:
    return [s.index if s.HasField("index") else s.key for s in event.path.steps]


def to_networkx(
    graph: Any, *, hops: Mapping[str, int] | None = None, focus: tuple[str, ...] = ()
) -> Any:
    """A ``networkx.MultiDiGraph`` of an MLMD ``LineageGraph`` (see the module docstring)."""
    g = nx.MultiDiGraph()
    g.graph["artifact_types"] = {t.id: t for t in graph.artifact_types}
    g.graph["execution_types"] = {t.id: t for t in graph.execution_types}
    g.graph["context_types"] = {t.id: t for t in graph.context_types}
    g.graph["contexts"] = {f"context:{c.id}": c for c in graph.contexts}
    g.graph["focus"] = tuple(focus)
    members: dict[str, list[str]] = {}
    for a in graph.attributions:
        members.setdefault(f"artifact:{a.artifact_id}", []).append(f"context:{a.context_id}")
    for a in graph.associations:
        members.setdefault(f"execution:{a.execution_id}", []).append(f"context:{a.context_id}")
    for kind, nodes in (("artifact", graph.artifacts), ("execution", graph.executions)):
        for node in sorted(nodes, key=lambda n: n.id):
            node_key = f"{kind}:{node.id}"
            attrs = _node_attrs(kind, node)
            attrs["contexts"] = sorted(set(members.get(node_key, [])))
            if hops is not None and node_key in hops:
                attrs["hops"] = hops[node_key]
            g.add_node(node_key, **attrs)
    for event in graph.events:
        a_key, x_key = f"artifact:{event.artifact_id}", f"execution:{event.execution_id}"
        src, dst = (a_key, x_key) if event.type in INPUT_TYPES else (x_key, a_key)
        g.add_edge(
            src,
            dst,
            key=(event.artifact_id, event.execution_id, event.type),
            type=pb.Event.Type.Name(event.type),
            path=_path(event),
            milliseconds_since_epoch=event.milliseconds_since_epoch
            if event.HasField("milliseconds_since_epoch")
            else None,
        )
    return g


def _node_from_attrs(kind: str, node_key: str, attrs: Mapping[str, Any]) -> Any:
    node: Any = pb.Artifact() if kind == "artifact" else pb.Execution()
    node.id = int(attrs.get("id", node_key.split(":")[1]))
    if attrs.get("type_id") is not None:
        node.type_id = int(attrs["type_id"])
    if attrs.get("type"):
        node.type = attrs["type"]
    if attrs.get("name") is not None:
        node.name = attrs["name"]
    if attrs.get("external_id") is not None:
        node.external_id = attrs["external_id"]
    for field in ("create_time_since_epoch", "last_update_time_since_epoch"):
        if attrs.get(field) is not None:
            setattr(node, field, int(attrs[field]))
    if kind == "artifact":
        if attrs.get("uri") is not None:
            node.uri = attrs["uri"]
        if attrs.get("state") is not None:
            node.state = pb.Artifact.State.Value(attrs["state"])
    elif attrs.get("state") is not None:
        node.last_known_state = pb.Execution.State.Value(attrs["state"])
    for field in ("properties", "custom_properties"):
        for name, value in (attrs.get(field) or {}).items():
            value_from_python(getattr(node, field)[name], value, f"{node_key}.{field}['{name}']")
    return node


def from_networkx(g: Any) -> Any:
    """An MLMD ``LineageGraph`` from a graph shaped like :func:`to_networkx`'s output.

    Raises:
        InvalidArgumentError: A node key or edge does not fit the lineage shape.
    """
    graph = pb.LineageGraph()
    graph.artifact_types.extend(g.graph.get("artifact_types", {}).values())
    graph.execution_types.extend(g.graph.get("execution_types", {}).values())
    graph.context_types.extend(g.graph.get("context_types", {}).values())
    graph.contexts.extend(g.graph.get("contexts", {}).values())
    for node_key, attrs in sorted(g.nodes(data=True)):
        kind = str(node_key).partition(":")[0]
        if kind not in ("artifact", "execution"):
            raise InvalidArgumentError(
                f"node {node_key!r}: keys must be 'artifact:ID' or 'execution:ID'"
            )
        node = _node_from_attrs(kind, str(node_key), attrs)
        (graph.artifacts if kind == "artifact" else graph.executions).append(node)
        for context_key in attrs.get("contexts", ()):
            context_id = int(str(context_key).partition(":")[2])
            if kind == "artifact":
                graph.attributions.add(artifact_id=node.id, context_id=context_id)
            else:
                graph.associations.add(execution_id=node.id, context_id=context_id)
    for src, dst, attrs in g.edges(data=True):
        a_key, x_key = (src, dst) if str(src).startswith("artifact:") else (dst, src)
        if not (str(a_key).startswith("artifact:") and str(x_key).startswith("execution:")):
            raise InvalidArgumentError(
                f"edge {src!r} -> {dst!r} must join an artifact and an execution"
            )
        event = graph.events.add(
            artifact_id=int(str(a_key).partition(":")[2]),
            execution_id=int(str(x_key).partition(":")[2]),
            type=pb.Event.Type.Value(attrs.get("type", "UNKNOWN")),
        )
        for step in attrs.get("path", ()):
            if isinstance(step, int):
                event.path.steps.add().index = step
            else:
                event.path.steps.add().key = str(step)
        if attrs.get("milliseconds_since_epoch") is not None:
            event.milliseconds_since_epoch = int(attrs["milliseconds_since_epoch"])
    return graph
