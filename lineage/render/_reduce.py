"""Making big graphs readable: transitive reduction, "+N more" collapsing and the node budget.

Each step rewrites a :class:`~lineage.render._model.Scene` in place and adds a note saying what
it left out, so a drawing never hides anything silently. All choices are made in node-key order,
so the same graph always gives the same drawing.
"""

from __future__ import annotations

import heapq
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Final

from lineage.render._model import Node, Scene, add_edge, build_scene, natural_key
from lineage.render._options import Options

__all__ = [
    "EDGE_LABEL_LIMIT",
    "SHARED_LIMIT",
    "assign_clusters",
    "collapse",
    "cut_to_budget",
    "prepare",
    "reduce_transitive",
    "split_shared",
    "thin_labels",
]


#: From this many drawn nodes on, edges are not labelled (labels are extra nodes for Graphviz:
#: 5,000 nodes take ~5x longer to lay out with them).
EDGE_LABEL_LIMIT: Final = 2000
#: A node with more neighbours than this on one side (and not their home) is drawn as copies.
SHARED_LIMIT: Final = 4


@dataclass
class _Adjacency:
    succ: dict[str, set[str]] = field(default_factory=dict)
    pred: dict[str, set[str]] = field(default_factory=dict)

    @classmethod
    def of(cls, scene: Scene) -> _Adjacency:
        adj = cls({k: set() for k in scene.nodes}, {k: set() for k in scene.nodes})
        for src, dst in scene.edges:
            adj.succ[src].add(dst)
            adj.pred[dst].add(src)
        return adj

    def neighbours(self, key: str) -> set[str]:
        return self.succ[key] | self.pred[key]


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}" if count == 1 else f"{count:,} {word}s"


def _protected(scene: Scene) -> set[str]:
    """Nodes never collapsed: the focus, the highlighted path and failed executions."""
    keep = set(scene.focus) | set(scene.highlight)
    keep.update(k for k, n in scene.nodes.items() if n.kind == "execution" and n.state == "FAILED")
    return keep


