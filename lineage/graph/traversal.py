"""``upstream`` and ``downstream``: walk the lineage from artifacts or executions.

Each walk is one recursive SQL statement in the store plus one batched fetch of the nodes, their
properties, types and contexts (``MetadataStore.walk``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from lineage.graph._model import Lineage
from lineage.graph._nodes import NodeKey, as_of_ms, key, resolve_nodes, type_filter
from lineage.proto import metadata_store_pb2 as pb
from lineage.query import And

__all__ = ["downstream", "merge", "neighbourhood", "upstream", "walk"]


def walk(
    store: Any,
    nodes: Any,
    *,
    direction: str = "upstream",
    max_hops: int | None = None,
    types: Iterable[str] | None = None,
    where: str | None = None,
    where_executions: str | None = None,
    stop: str | None = None,
    stop_executions: str | None = None,
    include_stop: bool = True,
    as_of: Any = None,
    limit: int | None = None,
    ids_only: bool = False,
) -> Lineage:
    """Walk the lineage from ``nodes`` in ``direction`` (see :func:`upstream`)."""
    artifacts, executions = resolve_nodes(store, nodes)
    type_tree = type_filter(types)
    result = store.walk(
        artifacts,
        executions,
        direction=direction,
        max_hops=max_hops,
        stop_artifacts=stop,
        stop_executions=stop_executions,
        include_stop=include_stop,
        where_artifacts=_where(type_tree, where, "artifact"),
        where_executions=_where(type_tree, where_executions, "execution"),
        as_of=as_of_ms(as_of),
        limit=limit,
        hydrate=not ids_only,
    )
    # Keys written out as key() makes them: this runs once per reached node.
    hops = {f"artifact:{a}": d for a, d in result.artifacts.items()}
    hops.update({f"execution:{x}": d for x, d in result.executions.items()})
    focus = tuple(key("artifact", a) for a in result.start_artifacts) + tuple(
        key("execution", x) for x in result.start_executions
    )
    return Lineage(
        lineage_graph=result.graph if result.graph is not None else pb.LineageGraph(),
        direction=direction,
        focus=focus,
        hops=hops,
        edges=result.events,
        truncated=result.truncated,
        total=result.total_artifacts + result.total_executions,
        stopped_at=result.stopped_at,
    )


def _where(type_tree: Any, where: str | None, kind: str) -> Any:
    if type_tree is None:
        return where
    if where is None:
        return type_tree
    from lineage.query import parse_filter

    return And((type_tree, parse_filter(where, kind)))


def upstream(
    store: Any,
    nodes: Any,
    *,
    max_hops: int | None = None,
    types: Iterable[str] | None = None,
    where: str | None = None,
    where_executions: str | None = None,
    stop: str | None = None,
    stop_executions: str | None = None,
    include_stop: bool = True,
    as_of: Any = None,
    limit: int | None = None,
    ids_only: bool = False,
) -> Lineage:
    """Everything that ``nodes`` came from: the executions that produced them, their inputs, ...

    Args:
        store: A ``lineage.MetadataStore``.
        nodes: One node or a list: Artifact/Execution protos, artifact ids, ``artifact:ID`` /
            ``execution:ID`` keys, ``TYPE:NAME`` names or URIs.
        max_hops: The most node → event → node hops (None: to the roots).
        types: Keep only nodes of these type names (the walk still passes through others).
        where: A filter query (MLMD syntax) artifacts must match to be kept.
        where_executions: A filter query executions must match to be kept.
        stop: A filter query: artifacts matching it end the walk (kept when ``include_stop``).
        stop_executions: The same for executions.
        include_stop: Keep the nodes where the walk stopped.
        as_of: A datetime or ms since the epoch: the graph as it was then.
        limit: The most nodes to return; nearer ones win and ``truncated`` says so.
        ids_only: Return ids and hop distances only (fastest).

    Returns:
        A :class:`Lineage`.

    Example:
        >>> from lineage.demo import record_demo_pipeline
        >>> store = lineage.MetadataStore("sqlite://")
        >>> ids = record_demo_pipeline(store)
        >>> up = upstream(store, ids["model"])
        >>> [store.get_artifacts_by_id([i])[0].name for i in up.artifact_ids]
        ['raw', 'clean', 'churn-model']
    """
    return walk(
        store,
        nodes,
        direction="upstream",
        max_hops=max_hops,
        types=types,
        where=where,
        where_executions=where_executions,
        stop=stop,
        stop_executions=stop_executions,
        include_stop=include_stop,
        as_of=as_of,
        limit=limit,
        ids_only=ids_only,
    )


def downstream(
    store: Any,
    nodes: Any,
    *,
    max_hops: int | None = None,
    types: Iterable[str] | None = None,
    where: str | None = None,
    where_executions: str | None = None,
    stop: str | None = None,
    stop_executions: str | None = None,
    include_stop: bool = True,
    as_of: Any = None,
    limit: int | None = None,
    ids_only: bool = False,
) -> Lineage:
    """Everything derived from ``nodes``: the executions that read them, their outputs, ...

    Takes the same arguments as :func:`upstream`.

    Example:
        >>> from lineage.demo import record_demo_pipeline
        >>> store = lineage.MetadataStore("sqlite://")
        >>> ids = record_demo_pipeline(store)
        >>> down = downstream(store, ids["raw"], types=["Model"])
        >>> down.artifact_ids == [ids["raw"], ids["model"]]
        True
    """
    return walk(
        store,
        nodes,
        direction="downstream",
        max_hops=max_hops,
        types=types,
        where=where,
        where_executions=where_executions,
        stop=stop,
        stop_executions=stop_executions,
        include_stop=include_stop,
        as_of=as_of,
        limit=limit,
        ids_only=ids_only,
    )


def _node_id(message: Any) -> Any:
    return message.id


def _merge_graphs(graphs: Iterable[Any]) -> Any:
    """One ``LineageGraph`` holding every node, type and event of ``graphs`` once."""
    out = pb.LineageGraph()
    graphs = list(graphs)
    identity: dict[str, Callable[[Any], Any]] = {
        "events": lambda e: (e.artifact_id, e.execution_id, e.type, e.milliseconds_since_epoch),
        "attributions": lambda a: (a.context_id, a.artifact_id),
        "associations": lambda a: (a.context_id, a.execution_id),
        "parent_contexts": lambda p: (p.child_id, p.parent_id),
    }
    for field in pb.LineageGraph.DESCRIPTOR.fields:
        ident = identity.get(field.name, _node_id)
        seen: set[Any] = set()
        target = getattr(out, field.name)
        for graph in graphs:
            for item in getattr(graph, field.name):
                k = ident(item)
                if k not in seen:
                    seen.add(k)
                    target.add().CopyFrom(item)
    return out


def neighbourhood(
    store: Any,
    nodes: Any,
    *,
    upstream: int = 1,
    downstream: int = 1,
    as_of: Any = None,
    limit: int | None = None,
) -> Lineage:
    """The nodes within ``upstream`` hops above and ``downstream`` hops below ``nodes``.

    What a lineage viewer shows around a focus node: two bounded walks, merged. A hop is one
    node → event → node step, so one hop upstream of a model reaches the execution that wrote
    it and two hops reach that execution's inputs.

    Args:
        store: A ``lineage.MetadataStore``.
        nodes: One node or a list, in any form :func:`upstream` takes.
        upstream: Hops to walk upstream (0: none).
        downstream: Hops to walk downstream (0: none).
        as_of: Only the graph as it was at this time (see :func:`upstream`).
        limit: The most nodes each walk returns (``truncated`` tells when it cut).

    Returns:
        A :class:`Lineage` (direction 'both' when it walked both ways); ``hops`` are
        negative upstream and positive downstream of the focus (0 for the focus itself).

    Raises:
        InvalidArgumentError: A negative hop count or limit.

    Example:
        >>> import lineage
        >>> from lineage.demo import record_demo_pipeline
        >>> store = lineage.MetadataStore("sqlite://")
        >>> ids = record_demo_pipeline(store)
        >>> around = neighbourhood(store, ids["model"], upstream=2, downstream=0)
        >>> sorted(around.hops.items())
        [('artifact:2', -2), ('artifact:3', 0), ('execution:2', -1)]
        >>> store.close()
    """
    from lineage.errors import InvalidArgumentError

    for name, value in (("upstream", upstream), ("downstream", downstream)):
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise InvalidArgumentError(f"{name} must be a non-negative integer, got {value!r}")
    walks = []
    if upstream or not downstream:
        walks.append(walk(store, nodes, max_hops=upstream, as_of=as_of, limit=limit))
    if downstream:
        walks.append(
            walk(
                store, nodes, direction="downstream", max_hops=downstream, as_of=as_of, limit=limit
            )
        )
    signed = [
        replace(w, hops={k: -d for k, d in w.hops.items()}) if w.direction == "upstream" else w
        for w in walks
    ]
    return merge(*signed)


def merge(*lineages: Lineage) -> Lineage:
    """One :class:`Lineage` holding everything the given ones hold (a viewer's expansions).

    The focus is the first one's; a node's ``hops`` is the value nearest zero among them; the
    highlight is the first non-empty one.

    Raises:
        InvalidArgumentError: Nothing to merge.
    """
    from lineage.errors import InvalidArgumentError

    if not lineages:
        raise InvalidArgumentError("merge needs at least one Lineage")
    hops: dict[NodeKey, int] = {}
    for one in lineages:
        for k, d in one.hops.items():
            if k not in hops or abs(d) < abs(hops[k]):
                hops[k] = d
    edges = {e[4]: e for one in lineages for e in one.edges}
    directions = {one.direction for one in lineages}
    return Lineage(
        lineage_graph=_merge_graphs(one.lineage_graph for one in lineages),
        direction=directions.pop() if len(directions) == 1 else "both",
        focus=lineages[0].focus,
        hops=hops,
        edges=tuple(edges[i] for i in sorted(edges)),
        truncated=any(one.truncated for one in lineages),
        total=len(hops),
        stopped_at=frozenset().union(*(one.stopped_at for one in lineages)),
        highlight=next((one.highlight for one in lineages if one.highlight), ()),
    )
