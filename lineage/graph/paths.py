"""``path`` between two nodes and the ``common_ancestors`` of two nodes."""

from __future__ import annotations

import dataclasses
from typing import Any

from lineage.errors import NotFoundError
from lineage.graph._model import Lineage
from lineage.graph._nodes import NodeKey, key, parse_key, resolve_nodes
from lineage.graph.impact import shortest_paths
from lineage.proto import metadata_store_pb2 as pb

__all__ = ["common_ancestors", "hydrate", "path"]


def _one_key(store: Any, node: Any) -> NodeKey:
    artifacts, executions = resolve_nodes(store, node)
    return key("artifact", artifacts[0]) if artifacts else key("execution", executions[0])


def _start(node_key: NodeKey) -> tuple[list[int], list[int]]:
    kind, ident = parse_key(node_key)
    return ([ident], []) if kind == "artifact" else ([], [ident])


def hydrate(store: Any, keys: list[NodeKey], **lineage_fields: Any) -> Lineage:
    """A :class:`Lineage` of exactly these nodes and the events between them (three queries)."""
    artifacts = sorted(parse_key(k)[1] for k in keys if k.startswith("artifact:"))
    executions = sorted(parse_key(k)[1] for k in keys if k.startswith("execution:"))
    graph = pb.LineageGraph()
    if artifacts or executions:
        walk = store.walk(artifacts, executions, direction="both", max_hops=0)
        graph.CopyFrom(walk.graph)
        wanted = set(artifacts)
        graph.events.extend(
            e for e in store.get_events_by_execution_ids(executions) if e.artifact_id in wanted
        )
    defaults: dict[str, Any] = {"direction": "both", "focus": (), "hops": {k: 0 for k in keys}}
    defaults.update(lineage_fields)
    edges = tuple(
        (e.artifact_id, e.execution_id, e.type, e.milliseconds_since_epoch, 0) for e in graph.events
    )
    return Lineage(lineage_graph=graph, edges=edges, **defaults)


def path(store: Any, a: Any, b: Any) -> Lineage:
    """The shortest lineage path between two nodes, along the data flow in either direction.

    Returns:
        A :class:`Lineage` of the nodes on the path (with its events); ``highlight`` lists them
        in order from the upstream end to the downstream end.

    Raises:
        NotFoundError: Neither node is downstream of the other.

    Example:
        >>> from lineage.demo import record_demo_pipeline
        >>> store = lineage.MetadataStore("sqlite://")
        >>> ids = record_demo_pipeline(store)
        >>> path(store, ids["raw"], ids["model"]).highlight
        ('artifact:1', 'execution:1', 'artifact:2', 'execution:2', 'artifact:3')
    """
    a_key, b_key = _one_key(store, a), _one_key(store, b)
    for src, dst in ((a_key, b_key), (b_key, a_key)):
        walk = store.walk(*_start(src), direction="downstream", hydrate=False, fields=["events"])
        reached = {key("artifact", i) for i in walk.artifacts} | {
            key("execution", i) for i in walk.executions
        }
        if dst in reached:
            route = shortest_paths((src,), walk.events)[dst]
            hops = {k: i for i, k in enumerate(route)}
            return hydrate(
                store,
                list(route),
                direction="downstream",
                focus=(src, dst),
                hops=hops,
                highlight=route,
            )
    raise NotFoundError(
        f"no lineage path between {a_key} and {b_key}: neither is downstream of the other"
    )


def common_ancestors(store: Any, a: Any, b: Any) -> Lineage:
    """The nodes both ``a`` and ``b`` derive from.

    Returns:
        A :class:`Lineage` of the common ancestors and the events between them; ``highlight``
        holds the nearest ones (common ancestors with no common ancestor downstream of them).

    Example:
        >>> from lineage.demo import record_demo_pipeline
        >>> store = lineage.MetadataStore("sqlite://")
        >>> ids = record_demo_pipeline(store)
        >>> common_ancestors(store, ids["model"], ids["metrics"]).highlight
        ('artifact:3',)
    """
    a_key, b_key = _one_key(store, a), _one_key(store, b)
    walks = [
        store.walk(*_start(k), direction="upstream", hydrate=False, fields=["events"])
        for k in (a_key, b_key)
    ]
    keys_of = [
        {key("artifact", i) for i in w.artifacts} | {key("execution", i) for i in w.executions}
        for w in walks
    ]
    # A node is its own ancestor here: if a is upstream of b, a is a common ancestor.
    common = keys_of[0] & keys_of[1]
    # Ancestors of a common ancestor are common too, so the nearest ones are those with no
    # common node directly downstream of them (in a's ancestry).
    has_common_child: set[NodeKey] = set()
    for art, exe, etype, _, _ in walks[0].events:
        a_node, x_node = key("artifact", art), key("execution", exe)
        src, dst = (a_node, x_node) if etype in (2, 3, 5) else (x_node, a_node)
        if dst in common:
            has_common_child.add(src)
    nearest = tuple(sorted(c for c in common if c not in has_common_child))
    depth = {}
    for k in common:
        kind, ident = parse_key(k)
        depth[k] = min(
            (w.artifacts if kind == "artifact" else w.executions).get(ident, 0) for w in walks
        )
    result = hydrate(store, sorted(common), direction="upstream", focus=(a_key, b_key), hops=depth)
    return dataclasses.replace(result, highlight=nearest)
