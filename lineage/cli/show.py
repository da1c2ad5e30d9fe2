"""``lineage show NODE``: everything about one artifact, execution or context."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import click
from rich.text import Text

from lineage.cli._app import AppState, db_option, json_option, pass_state
from lineage.cli._output import (
    emit,
    enum_name,
    format_time,
    format_value,
    print_fields,
    print_json,
    print_table,
)
from lineage.graph.describe import describe, node_type
from lineage.store.naming import NodeRef, resolve_node

__all__ = ["describe", "show"]

#: Rows of one related-node table shown before "... and N more" (--json shows all).
MAX_ROWS = 50


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
    from lineage.openlineage import facet_rows, is_facet_property

    rows = [[k, "property", format_value(node.properties[k])] for k in sorted(node.properties)]
    rows += [
        [k, "custom", format_value(node.custom_properties[k])]
        for k in sorted(node.custom_properties)
        if not is_facet_property(k)
    ]
    if rows:
        print_table("Properties", ["name", "kind", "value"], rows, fold=("value",))
    facets = [list(row) for row in facet_rows(node)]
    if facets:
        print_table("OpenLineage", ["facet", "value"], facets, fold=("value",))


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
        type_message = node_type(store, ref)
        data = describe(store, ref, type_message)
    if as_json:
        print_json(data)
    else:
        _print(ref, type_message, data)
