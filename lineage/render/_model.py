"""The scene: a lineage graph turned into labelled nodes, edges and clusters, ready to draw.

:func:`build_scene` reads an MLMD ``LineageGraph`` (or an object holding one in its
``lineage_graph`` attribute) into a :class:`Scene`; :mod:`lineage.render._reduce` then collapses,
cuts and thins it, and the writers (DOT, Mermaid, HTML) only print it. Everything is ordered by
node key (naturally: ``artifact:2`` before ``artifact:10``) so the same graph always gives the
same text.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final

from google.protobuf import json_format

from lineage import conventions
from lineage.errors import InvalidArgumentError
from lineage.graph.describe import event_path
from lineage.render._options import Options, node_keys
from lineage.render._style import artifact_category

__all__ = [
    "Cluster",
    "Edge",
    "Node",
    "Scene",
    "build_scene",
    "natural_key",
    "shorten",
    "unwrap",
]

#: Longest name or URI shown in a node label; longer ones are cut in the middle.
MAX_LABEL: Final = 34
#: Longest property value kept in node details.
MAX_DETAIL: Final = 2000

# ml_metadata.Event.Type numbers and how each is drawn: (direction, edge style).
_EVENT_STYLE: Final[dict[int, tuple[str, str]]] = {
    0: ("in", "unknown"),  # UNKNOWN: no direction known
    1: ("out", "declared"),  # DECLARED_OUTPUT
    2: ("in", "declared"),  # DECLARED_INPUT
    3: ("in", "solid"),  # INPUT
    4: ("out", "solid"),  # OUTPUT
    5: ("in", "internal"),  # INTERNAL_INPUT
    6: ("out", "internal"),  # INTERNAL_OUTPUT
    7: ("out", "pending"),  # PENDING_OUTPUT
}
#: When several events join the same two nodes, the edge is drawn in the first style listed.
STYLE_RANK: Final = ("solid", "declared", "internal", "pending", "unknown", "cut")
_ARTIFACT_STATES: Final = (
    "UNKNOWN",
    "PENDING",
    "LIVE",
    "MARKED_FOR_DELETION",
    "DELETED",
    "ABANDONED",
    "REFERENCE",
)
_EXECUTION_STATES: Final = ("UNKNOWN", "NEW", "RUNNING", "COMPLETE", "FAILED", "CACHED", "CANCELED")
_DIGITS: Final = re.compile(r"(\d+)")


@functools.lru_cache(maxsize=1 << 16)
def natural_key(key: str) -> tuple[Any, ...]:
    """Sort key that orders ``artifact:2`` before ``artifact:10``."""
    parts = _DIGITS.split(key)
    return tuple(int(p) if i % 2 else p for i, p in enumerate(parts))


@dataclass
class Node:
    """One drawn node.

    Attributes:
        key: ``artifact:ID``, ``execution:ID``, or a derived key for "+N more" (``more:…``)
            and "left out" (``cut:…``) nodes.
        kind: 'artifact', 'execution', 'group' ("+N more") or 'cut' (what the budget left out).
        category: The style category (see :mod:`lineage.render._style`).
        type_name: The node's type name, as shown ('' when unknown).
        title: The main label line: the name, a short URI or ``#ID``.
        subtitle: A small third line: version and fingerprint, or state and duration.
        state: The artifact state or execution state name ('' when unset).
        details: Everything known about the node (for tooltips and the HTML page).
        contexts: Keys of the contexts the node belongs to.
        members: For a group node, the keys of the nodes it stands for.
    """

    key: str
    kind: str
    category: str
    type_name: str
    title: str
    subtitle: str = ""
    state: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    contexts: tuple[str, ...] = ()
    members: tuple[str, ...] = ()


@dataclass
class Edge:
    """One drawn edge (several events between the same two nodes are merged into one).

    Attributes:
        src: Key of the node the edge leaves.
        dst: Key of the node the edge enters.
        style: 'solid', 'declared', 'internal', 'pending', 'unknown' or 'cut'.
        labels: The distinct event paths on the edge, sorted.
        count: How many events (or hidden edges) the edge stands for.
    """

    src: str
    dst: str
    style: str
    labels: tuple[str, ...] = ()
    count: int = 1


@dataclass
class Cluster:
    """A context drawn as a box around its nodes.

    Attributes:
        key: ``context:ID``.
        type_name: The context's type name.
        name: The context's name.
        parent: Key of the enclosing cluster, if any.
        details: Everything known about the context.
    """

    key: str
    type_name: str
    name: str
    parent: str | None = None
    details: dict[str, Any] = field(default_factory=dict)


@dataclass
class Scene:
    """A lineage graph ready to draw.

    Attributes:
        nodes: Nodes by key.
        edges: Edges by (src, dst).
        clusters: Contexts by key (all contexts of the graph; drawn only when asked).
        focus: Keys of the emphasised nodes that are in the graph.
        highlight: The highlighted path (keys in the graph, in path order).
        notes: Lines telling what the drawing leaves out (collapsed, cut, removed).
        title: The heading, if any.
        total: How many artifacts and executions the input graph has.
        edge_labels: Whether edges are labelled (off for very big drawings).
    """

    nodes: dict[str, Node] = field(default_factory=dict)
    edges: dict[tuple[str, str], Edge] = field(default_factory=dict)
    clusters: dict[str, Cluster] = field(default_factory=dict)
    focus: tuple[str, ...] = ()
    highlight: tuple[str, ...] = ()
    notes: list[str] = field(default_factory=list)
    title: str | None = None
    total: int = 0
    edge_labels: bool = True

    def sorted_nodes(self) -> list[Node]:
        """The nodes in key order."""
        return [self.nodes[k] for k in sorted(self.nodes, key=natural_key)]

    def sorted_edges(self) -> list[Edge]:
        """The edges in (src, dst) key order."""
        return [
            self.edges[k]
            for k in sorted(self.edges, key=lambda e: (natural_key(e[0]), natural_key(e[1])))
        ]

    def highlight_edges(self) -> set[tuple[str, str]]:
        """The drawn edges between consecutive nodes of the highlighted path (either way)."""
        out: set[tuple[str, str]] = set()
        for a, b in zip(self.highlight, self.highlight[1:], strict=False):
            for pair in ((a, b), (b, a)):
                if pair in self.edges:
                    out.add(pair)
        return out


# ------------------------------------------------------------------------------ input
def _is_lineage_graph(value: Any) -> bool:
    descriptor = getattr(value, "DESCRIPTOR", None)
    return getattr(descriptor, "full_name", None) == "ml_metadata.LineageGraph"


def unwrap(graph: Any) -> tuple[Any, tuple[str, ...], tuple[str, ...], bool]:
    """The ``LineageGraph`` in ``graph`` and the focus, highlight and truncation it carries.

    Args:
        graph: A ``LineageGraph`` proto, or an object whose ``lineage_graph`` attribute holds
            one and which may carry ``focus`` (node keys), ``highlight`` (a path of node keys)
            and ``truncated`` (the query was cut by a limit).

    Returns:
        (lineage_graph, focus, highlight, truncated).

    Raises:
        InvalidArgumentError: ``graph`` is neither.
    """
    if _is_lineage_graph(graph):
        return graph, (), (), False
    inner = getattr(graph, "lineage_graph", None)
    if inner is not None and _is_lineage_graph(inner):
        focus = node_keys(getattr(graph, "focus", ()), "graph.focus")
        highlight = node_keys(getattr(graph, "highlight", ()), "graph.highlight")
        return inner, focus, highlight, bool(getattr(graph, "truncated", False))
    raise InvalidArgumentError(
        "graph: expected an ml_metadata LineageGraph (as get_lineage_subgraph returns) or an "
        f"object with a lineage_graph attribute holding one, got {type(graph).__name__}"
    )


# ------------------------------------------------------------------------------ formatting
def shorten(text: str, limit: int = MAX_LABEL) -> str:
    """``text`` cut in the middle with an ellipsis when it is longer than ``limit``."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    head = (limit - 1) * 2 // 3
    tail = limit - 1 - head
    return text[:head] + "…" + text[len(text) - tail :]