# ------------------------------------------------------------------------------ shortcuts
def _components(order: list[str], succ: dict[str, set[str]]) -> dict[str, int]:
    """Strongly connected components (Tarjan, iterative), numbered in reverse topological order."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    on_stack: set[str] = set()
    stack: list[str] = []
    comp: dict[str, int] = {}
    counter = 0
    found = 0
    for root in order:
        if root in index:
            continue
        work: list[tuple[str, list[str]]] = [(root, sorted(succ[root], key=natural_key))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, todo = work[-1]
            if todo:
                nxt = todo.pop()
                if nxt not in index:
                    index[nxt] = low[nxt] = counter
                    counter += 1
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, sorted(succ[nxt], key=natural_key)))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    comp[member] = found
                    if member == node:
                        break
                found += 1
    return comp


def reduce_transitive(scene: Scene) -> int:
    """Remove edges implied by a longer path (``a→b`` when ``a→…→b`` exists); return how many.

    Edges inside a cycle, edges into a cycle that only the cycle implies, and edges of the
    highlighted path are kept.
    """
    order = sorted(scene.nodes, key=natural_key)
    adj = _Adjacency.of(scene)
    comp = _components(order, adj.succ)
    count = max(comp.values(), default=-1) + 1
    comp_succ: list[set[int]] = [set() for _ in range(count)]
    for src, dst in scene.edges:
        if comp[src] != comp[dst]:
            comp_succ[comp[src]].add(comp[dst])
    # Components are numbered sinks first, so each one's successors are done before it.
    reach = [0] * count
    for c in range(count):
        bits = 0
        for d in comp_succ[c]:
            bits |= reach[d] | (1 << d)
        reach[c] = bits
    via_other = [0] * count
    for c in range(count):
        bits = 0
        for d in comp_succ[c]:
            bits |= reach[d]
        via_other[c] = bits
    keep = scene.highlight_edges()
    removed = [
        pair
        for pair in scene.edges
        if comp[pair[0]] != comp[pair[1]]
        and pair not in keep
        and (via_other[comp[pair[0]]] >> comp[pair[1]]) & 1
    ]
    for pair in removed:
        del scene.edges[pair]
    if removed:
        scene.notes.append(
            f"{_plural(len(removed), 'transitive shortcut')} left out (each is implied by a "
            "longer path)."
        )
    return len(removed)


# ------------------------------------------------------------------------------ collapsing
def _type_summary(types: Iterable[str]) -> str:
    counts = Counter(t for t in types if t)
    if not counts:
        return ""
    names = sorted(counts, key=lambda t: (-counts[t], t))
    if len(names) <= 2:
        return ", ".join(names)
    return f"{names[0]}, {names[1]} +{len(names) - 2} types"


def _members(node: Node) -> tuple[str, ...]:
    return node.members if node.kind == "group" else (node.key,)


def _merge(scene: Scene, adj: _Adjacency, hub: str, side: str, hide: list[str]) -> str:
    """Replace the nodes ``hide`` (neighbours of ``hub``) with one "+N more" node."""
    number = 0
    key = f"more:{hub}:{side}:{number}"
    while key in scene.nodes:
        number += 1
        key = f"more:{hub}:{side}:{number}"
    hidden = [scene.nodes[k] for k in hide]
    members = tuple(sorted({m for n in hidden for m in _members(n)}, key=natural_key))
    categories = {n.category for n in hidden}
    member_kinds = {n.details.get("member_kind", n.kind) for n in hidden}
    member_kind = member_kinds.pop() if len(member_kinds) == 1 else "node"
    type_counts: Counter[str] = Counter()
    state_counts: Counter[str] = Counter()
    for n in hidden:
        type_counts.update(n.details.get("types", {n.type_name: 1}))
        state_counts.update(n.details.get("states", {n.state: 1} if n.state else {}))
    contexts = set(hidden[0].contexts)
    for n in hidden[1:]:
        contexts &= set(n.contexts)
    unusual = {s: c for s, c in state_counts.items() if s not in ("", "COMPLETE", "LIVE")}
    category = categories.pop() if len(categories) == 1 else "execution"
    if member_kind == "artifact" and category == "execution":
        category = "artifact"
    scene.nodes[key] = Node(
        key=key,
        kind="group",
        category=category,
        type_name=_type_summary(type_counts.elements()),
        title=f"+{len(members):,} more",
        subtitle=" · ".join(f"{c} {s}" for s, c in sorted(unusual.items())),
        details={
            "key": key,
            "kind": "group",
            "member_kind": member_kind,
            "count": len(members),
            "types": dict(sorted(type_counts.items())),
            "states": dict(sorted(state_counts.items())),
            "members": list(members),
        },
        contexts=tuple(sorted(contexts, key=natural_key)),
        members=members,
    )
    adj.succ[key], adj.pred[key] = set(), set()
    gone = set(hide)
    for h in hide:
        for dst in sorted(adj.succ[h], key=natural_key):
            edge = scene.edges.pop((h, dst))
            adj.pred[dst].discard(h)
            if dst not in gone:
                add_edge(scene, key, dst, edge.style, edge.labels, edge.count)
                adj.succ[key].add(dst)
                adj.pred[dst].add(key)
        for src in sorted(adj.pred[h], key=natural_key):
            edge = scene.edges.pop((src, h))
            adj.succ[src].discard(h)
            if src not in gone:
                add_edge(scene, src, key, edge.style, edge.labels, edge.count)
                adj.pred[key].add(src)
                adj.succ[src].add(key)
        del adj.succ[h], adj.pred[h], scene.nodes[h]
    return key


def _is_private_leaf(adj: _Adjacency, leaf: str, owner: str) -> bool:
    """Whether ``owner`` is the only node ``leaf`` is joined to."""
    return len(adj.succ[leaf]) + len(adj.pred[leaf]) <= 2 and adj.neighbours(leaf) == {owner}


def _collapse_side(
    scene: Scene, adj: _Adjacency, hub: str, side: str, threshold: int, protected: set[str]
) -> list[str]:
    """Collapse the surplus neighbours of ``hub`` on one side; return the new group keys."""
    neighbours = adj.succ[hub] if side == "out" else adj.pred[hub]
    is_group = scene.nodes[hub].kind == "group"
    if len(neighbours) <= (1 if is_group else threshold):
        return []
    opposite = adj.pred if side == "out" else adj.succ
    classes: dict[tuple[str, frozenset[str]], list[str]] = {}
    for n in sorted(neighbours, key=natural_key):
        node = scene.nodes[n]
        if n in protected or node.kind == "cut":
            continue
        if is_group and opposite[n] != {hub}:
            continue  # a "+N more" node only swallows what hangs off it alone
        # Nodes that hang off the same other nodes (private leaves aside) are interchangeable.
        signature = frozenset(m for m in opposite[n] if not _is_private_leaf(adj, m, n))
        member_kind = str(node.details.get("member_kind", node.kind))
        classes.setdefault((member_kind, signature), []).append(n)
    candidates = sum(len(v) for v in classes.values())
    slots = 0 if is_group else max(0, threshold - 1 - (len(neighbours) - candidates))
    made: list[str] = []
    for _, members in sorted(classes.items(), key=lambda kv: (-len(kv[1]), natural_key(kv[1][0]))):
        keep = min(slots, len(members))
        slots -= keep
        hide = members[keep:]
        if len(hide) >= 2:
            made.append(_merge(scene, adj, hub, side, hide))
    return made


def collapse(scene: Scene, threshold: int) -> int:
    """Collapse fan-in and fan-out above ``threshold`` into "+N more" nodes; return how many.

    A node with more than ``threshold`` neighbours on one side keeps ``threshold - 1`` of them
    (lowest keys first); the others are merged into one "+N more" node per group of
    interchangeable neighbours (same kind, same other connections). Their other edges move to the
    new node, and what hangs off that node alone (their private inputs and outputs) is merged
    in turn. The focus, the highlighted path and
    failed executions are never collapsed.
    """
    adj = _Adjacency.of(scene)
    protected = _protected(scene)
    made = 0
    dirty = set(scene.nodes)
    while dirty:
        todo = sorted(dirty, key=natural_key)
        dirty = set()
        for hub in todo:
            for side in ("out", "in"):
                if hub not in scene.nodes:
                    break
                for group in _collapse_side(scene, adj, hub, side, threshold, protected):
                    made += 1
                    dirty.update((hub, group), adj.neighbours(group))
    if made:
        hidden = sum(len(n.members) for n in scene.nodes.values() if n.kind == "group")
        scene.notes.append(
            f"{_plural(hidden, 'node')} drawn as {made:,} '+N more' node"
            f"{'s' if made != 1 else ''} (fan-in/fan-out above {threshold})."
        )
    return made


# ------------------------------------------------------------------------------ budget
def _member_counts(nodes: Iterable[Node]) -> Counter[str]:
    counts: Counter[str] = Counter()
    for node in nodes:
        if node.kind == "group":
            counts[str(node.details.get("member_kind", "node"))] += len(node.members)
        elif node.kind != "cut":
            counts[node.kind] += 1
    return counts


def _restart_order(scene: Scene) -> list[str]:
    """Where the walk starts again: the most recent executions first, then artifacts, then the
    rest (highest ids first)."""
    rank = {"execution": 0, "artifact": 1}
    keys = sorted(scene.nodes, key=natural_key, reverse=True)
    return sorted(keys, key=lambda k: rank.get(scene.nodes[k].kind, 2))


def _nearest(scene: Scene, adj: _Adjacency, limit: int, hub_size: int | None) -> dict[str, None]:
    """The ``limit`` nodes nearest the seeds, in steps over edges in either direction.

    The walk does not pass through shared nodes (more than ``hub_size`` neighbours on one
    side, such as an environment used by every run) unless they are seeds: it reaches them but
    goes on from there only when nothing else is left, by starting again from the most recent
    node not yet kept. So the drawing holds whole runs rather than slices of many.
    """
    seeds = list(dict.fromkeys([*scene.focus, *scene.highlight]))
    kept: dict[str, None] = {}
    heap: list[tuple[int, tuple[Any, ...], str]] = []
    best: dict[str, int] = {}

    def is_hub(key: str) -> bool:
        if hub_size is None or key in seeds:
            return False
        return max(len(adj.succ[key]), len(adj.pred[key])) > hub_size

    for seed in seeds:
        best[seed] = 0
        heapq.heappush(heap, (0, natural_key(seed), seed))
    restarts = iter(_restart_order(scene))
    while len(kept) < limit:
        if not heap:
            restart = next((k for k in restarts if k not in kept), None)
            if restart is None:
                break
            best[restart] = 0
            heapq.heappush(heap, (0, natural_key(restart), restart))
        cost, _, node = heapq.heappop(heap)
        if node in kept or cost > best.get(node, cost):
            continue
        kept[node] = None
        if is_hub(node):
            continue
        for n in adj.neighbours(node):
            if n not in kept and cost + 1 < best.get(n, cost + 2):
                best[n] = cost + 1
                heapq.heappush(heap, (cost + 1, natural_key(n), n))
    return kept


def cut_to_budget(scene: Scene, max_nodes: int, hub_size: int | None = None) -> int:
    """Keep the ``max_nodes`` nodes nearest the focus; mark what was cut; return how many.

    Nearness is counted in steps over edges in either direction from the focus and the
    highlighted path, else from the most recent execution, without walking through shared nodes
    with more than ``hub_size`` neighbours on a side (see :func:`_nearest`). Each kept node that
    lost neighbours gets a small dashed "+N" node on that side, and a note counts what was left
    out.
    """
    if len(scene.nodes) <= max_nodes:
        return 0
    adj = _Adjacency.of(scene)
    kept = _nearest(scene, adj, max_nodes, hub_size)
    dropped = [scene.nodes[k] for k in scene.nodes if k not in kept]
    counts = _member_counts(dropped)
    for node in dropped:
        del scene.nodes[node.key]
    for pair in [p for p in scene.edges if p[0] not in kept or p[1] not in kept]:
        src, dst = pair
        del scene.edges[pair]
        anchor, side = (src, "out") if src in kept else (dst, "in")
        if anchor not in kept:
            continue
        stub = f"cut:{anchor}:{side}"
        if stub not in scene.nodes:
            scene.nodes[stub] = Node(key=stub, kind="cut", category="cut", type_name="", title="")
            scene.nodes[stub].details = {"key": stub, "kind": "cut", "count": 0, "members": []}
            pair_new = (anchor, stub) if side == "out" else (stub, anchor)
            add_edge(scene, pair_new[0], pair_new[1], "cut", (), 0)
        far = dst if side == "out" else src
        stub_details = scene.nodes[stub].details
        stub_details["members"].append(far)
    for node in scene.nodes.values():
        if node.kind == "cut":
            node.details["members"] = sorted(set(node.details["members"]), key=natural_key)
            node.details["count"] = len(node.details["members"])
            node.title = f"+{node.details['count']:,}"
    left_out = " and ".join(_plural(c, k) for k, c in sorted(counts.items()))
    scene.notes.append(
        f"Node budget (max_nodes={max_nodes}): {left_out} left out; dashed '+N' marks show where."
    )
    return len(dropped)


# ------------------------------------------------------------------------------ shared nodes
def _home(
    adj: _Adjacency, back: dict[str, set[str]], degree: dict[str, int], node: str, hub: str
) -> str:
    """The node ``node`` belongs with on one side: its least-connected neighbour there.

    Private leaves of ``node`` (a config only it reads) do not count.
    """
    choices = [m for m in back[node] if not _is_private_leaf(adj, m, node)]
    if not choices:
        return hub
    return min(choices, key=lambda m: (degree[m], natural_key(m)))


def split_shared(scene: Scene, threshold: int) -> int:
    """Draw a busy shared node once, and small copies of it next to its other neighbours.

    A node with more than ``threshold`` neighbours on one side (an environment, config or schema
    used by every run) keeps the edges to the neighbours it is the *home* of: a neighbour's home
    on that side is its least-connected node there, private leaves aside (a trainer's home input
    is its own training data, not the environment every trainer shares). The other neighbours
    are grouped by their home: the biggest group keeps its edges too (the shared node is drawn
    beside it); every other neighbour gets a small dashed copy of the shared node next to it, so
    no edge has to cross the whole drawing. Edges of the highlighted path stay, and focus nodes
    are never split (their fan-out is the point).

    Returns:
        How many copies were drawn.
    """
    adj = _Adjacency.of(scene)
    marked = scene.highlight_edges()
    degree = {k: len(adj.succ[k]) + len(adj.pred[k]) for k in scene.nodes}
    drawable = ("artifact", "execution", "group")
    made = 0
    shared = 0
    for hub in sorted(scene.nodes, key=natural_key):
        node = scene.nodes[hub]
        if node.kind not in drawable or hub in scene.focus:
            continue
        split_here = False
        for side in ("out", "in"):
            neighbours = adj.succ[hub] if side == "out" else adj.pred[hub]
            real = sorted(
                (n for n in neighbours if scene.nodes[n].kind in drawable), key=natural_key
            )
            if len(real) <= threshold:
                continue
            back = adj.pred if side == "out" else adj.succ
            pairs = {n: (hub, n) if side == "out" else (n, hub) for n in real}
            homes = {n: _home(adj, back, degree, n, hub) for n in real}
            away = [n for n in real if homes[n] != hub and pairs[n] not in marked]
            families = Counter(homes[n] for n in away)
            if len(families) <= 1:
                continue  # the node sits with the one family it feeds: no long edges
            biggest = min(families, key=lambda h: (-families[h], natural_key(h)))
            for n in away:
                if homes[n] == biggest:
                    continue
                edge = scene.edges.pop(pairs[n])
                copy = f"ref:{hub}:{n}"
                scene.nodes[copy] = Node(
                    key=copy,
                    kind="ref",
                    category=node.category,
                    type_name=node.type_name,
                    title=node.title,
                    state=node.state,
                    details={"key": copy, "kind": "ref", "ref": hub},
                    contexts=scene.nodes[n].contexts,
                )
                src, dst = (copy, n) if side == "out" else (n, copy)
                add_edge(scene, src, dst, edge.style, edge.labels, edge.count)
                made += 1
                split_here = True
        shared += split_here
    if made:
        copies = f"{made:,} small dashed cop{'y' if made == 1 else 'ies'}"
        scene.notes.append(
            f"{_plural(shared, 'shared node')} with more than {threshold} neighbours on one side: "
            f"drawn once in full and as {copies} next to the other neighbours."
        )
    return made


# ------------------------------------------------------------------------------ edge labels
def thin_labels(scene: Scene, limit: int = SHARED_LIMIT) -> int:
    """Label a fan once: when more than ``limit`` edges on one side of a node carry the same
    event path, only the first keeps the label. Returns how many labels were dropped."""
    by_end: dict[tuple[str, str, tuple[str, ...]], list[tuple[str, str]]] = {}
    for pair, edge in scene.edges.items():
        if edge.labels:
            by_end.setdefault((edge.src, "out", edge.labels), []).append(pair)
            by_end.setdefault((edge.dst, "in", edge.labels), []).append(pair)
    dropped = 0
    for key in sorted(by_end, key=lambda k: (natural_key(k[0]), k[1], k[2])):
        pairs = by_end[key]
        if len(pairs) <= limit:
            continue
        far = 1 if key[1] == "out" else 0
        for pair in sorted(pairs, key=lambda p: natural_key(p[far]))[1:]:
            found = scene.edges.get(pair)
            if found is not None and found.labels:
                found.labels = ()
                dropped += 1
    return dropped


# ------------------------------------------------------------------------------ clusters
def assign_clusters(scene: Scene) -> dict[str, str]:
    """Put each node in one cluster: the smallest of its contexts (then the lowest key).

    Returns:
        Node key -> context key, for the nodes that belong to a context.
    """
    sizes: Counter[str] = Counter()
    for node in scene.nodes.values():
        sizes.update(node.contexts)
    out: dict[str, str] = {}
    for key, node in scene.nodes.items():
        if node.contexts:
            out[key] = min(node.contexts, key=lambda c: (sizes[c], natural_key(c)))
    return out


# ------------------------------------------------------------------------------ all steps
def prepare(graph: object, options: Options) -> tuple[Scene, dict[str, str]]:
    """Read ``graph`` and apply the options: shortcuts, collapsing, budget and clusters.

    Returns:
        The scene to draw and, when ``options.clusters``, each node's cluster (else empty).
    """
    scene = build_scene(graph, options)
    if options.reduce_transitive:
        reduce_transitive(scene)
    if options.collapse_threshold is not None:
        collapse(scene, options.collapse_threshold)
    if options.max_nodes is not None:
        cut_to_budget(scene, options.max_nodes, options.collapse_threshold)
    if options.collapse_threshold is not None:
        split_shared(scene, min(options.collapse_threshold, SHARED_LIMIT))
    scene.edge_labels = options.edge_labels
    thin_labels(scene)
    if options.edge_labels and len(scene.nodes) >= EDGE_LABEL_LIMIT:
        scene.edge_labels = False
        scene.notes.append(
            f"Edge labels left out: {len(scene.nodes):,} nodes are drawn (labels make Graphviz "
            f"several times slower from {EDGE_LABEL_LIMIT:,} nodes on)."
        )
    return scene, assign_clusters(scene) if options.clusters else {}
