"""``impact``: everything downstream of an artifact, grouped by kind, with the paths there."""

from __future__ import annotations

import importlib
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from lineage.graph._model import Lineage
from lineage.graph._nodes import NodeKey, key
from lineage.graph._values import artifact_kind, format_ms
from lineage.graph.traversal import downstream
from lineage.proto import metadata_store_pb2 as pb

__all__ = ["Impact", "Impacted", "impact", "shortest_paths"]

INPUT_TYPES = frozenset({2, 3, 5})
GROUP_ORDER = (
    "models",
    "datasets",
    "metrics",
    "statistics",
    "configs",
    "environments",
    "other",
    "executions",
)
_GROUP_OF_KIND = {
    "model": "models",
    "dataset": "datasets",
    "metrics": "metrics",
    "statistics": "statistics",
    "config": "configs",
    "environment": "environments",
    "other": "other",
}


@dataclass(frozen=True)
class Impacted:
    """A node reached from the source, and one shortest path that leads there."""

    key: NodeKey
    type: str
    name: str | None
    uri: str | None
    state: str | None
    hops: int
    created: int | None
    path: tuple[NodeKey, ...]


@dataclass(frozen=True)
class Impact:
    """What depends on ``source``.

    Attributes:
        source: The key of the artifact asked about.
        groups: Group name (models, datasets, metrics, statistics, configs, environments, other,
            executions) → the nodes in it, nearest first.
        lineage: The downstream walk (draw it, or convert it to networkx).
    """

    source: NodeKey
    groups: Mapping[str, tuple[Impacted, ...]]
    lineage: Lineage = field(repr=False, compare=False)

    @property
    def lineage_graph(self) -> Any:
        """The downstream LineageGraph (for drawing)."""
        return self.lineage.lineage_graph

    @property
    def focus(self) -> tuple[NodeKey, ...]:
        return (self.source,)

    @property
    def highlight(self) -> tuple[NodeKey, ...]:
        return ()

    def counts(self) -> dict[str, int]:
        """Group name → number of nodes."""
        return {g: len(nodes) for g, nodes in self.groups.items()}

    def keys(self) -> list[NodeKey]:
        """Every impacted node key."""
        return [n.key for nodes in self.groups.values() for n in nodes]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict."""
        return {
            "source": self.source,
            "counts": self.counts(),
            "groups": {g: [asdict(n) for n in nodes] for g, nodes in self.groups.items()},
            "truncated": self.lineage.truncated,
        }

    def to_json(self, indent: int | None = 2) -> str:
        """The impact as JSON."""
        return json.dumps(self.to_dict(), indent=indent, sort_keys=True, default=str)

    def to_text(self) -> str:
        """A readable report."""
        total = sum(len(v) for v in self.groups.values())
        lines = [f"Impact of {self.source}: {total} downstream nodes"]
        for group, nodes in self.groups.items():
            lines.append("")
            lines.append(f"{group} ({len(nodes)}):")
            for n in nodes:
                label = n.name or n.uri or ""
                lines.append(
                    f"  {n.key} {n.type} {label} [{n.state or ''}] hops={n.hops}".replace(" []", "")
                )
                lines.append(f"      via {' → '.join(n.path)}")
        if self.lineage.truncated:
            lines.append("")
            lines.append(
                f"(truncated: {self.lineage.total} nodes reached, {len(self.lineage.hops)} kept)"
            )
        return "\n".join(lines)

    def to_markdown(self) -> str:
        """The report as Markdown."""
        lines = [f"# Impact of {self.source}", ""]
        for group, nodes in self.groups.items():
            lines += [
                f"## {group} ({len(nodes)})",
                "",
                "| node | type | name / uri | state | created | path |",
            ]
            lines.append("|---|---|---|---|---|---|")
            for n in nodes:
                lines.append(
                    f"| {n.key} | {n.type} | {n.name or n.uri or ''} | {n.state or ''} | "
                    f"{format_ms(n.created)} | {' → '.join(n.path)} |"
                )
            lines.append("")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        render = importlib.import_module("lineage.render")
        bundle: dict[str, Any] = render.mimebundle(self)
        bundle["text/plain"] = self.to_text()
        return bundle


def shortest_paths(
    sources: tuple[NodeKey, ...], edges: Any, downstream_flow: bool = True
) -> dict[NodeKey, tuple[NodeKey, ...]]:
    """Breadth-first paths from ``sources`` over lineage events in the data-flow direction.

    ``edges`` are (artifact_id, execution_id, type, ms, event_id) tuples; with
    ``downstream_flow=False`` the events are followed against the flow (towards producers).
    """
    nxt: dict[NodeKey, list[NodeKey]] = {}
    for a, x, etype, _, _ in edges:
        a_key, x_key = key("artifact", a), key("execution", x)
        src, dst = (a_key, x_key) if etype in INPUT_TYPES else (x_key, a_key)
        if not downstream_flow:
            src, dst = dst, src
        nxt.setdefault(src, []).append(dst)
    paths: dict[NodeKey, tuple[NodeKey, ...]] = {s: (s,) for s in sources}
    frontier = list(sources)
    while frontier:
        following = []
        for node in frontier:
            for other in sorted(nxt.get(node, ())):
                if other not in paths:
                    paths[other] = (*paths[node], other)
                    following.append(other)
        frontier = following
    return paths


def impact(
    store: Any,
    node: Any,
    *,
    max_hops: int | None = None,
    as_of: Any = None,
    limit: int | None = None,
) -> Impact:
    """Everything downstream of ``node``, grouped by kind, each with a path that leads there.

    Args:
        store: A ``lineage.MetadataStore``.
        node: The artifact (or execution): proto, id, ``artifact:ID``, ``TYPE:NAME`` or URI.
        max_hops: Stop after this many hops (None: to the end).
        as_of: The graph as it was at this time (datetime or ms since the epoch).
        limit: The most nodes to return (nearest first); the walk says when it was cut.

    Example:
        >>> from lineage.demo import record_demo_pipeline
        >>> store = lineage.MetadataStore("sqlite://")
        >>> ids = record_demo_pipeline(store)
        >>> hit = impact(store, ids["raw"])
        >>> [n.name for n in hit.groups["models"]], hit.groups["models"][0].path[-1]
        (['churn-model'], 'artifact:3')
    """
    walk = downstream(store, node, max_hops=max_hops, as_of=as_of, limit=limit)
    graph = walk.lineage_graph
    base_types = {
        t.id: (t.base_type if t.HasField("base_type") else None) for t in graph.artifact_types
    }
    paths = shortest_paths(walk.focus, walk.edges)
    groups: dict[str, list[Impacted]] = {g: [] for g in GROUP_ORDER}
    for k, n in walk.nodes().items():
        if k in walk.focus:
            continue
        if isinstance(n, pb.Artifact):
            group = _GROUP_OF_KIND[artifact_kind(n, base_types.get(n.type_id))]
            state = pb.Artifact.State.Name(n.state) if n.HasField("state") else None
            uri = n.uri or None
        else:
            group = "executions"
            state = (
                pb.Execution.State.Name(n.last_known_state)
                if n.HasField("last_known_state")
                else None
            )
            uri = None
        groups[group].append(
            Impacted(
                key=k,
                type=n.type,
                name=n.name if n.HasField("name") else None,
                uri=uri,
                state=state,
                hops=walk.hops.get(k, 0),
                created=n.create_time_since_epoch or None,
                path=paths.get(k, (k,)),
            )
        )
    ordered = {g: tuple(sorted(v, key=lambda i: (i.hops, i.key))) for g, v in groups.items() if v}
    return Impact(source=walk.focus[0], groups=ordered, lineage=walk)