def short_uri(uri: str) -> str:
    """The telling end of a URI: ``s3://lake/churn/raw.csv`` → ``raw.csv``."""
    parts = [p for p in uri.rstrip("/").split("/") if p]
    if not parts:
        return uri
    tail = parts[-1]
    if (len(tail) <= 3 or tail.isdigit()) and len(parts) >= 2 and not parts[-2].endswith(":"):
        tail = parts[-2] + "/" + tail
    return shorten(tail)


def iso_time(ms: int) -> str:
    """Milliseconds since the epoch as an ISO 8601 UTC time."""
    moment = dt.datetime.fromtimestamp(ms / 1000, tz=dt.timezone.utc)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def duration(ms: int) -> str:
    """A duration in milliseconds, readably: ``850 ms``, ``4.2 s``, ``3 min 12 s``, ``2 h 5 min``.

    Example:
        >>> duration(850), duration(4200), duration(192_000), duration(7_500_000)
        ('850 ms', '4.2 s', '3 min 12 s', '2 h 5 min')
    """
    if ms < 1000:
        return f"{ms} ms"
    seconds = ms / 1000
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, sec = divmod(int(seconds), 60)
    if minutes < 60:
        return f"{minutes} min {sec} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min"


def value_of(value: Any) -> Any:
    """A property ``Value`` as a plain JSON-ready Python value."""
    which = value.WhichOneof("value")
    if which is None:
        return None
    if which == "struct_value":
        return json_format.MessageToDict(value.struct_value)
    if which == "proto_value":
        return f"<{value.proto_value.type_url}>"
    raw = getattr(value, which)
    if isinstance(raw, str) and len(raw) > MAX_DETAIL:
        return raw[:MAX_DETAIL] + "…"
    return raw


