"""Everything about one node, as JSON-ready data: ``lineage show``, the web app and reports.

:func:`describe` gathers a node's fields, type, contexts and events (with the node at the other
end of each) through the public ``MetadataStore`` API; :func:`proto_dict` turns any MLMD proto
into a dict with proto field names.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from typing import Any, Final

from google.protobuf import json_format
from google.protobuf.message import Message

from lineage.errors import NotFoundError
from lineage.store.naming import NodeRef, format_node_ref

__all__ = [
    "INPUT_EVENTS",
    "OUTPUT_EVENTS",
    "describe",
    "enum_name",
    "event_path",
    "node_type",
    "proto_dict",
]

#: Event types (``ml_metadata.Event.Type``) that lead from an artifact into an execution.
INPUT_EVENTS: Final = frozenset({"DECLARED_INPUT", "INPUT", "INTERNAL_INPUT"})
#: Event types that lead from an execution to an artifact.
OUTPUT_EVENTS: Final = frozenset({"DECLARED_OUTPUT", "OUTPUT", "INTERNAL_OUTPUT", "PENDING_OUTPUT"})


def event_path(event: Any) -> str:
    """An event's path as ``key[0].other``; '' when it has none."""
    out = ""
    for step in event.path.steps:
        if step.WhichOneof("value") == "index":
            out += f"[{step.index}]"
        else:
            out += ("." if out else "") + step.key
    return out


def _value_dict(value: Any) -> dict[str, Any]:
    try:
        return _to_dict(value)
    except (TypeError, KeyError):  # a proto_value whose message type is not known here
        any_value = value.proto_value
        return {
            "proto_value": {
                "type_url": any_value.type_url,
                "value": base64.b64encode(any_value.value).decode("ascii"),
            }
        }


def _to_dict(message: Message) -> dict[str, Any]:
    return json_format.MessageToDict(message, preserving_proto_field_name=True)


def proto_dict(message: Message) -> dict[str, Any]:
    """A proto as a JSON-ready dict (proto3 JSON mapping, proto field names).

    Property values whose ``proto_value`` holds an unknown message type are given as its type URL
    and base64 bytes instead of failing.
    """
    try:
        return _to_dict(message)
    except (TypeError, KeyError):
        pass
    copy = type(message)()
    copy.CopyFrom(message)
    out_props: dict[str, Mapping[str, Any]] = {}
    for field in ("properties", "custom_properties"):
        if hasattr(copy, field):
            out_props[field] = {k: _value_dict(v) for k, v in getattr(copy, field).items()}
            copy.ClearField(field)
    out = _to_dict(copy)
    out.update({k: dict(v) for k, v in out_props.items() if v})
    return out


def enum_name(message: Any, field: str) -> str:
    """The name of the enum value in ``message.field`` (its number when the name is unknown)."""
    value = getattr(message, field)
    enum = message.DESCRIPTOR.fields_by_name[field].enum_type
    found = enum.values_by_number.get(value)
    return str(found.name) if found is not None else str(value)


def _ref_dict(kind: str, node: Any) -> dict[str, Any]:
    return {"ref": f"{kind}:{node.id}", "label": format_node_ref(kind, node), **proto_dict(node)}


def _contexts_of(store: Any, ref: NodeRef) -> list[Any]:
    getter = (
        store.get_contexts_by_artifact
        if ref.kind == "artifact"
        else store.get_contexts_by_execution
    )
    try:
        return list(getter(ref.id))
    except NotFoundError:  # ml-metadata's way of saying "none"
        return []


def node_type(store: Any, ref: NodeRef) -> Any | None:
    getter = getattr(store, f"get_{ref.kind}_types_by_id")
    found = getter([ref.node.type_id])
    return found[0] if found else None


def _edges(
    store: Any, ref: NodeRef
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """The events of an artifact or execution with the node at their other end.

    Returns:
        (input-like, output-like, other) events, each as {"event": ..., OTHER_KIND: ...}.
    """
    if ref.kind == "artifact":
        events = store.get_events_by_artifact_ids([ref.id])
        other_kind, other_ids = "execution", sorted({e.execution_id for e in events})
        others = store.get_executions_by_id(other_ids) if other_ids else []
    else:
        events = store.get_events_by_execution_ids([ref.id])
        other_kind, other_ids = "artifact", sorted({e.artifact_id for e in events})
        others = store.get_artifacts_by_id(other_ids) if other_ids else []
    by_id = {o.id: o for o in others}
    inputs: list[dict[str, Any]] = []
    outputs: list[dict[str, Any]] = []
    rest: list[dict[str, Any]] = []
    for event in sorted(events, key=lambda e: (e.milliseconds_since_epoch, e.artifact_id)):
        other_id = event.execution_id if ref.kind == "artifact" else event.artifact_id
        other = by_id.get(other_id)
        item = {
            "event": proto_dict(event),
            "event_type": enum_name(event, "type"),
            "path": event_path(event),
            other_kind: _ref_dict(other_kind, other) if other is not None else None,
        }
        kind = item["event_type"]
        (inputs if kind in INPUT_EVENTS else outputs if kind in OUTPUT_EVENTS else rest).append(
            item
        )
    return inputs, outputs, rest


def describe(store: Any, ref: NodeRef, type_message: Any | None = None) -> dict[str, Any]:
    """Everything ``show`` prints about a node, as a JSON-ready dict (public API calls only).

    Args:
        store: The store.
        ref: The node, as :func:`~lineage.store.naming.resolve_node` found it.
        type_message: The node's type, when the caller has it already.
    """
    if type_message is None:
        type_message = node_type(store, ref)
    data: dict[str, Any] = {
        "kind": ref.kind,
        "id": ref.id,
        "ref": ref.ref,
        "label": format_node_ref(ref.kind, ref.node),
        "node": proto_dict(ref.node),
        "type": proto_dict(type_message) if type_message is not None else None,
    }
    if ref.kind == "context":
        parents = store.get_parent_contexts_by_context(ref.id)
        children = store.get_children_contexts_by_context(ref.id)
        data["parents"] = [_ref_dict("context", c) for c in parents]
        data["children"] = [_ref_dict("context", c) for c in children]
        data["members"] = {
            "artifacts": len(store.get_artifacts_by_context(ref.id)),
            "executions": len(store.get_executions_by_context(ref.id)),
        }
        return data
    data["contexts"] = [_ref_dict("context", c) for c in _contexts_of(store, ref)]
    inputs, outputs, rest = _edges(store, ref)
    if ref.kind == "artifact":
        data["consumed_by"], data["produced_by"] = inputs, outputs
    else:
        data["inputs"], data["outputs"] = inputs, outputs
    if rest:
        data["other_events"] = rest
    return data
