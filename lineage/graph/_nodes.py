"""Naming nodes: keys like ``artifact:12``, and turning what callers pass into (kind, id)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from lineage.errors import InvalidArgumentError
from lineage.query import Attribute, InList, StringLiteral

__all__ = ["NodeKey", "as_of_ms", "key", "parse_key", "resolve_nodes", "type_filter"]

#: A node key: "artifact:12", "execution:3" or "context:5".
NodeKey = str
KINDS = ("artifact", "execution", "context")


def key(kind: str, node_id: int) -> NodeKey:
    """The key of a node."""
    return f"{kind}:{int(node_id)}"


def parse_key(text: NodeKey) -> tuple[str, int]:
    """Split a node key into (kind, id).

    Raises:
        InvalidArgumentError: The text is not a node key.
    """
    kind, _, ident = str(text).partition(":")
    if kind not in KINDS or not ident.isdigit():
        raise InvalidArgumentError(
            f"not a node key (expected 'artifact:ID' or 'execution:ID'): {text!r}"
        )
    return kind, int(ident)


def _one(store: Any, node: Any) -> tuple[str, int]:
    descriptor = getattr(node, "DESCRIPTOR", None)
    if descriptor is not None:
        name = descriptor.full_name
        if name in ("ml_metadata.Artifact", "ml_metadata.Execution", "ml_metadata.Context"):
            if not node.HasField("id"):
                raise InvalidArgumentError(f"the {name.split('.')[1]} has no id: store it first")
            return name.split(".")[1].lower(), int(node.id)
        raise InvalidArgumentError(f"a node must be an Artifact, Execution or Context, got {name}")
    if isinstance(node, tuple) and len(node) == 2 and node[0] in KINDS:
        return str(node[0]), int(node[1])
    if isinstance(node, bool):
        raise InvalidArgumentError(f"not a node: {node!r}")
    if isinstance(node, int):
        return "artifact", int(node)
    ref = getattr(node, "ref", None)
    if isinstance(ref, str):  # a lineage.store.naming.NodeRef
        return parse_key(ref)
    if isinstance(node, str):
        from lineage.store.naming import resolve_node

        found = resolve_node(store, node)
        return found.kind, int(found.id)
    raise InvalidArgumentError(
        "a node is an Artifact/Execution proto, an artifact id, 'artifact:ID', 'TYPE:NAME' or a "
        f"URI; got {type(node).__name__}"
    )


def resolve_nodes(store: Any, nodes: Any) -> tuple[list[int], list[int]]:
    """Split one node or many into (artifact ids, execution ids).

    Raises:
        InvalidArgumentError: A node names a context or is not a node at all.
        NotFoundError: A name matches no node.
    """
    items: Iterable[Any] = (
        nodes
        if isinstance(nodes, (list, tuple, set, frozenset))
        and not (isinstance(nodes, tuple) and len(nodes) == 2 and nodes[0] in KINDS)
        else [nodes]
    )
    artifacts: list[int] = []
    executions: list[int] = []
    for item in items:
        kind, ident = _one(store, item)
        if kind == "artifact":
            artifacts.append(ident)
        elif kind == "execution":
            executions.append(ident)
        else:
            raise InvalidArgumentError(
                f"context:{ident} is a context; lineage walks start from artifacts or executions"
            )
    if not artifacts and not executions:
        raise InvalidArgumentError("no node to start from")
    return artifacts, executions


def type_filter(types: Iterable[str] | None) -> Any:
    """A filter tree matching nodes whose type name is one of ``types`` (None: no filter)."""
    if types is None:
        return None
    names = [str(t) for t in types]
    if not names:
        raise InvalidArgumentError("types is empty: give at least one type name, or None")
    return InList(Attribute("type", "STRING"), tuple(StringLiteral(n) for n in names))


def as_of_ms(value: Any) -> int | None:
    """A point in time as milliseconds since the epoch (datetime, seconds, or ms as int)."""
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.timezone.utc)
        return int(value.timestamp() * 1000)
    if isinstance(value, dt.date):
        return int(
            dt.datetime(value.year, value.month, value.day, tzinfo=dt.timezone.utc).timestamp()
            * 1000
        )
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return int(value)
    raise InvalidArgumentError(
        f"as_of must be a datetime or milliseconds since the epoch, got {value!r}"
    )