def _property(node: Any, name: str) -> Any:
    for props in (node.properties, node.custom_properties):
        if name in props:
            return value_of(props[name])
    return None


def version_text(node: Any) -> str:
    """``v3`` from the ``version`` property; '' when there is none."""
    version = _property(node, conventions.VERSION)
    if version is None or version == "":
        return ""
    text = str(version)
    return shorten(text if text[:1] in "vV" else f"v{text}", 16)


def fingerprint_text(node: Any) -> str:
    """``sha256:1a2b3c4d`` from the ``fingerprint`` property; '' when there is none."""
    fingerprint = _property(node, conventions.FINGERPRINT)
    if not isinstance(fingerprint, str) or not fingerprint:
        return ""
    algorithm, colon, digest = fingerprint.partition(":")
    if colon:
        return f"{algorithm}:{digest[:8]}"
    return fingerprint[:12]


def _execution_subtitle(node: Any, state: str) -> str:
    parts: list[str] = []
    if state not in ("", "COMPLETE"):
        parts.append(state)
        error = _property(node, conventions.RUN_ERROR_TYPE)
        if state == "FAILED" and isinstance(error, str) and error:
            parts.append(shorten(error, 24))
    start = _property(node, conventions.RUN_START_TIME)
    end = _property(node, conventions.RUN_END_TIME)
    if isinstance(start, int) and isinstance(end, int) and end > start:
        parts.append(duration(end - start))
    return " · ".join(parts)


def _props(props: Any) -> dict[str, Any]:
    return {k: value_of(props[k]) for k in sorted(props)}


def node_details(
    kind: str, node: Any, type_name: str, state: str, contexts: Iterable[str]
) -> dict[str, Any]:
    """Everything known about a node, JSON-ready, empty fields left out."""
    details: dict[str, Any] = {"key": f"{kind}:{node.id}", "kind": kind, "type": type_name}
    if node.name:
        details["name"] = node.name
    if kind == "artifact" and node.uri:
        details["uri"] = node.uri
    if state:
        details["state"] = state
    if node.external_id:
        details["external_id"] = node.external_id
    if node.create_time_since_epoch:
        details["created"] = iso_time(node.create_time_since_epoch)
    if node.last_update_time_since_epoch:
        details["updated"] = iso_time(node.last_update_time_since_epoch)
    if node.properties:
        details["properties"] = _props(node.properties)
    if node.custom_properties:
        details["custom_properties"] = _props(node.custom_properties)
    if kind == "execution":
        start = _property(node, conventions.RUN_START_TIME)
        end = _property(node, conventions.RUN_END_TIME)
        if isinstance(start, int) and start > 0:
            details["started"] = iso_time(start)
        if isinstance(end, int) and end > 0:
            details["ended"] = iso_time(end)
        if isinstance(start, int) and isinstance(end, int) and end > start:
            details["duration"] = duration(end - start)
    found = list(contexts)
    if found:
        details["contexts"] = found
    return details


# ------------------------------------------------------------------------------ the scene
def _strip_mlmd(name: str) -> str:
    return name[len("mlmd.") :] if name.startswith("mlmd.") else name


