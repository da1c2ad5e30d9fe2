"""``lineage ls``: list artifacts, executions, contexts or types as a table or JSON."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import click

import lineage
from lineage.cli._app import AppState, db_option, json_option, pass_state
from lineage.cli._output import (
    enum_name,
    format_time,
    print_json,
    print_table,
    properties_summary,
    proto_dict,
    stderr_note,
)

__all__ = ["ls"]

F = TypeVar("F", bound=Callable[..., Any])

#: How many rows ``ls`` shows unless --limit says otherwise.
DEFAULT_LIMIT = 100


def _limit_option(fn: F) -> F:
    return click.option(
        "--limit",
        type=click.IntRange(min=0),
        default=DEFAULT_LIMIT,
        show_default=True,
        metavar="N",
        help="Show at most N rows (0 for all).",
    )(fn)


def _filter_option(fn: F) -> F:
    return click.option(
        "--filter",
        "filter_query",
        metavar="QUERY",
        default=None,
        help="Keep the nodes that match this MLMD filter query.",
    )(fn)


def _truncation_note(shown: int, what: str) -> None:
    stderr_note(f"showing the first {shown} {what}; pass --limit N for more (--limit 0 for all)")


def _list_nodes(
    state: AppState, kind: str, filter_query: str | None, limit: int
) -> tuple[list[Any], bool]:
    """The nodes of ``kind`` (oldest id first) and whether more were left out by ``limit``."""
    options = lineage.ListOptions(
        limit=limit + 1 if limit else None, filter_query=filter_query or None
    )
    with state.open_store() as store:
        nodes: list[Any] = getattr(store, f"get_{kind}s")(list_options=options)
    if limit and len(nodes) > limit:
        return nodes[:limit], True
    return nodes, False


def _node_rows(kind: str, nodes: list[Any]) -> tuple[list[str], list[list[str]]]:
    columns = ["id", "type", "name"]
    if kind == "artifact":
        columns += ["uri", "state"]
    elif kind == "execution":
        columns += ["state"]
    columns += ["created", "properties"]
    rows = []
    for node in nodes:
        row = [str(node.id), node.type or str(node.type_id), node.name]
        if kind == "artifact":
            row += [node.uri, enum_name(node, "state") if node.HasField("state") else ""]
        elif kind == "execution":
            has_state = node.HasField("last_known_state")
            row += [enum_name(node, "last_known_state") if has_state else ""]
        row += [format_time(node.create_time_since_epoch), properties_summary(node)]
        rows.append(row)
    return columns, rows


def _print_nodes(kind: str, nodes: list[Any], truncated: bool, as_json: bool) -> None:
    plural = f"{kind}s"
    if as_json:
        print_json([proto_dict(n) for n in nodes])
    elif not nodes:
        stderr_note(f"no {plural}")
    else:
        columns, rows = _node_rows(kind, nodes)
        print_table(None, columns, rows, fold=("name", "uri", "properties"))
    if truncated:
        _truncation_note(len(nodes), plural)


@click.group()
def ls() -> None:
    """List artifacts, executions, contexts or types."""


def _node_command(kind: str) -> click.Command:
    plural = f"{kind}s"

    @db_option
    @_filter_option
    @_limit_option
    @json_option
    @pass_state
    def command(state: AppState, filter_query: str | None, limit: int, as_json: bool) -> None:
        nodes, truncated = _list_nodes(state, kind, filter_query, limit)
        _print_nodes(kind, nodes, truncated, as_json)

    columns, example = {
        "artifact": ("id, type, name, URI, state", "type = 'Model' AND state = LIVE"),
        "execution": ("id, type, name, state", "type = 'Trainer' AND last_known_state = COMPLETE"),
        "context": ("id, type, name", "type = 'PipelineRun' AND name LIKE 'nightly-%'"),
    }[kind]
    command.__doc__ = (
        f"List {plural} in id order: {columns}, creation time and the first properties.\n\n"
        f'--filter takes MLMD\'s filter query language, e.g. "{example}".'
    )
    return click.command(plural, short_help=f"List {plural}.")(command)


for _kind in ("artifact", "execution", "context"):
    ls.add_command(_node_command(_kind))


def _base_type(type_message: Any) -> str:
    descriptor = type_message.DESCRIPTOR
    if "base_type" not in descriptor.fields_by_name or not type_message.HasField("base_type"):
        return ""
    return enum_name(type_message, "base_type")


def _property_type(type_message: Any, name: str) -> str:
    """The PropertyType name (INT, DOUBLE, STRING, ...) of one property of a type."""
    from lineage.proto import metadata_store_pb2 as pb

    return str(pb.PropertyType.Name(type_message.properties[name]))


@ls.command("types", short_help="List artifact, execution and context types.")
@db_option
@_limit_option
@json_option
@pass_state
def types(state: AppState, limit: int, as_json: bool) -> None:
    """List artifact, execution and context types: kind, id, name, version, base type, properties.

    MLMD's built-in `mlmd.*` simple types are left out, as ml-metadata does.
    """
    with state.open_store() as store:
        found = [("artifact", t) for t in store.get_artifact_types()]
        found += [("execution", t) for t in store.get_execution_types()]
        found += [("context", t) for t in store.get_context_types()]
    truncated = bool(limit) and len(found) > limit
    if truncated:
        found = found[:limit]
    if as_json:
        print_json([{"kind": f"{kind}_type", **proto_dict(t)} for kind, t in found])
    elif not found:
        stderr_note("no types")
    else:
        rows = [
            [
                kind,
                str(t.id),
                t.name,
                t.version,
                _base_type(t),
                ", ".join(f"{name}:{_property_type(t, name)}" for name in sorted(t.properties)),
            ]
            for kind, t in found
        ]
        columns = ["kind", "id", "name", "version", "base type", "properties"]
        print_table(None, columns, rows, fold=("name", "properties"))
    if truncated:
        _truncation_note(len(found), "types")
