"""``lineage show NODE``: everything about one artifact, execution or context."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click
from rich.text import Text

import lineage
from lineage.cli._app import AppState, db_option, json_option, pass_state
from lineage.cli._output import (
    emit,
    enum_name,
    event_path,
    format_time,
    format_value,
    print_fields,
    print_json,
    print_table,
    proto_dict,
)
from lineage.errors import NotFoundError
from lineage.store.naming import NodeRef, format_node_ref, resolve_node

__all__ = ["describe", "show"]

#: Event types (``ml_metadata.Event.Type``) that lead from an artifact into an execution.
INPUT_EVENTS = frozenset({"DECLARED_INPUT", "INPUT", "INTERNAL_INPUT"})
#: Event types that lead from an execution to an artifact.
OUTPUT_EVENTS = frozenset({"DECLARED_OUTPUT", "OUTPUT", "INTERNAL_OUTPUT", "PENDING_OUTPUT"})
#: Rows of one related-node table shown before "... and N more" (--json shows all).
MAX_ROWS = 50


def _ref_dict(kind: str, node: Any) -> dict[str, Any]:
    return {"ref": f"{kind}:{node.id}", "label": format_node_ref(kind, node), **proto_dict(node)}


def _contexts_of(store: lineage.MetadataStore, ref: NodeRef) -> list[Any]:
    getter = (
        store.get_contexts_by_artifact
        if ref.kind == "artifact"
        else store.get_contexts_by_execution
    )
    try:
        return list(getter(ref.id))
    except NotFoundError:  # ml-metadata's way of saying "none"
        return []


def _type_of(store: lineage.MetadataStore, ref: NodeRef) -> Any | None:
    getter = getattr(store, f"get_{ref.kind}_types_by_id")
    found = getter([ref.node.type_id])
    return found[0] if found else None


def _edges(
    store: lineage.MetadataStore, ref: NodeRef
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


def describe(
    store: lineage.MetadataStore, ref: NodeRef, type_message: Any | None = None
) -> dict[str, Any]:
    """Everything ``show`` prints about a node, as a JSON-ready dict (public API calls only).

    Args:
        store: The store.
        ref: The node, as :func:`~lineage.store.naming.resolve_node` found it.
        type_message: The node's type, when the caller has it already.
    """
    if type_message is None:
        type_message = _type_of(store, ref)
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


# ------------------------------------------------------------------------------ printing
def _field_rows(ref: NodeRef, type_message: Any | None) -> list[tuple[str, str]]:
    node = ref.node
    type_text = node.type or f"id {node.type_id}"
    if type_message is not None:
        if type_message.version:
            type_text += f" (version {type_message.version})"
        descriptor = type_message.DESCRIPTOR
        if "base_type" in descriptor.fields_by_name and type_message.HasField("base_type"):
            type_text += f", base type {enum_name(type_message, 'base_type')}"
    rows = [("kind", ref.kind), ("id", str(node.id)), ("type", type_text)]
    rows.append(("name", node.name))
    if ref.kind == "artifact":
        rows.append(("uri", node.uri))
        rows.append(("state", enum_name(node, "state") if node.HasField("state") else ""))
    if ref.kind == "execution":
        has_state = node.HasField("last_known_state")
        rows.append(("state", enum_name(node, "last_known_state") if has_state else ""))
    rows.append(("external id", node.external_id))
    rows.append(("created", format_time(node.create_time_since_epoch)))
    rows.append(("updated", format_time(node.last_update_time_since_epoch)))
    return [(k, v) for k, v in rows if v or k in ("name", "id")]


def _print_properties(node: Any) -> None:
    rows = [[k, "property", format_value(node.properties[k])] for k in sorted(node.properties)]
    rows += [
        [k, "custom", format_value(node.custom_properties[k])]
        for k in sorted(node.custom_properties)
    ]
    if rows:
        print_table("Properties", ["name", "kind", "value"], rows, fold=("value",))


def _print_refs(title: str, items: Sequence[dict[str, Any]]) -> None:
    if items:
        rows = [[item["label"]] for item in items[:MAX_ROWS]]
        print_table(title, ["node"], rows, fold=("node",))
        _more(len(items))


def _print_events(title: str, items: Sequence[dict[str, Any]], other_kind: str) -> None:
    if not items:
        return
    rows = []
    for item in items[:MAX_ROWS]:
        other = item[other_kind]
        label = other["label"] if other is not None else f"{other_kind} (missing)"
        event = item["event"]
        time = format_time(int(event.get("milliseconds_since_epoch", 0)))
        rows.append([label, item["event_type"], item["path"], time])
    print_table(title, [other_kind, "event", "path", "time"], rows, fold=(other_kind,))
    _more(len(items))


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _more(total: int) -> None:
    if total > MAX_ROWS:
        click.echo(f"... and {total - MAX_ROWS} more (--json lists them all)")


def _print(ref: NodeRef, type_message: Any | None, data: dict[str, Any]) -> None:
    emit(Text(data["label"], style="bold"))
    fields = _field_rows(ref, type_message)
    if ref.kind == "context":
        members = data["members"]
        fields.append(
            (
                "members",
                f"{_count(members['artifacts'], 'artifact')}, "
                f"{_count(members['executions'], 'execution')}",
            )
        )
    print_fields(fields)
    _print_properties(ref.node)
    if ref.kind == "context":
        _print_refs("Parent contexts", data["parents"])
        _print_refs("Child contexts", data["children"])
        return
    _print_refs("Contexts", data["contexts"])
    if ref.kind == "artifact":
        _print_events("Produced by", data["produced_by"], "execution")
        _print_events("Consumed by", data["consumed_by"], "execution")
        _print_events("Other events", data.get("other_events", []), "execution")
    else:
        _print_events("Inputs", data["inputs"], "artifact")
        _print_events("Outputs", data["outputs"], "artifact")
        _print_events("Other events", data.get("other_events", []), "artifact")


@click.command("show")
@click.argument("node", metavar="NODE")
@db_option
@json_option
@pass_state
def show(state: AppState, node: str, as_json: bool) -> None:
    """Show everything about one node: fields, properties, contexts and events.

    NODE is artifact:ID, execution:ID, context:ID, TYPE:NAME, an artifact URI or a name. For an
    artifact, the executions that produced and consumed it; for an execution, its inputs and
    outputs; for a context, its parents, children and member counts.
    """
    with state.open_store() as store:
        ref = resolve_node(store, node)
        type_message = _type_of(store, ref)
        data = describe(store, ref, type_message)
    if as_json:
        print_json(data)
    else:
        _print(ref, type_message, data)