def build_scene(graph: Any, options: Options) -> Scene:
    """Read a lineage graph into a :class:`Scene` (no collapsing or cutting yet).

    Args:
        graph: A ``LineageGraph`` or an object holding one (see :func:`unwrap`).
        options: The drawing options; their focus and highlight win over the graph's own.

    Returns:
        The full scene.
    """
    lineage_graph, focus, highlight, truncated = unwrap(graph)
    artifact_types = {t.id: t for t in lineage_graph.artifact_types}
    execution_types = {t.id: t for t in lineage_graph.execution_types}
    context_types = {t.id: t for t in lineage_graph.context_types}
    scene = Scene(title=options.title)

    context_names: dict[str, str] = {}
    for context in sorted(lineage_graph.contexts, key=lambda c: c.id):
        key = f"context:{context.id}"
        ctype = context_types.get(context.type_id)
        type_name = context.type or (ctype.name if ctype else "")
        scene.clusters[key] = Cluster(
            key=key,
            type_name=type_name,
            name=context.name or f"#{context.id}",
            details=node_details("context", context, type_name, "", ()),
        )
        context_names[key] = f"{type_name} {context.name or '#' + str(context.id)} ({key})"
    for link in lineage_graph.parent_contexts:
        child, parent = f"context:{link.child_id}", f"context:{link.parent_id}"
        if child in scene.clusters and parent in scene.clusters and child != parent:
            current = scene.clusters[child].parent
            if current is None or natural_key(parent) < natural_key(current):
                scene.clusters[child].parent = parent
    member_of: dict[str, list[str]] = {}
    for attribution in lineage_graph.attributions:
        member_of.setdefault(f"artifact:{attribution.artifact_id}", []).append(
            f"context:{attribution.context_id}"
        )
    for association in lineage_graph.associations:
        member_of.setdefault(f"execution:{association.execution_id}", []).append(
            f"context:{association.context_id}"
        )

    def contexts_of(key: str) -> tuple[str, ...]:
        found = {c for c in member_of.get(key, ()) if c in scene.clusters}
        return tuple(sorted(found, key=natural_key))

    for artifact in lineage_graph.artifacts:
        key = f"artifact:{artifact.id}"
        atype = artifact_types.get(artifact.type_id)
        type_name = artifact.type or (atype.name if atype else "")
        state = _ARTIFACT_STATES[artifact.state] if 0 < artifact.state < 7 else ""
        subtitle = [version_text(artifact), fingerprint_text(artifact)]
        if state not in ("", "LIVE"):
            subtitle.append(state)
        contexts = contexts_of(key)
        scene.nodes[key] = Node(
            key=key,
            kind="artifact",
            category=artifact_category(atype.base_type if atype else 0, type_name),
            type_name=_strip_mlmd(type_name),
            title=shorten(artifact.name)
            if artifact.name
            else (short_uri(artifact.uri) if artifact.uri else f"#{artifact.id}"),
            subtitle=" · ".join(s for s in subtitle if s),
            state=state,
            details=node_details(
                "artifact", artifact, type_name, state, (context_names[c] for c in contexts)
            ),
            contexts=contexts,
        )
    for execution in lineage_graph.executions:
        key = f"execution:{execution.id}"
        xtype = execution_types.get(execution.type_id)
        type_name = execution.type or (xtype.name if xtype else "")
        state = (
            _EXECUTION_STATES[execution.last_known_state]
            if 0 < execution.last_known_state < 7
            else ""
        )
        contexts = contexts_of(key)
        scene.nodes[key] = Node(
            key=key,
            kind="execution",
            category="execution",
            type_name=_strip_mlmd(type_name),
            title=shorten(execution.name) if execution.name else f"#{execution.id}",
            subtitle=_execution_subtitle(execution, state),
            state=state,
            details=node_details(
                "execution", execution, type_name, state, (context_names[c] for c in contexts)
            ),
            contexts=contexts,
        )
    scene.total = len(scene.nodes)

    for event in lineage_graph.events:
        a, x = f"artifact:{event.artifact_id}", f"execution:{event.execution_id}"
        if a not in scene.nodes or x not in scene.nodes:
            continue
        direction, style = _EVENT_STYLE.get(event.type, ("in", "unknown"))
        pair = (a, x) if direction == "in" else (x, a)
        path = event_path(event)
        add_edge(scene, pair[0], pair[1], style, (path,) if path else ())

    wanted_focus = options.focus or focus
    wanted_path = options.highlight or highlight
    scene.focus = tuple(k for k in dict.fromkeys(wanted_focus) if k in scene.nodes)
    scene.highlight = tuple(k for k in wanted_path if k in scene.nodes)
    if truncated:
        scene.notes.append("The lineage query was cut by a limit: the graph is incomplete.")
    return scene


def add_edge(
    scene: Scene, src: str, dst: str, style: str, labels: tuple[str, ...], count: int = 1
) -> None:
    """Add an edge, merging it with an existing one between the same two nodes."""
    existing = scene.edges.get((src, dst))
    if existing is None:
        scene.edges[(src, dst)] = Edge(src, dst, style, tuple(sorted(set(labels))), count)
        return
    if STYLE_RANK.index(style) < STYLE_RANK.index(existing.style):
        existing.style = style
    existing.labels = tuple(sorted(set(existing.labels) | set(labels)))
    existing.count += count
