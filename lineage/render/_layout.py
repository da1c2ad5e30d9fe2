"""Node positions computed on the server, for a browser viewer that only draws.

Layered layouts in the browser (dagre, ELK) take many seconds at a few thousand nodes, so
:func:`layout` places the nodes here and a viewer such as Cytoscape.js draws them with preset
positions. The scene is the one every other format draws (:func:`~lineage.render._reduce.prepare`:
the same categories, colours, "+N more" groups, node budget, focus and highlighted path); only
the positions are new.

Two engines:

* **layered** (pure Python, near-linear): the rank of a node is its longest path from the
  sources (cycles are broken first, defensively), a source then moves next to its earliest
  consumer; a few barycenter sweeps (down, up) order each layer; layers become columns (rows
  for 'TB'/'BT') whose nodes are stacked and centred. A layer longer than ``max_column_height``
  is wrapped into several adjacent sub-columns (sub-rows), its nodes filling them in order, so
  a big graph keeps a readable aspect ratio (by default the drawing is at most 2.5 times as
  long across the flow as along it, but no column is made shorter than 1,500 px).
* **graphviz** (up to :data:`GRAPHVIZ_MAX_NODES` nodes): ``dot -Tjson0`` on the DOT text the
  module already makes, for Graphviz's crossing minimisation and exact label sizes.

Coordinates are node centres in pixels at zoom 1, ``y`` pointing down, the drawing's top-left
corner at (0, 0).
"""

from __future__ import annotations

import itertools
import json
import math
import subprocess
from collections import deque
from dataclasses import dataclass, replace
from typing import Any, Final

from lineage.errors import InvalidArgumentError
from lineage.render._dot import GONE_STATES, scene_to_dot
from lineage.render._errors import INSTALL_HINT, RenderError
from lineage.render._graphviz import dot_binary
from lineage.render._model import Node, Scene
from lineage.render._options import DEFAULT_COLLAPSE_THRESHOLD, Options, make_options
from lineage.render._reduce import prepare
from lineage.render._style import FOCUS_COLOR, HIGHLIGHT_COLOR, node_style

__all__ = [
    "AUTO_GRAPHVIZ_NODES",
    "CYTOSCAPE_SHAPES",
    "ENGINES",
    "GRAPHVIZ_MAX_NODES",
    "LAYOUT_MAX_NODES",
    "LAYOUT_TIMEOUT",
    "Layout",
    "LayoutEdge",
    "LayoutNode",
    "layout",
]

#: Layout engines: 'auto' picks Graphviz for small graphs when it is installed.
ENGINES: Final = ("auto", "layered", "graphviz")
#: The default node budget of :func:`layout` (a viewer draws far more than a static picture).
LAYOUT_MAX_NODES: Final = 5000
#: 'auto' uses Graphviz up to this many nodes.
AUTO_GRAPHVIZ_NODES: Final = 150
#: 'graphviz' falls back to the layered layout above this many nodes.
GRAPHVIZ_MAX_NODES: Final = 300
#: Seconds Graphviz may take before the layered layout is used instead.
LAYOUT_TIMEOUT: Final = 10.0
#: Graphviz shapes as Cytoscape.js shape names (every category keeps a shape of its own).
CYTOSCAPE_SHAPES: Final[dict[str, str]] = {
    "cylinder": "barrel",  # dataset
    "box3d": "cut-rectangle",  # model
    "hexagon": "hexagon",  # metrics
    "tab": "tag",  # statistics
    "note": "rhomboid",  # config (a plain rectangle would look like an execution)
    "component": "concave-hexagon",  # environment
    "box": "rectangle",  # execution; rounded: 'round-rectangle' (other artifact)
}
#: Space between layers and between neighbours in a layer, in pixels.
LAYER_GAP: Final = 64.0
NODE_GAP: Final = 14.0
#: Space between the sub-columns of a wrapped layer, in pixels.
SUBCOLUMN_GAP: Final = 28.0
#: Automatic column height: a drawing at most this many times as tall (across the flow) as it
#: is wide (along it), unless that would make columns shorter than :data:`MIN_COLUMN_HEIGHT`.
MAX_ASPECT: Final = 2.5
MIN_COLUMN_HEIGHT: Final = 1500.0
#: Barycenter sweeps (alternately down and up) that order the layers.
SWEEPS: Final = 4
_CUT_COLOR: Final = "#9AA0A6"
_WIDE_SHAPES: Final = frozenset({"hexagon", "tag", "rhomboid", "concave-hexagon"})


@dataclass(frozen=True)
class LayoutNode:
    """One placed node, with everything a viewer needs to draw it.

    Attributes:
        key: ``artifact:ID``, ``execution:ID``, ``more:…`` ("+N more"), ``cut:…`` (where the
            node budget left nodes out) or ``ref:…`` (a small copy of a shared node).
        kind: 'artifact', 'execution', 'group', 'cut' or 'ref'.
        category: The style category ('dataset', 'model', ..., 'execution', 'cut').
        type_name: The type name shown in small print ('' when unknown).
        title: The main label line.
        subtitle: The small third line ('' when none).
        state: The artifact or execution state name ('' when unset).
        x: The centre, in pixels from the left edge of the drawing.
        y: The centre, in pixels from the top edge of the drawing.
        width: The node's width in pixels.
        height: The node's height in pixels.
        shape: A Cytoscape.js shape name (see :data:`CYTOSCAPE_SHAPES`).
        fill: Fill colour.
        border_color: Border colour (black for the focus, reddish purple on the path).
        border_width: Border width in pixels.
        border_style: 'solid', 'dashed' or 'dotted' (Cytoscape's ``border-style``).
        dashed: Whether the border is dashed ("+N more", copies, NEW/CANCELED, "+N").
        focus: The node is a focus node.
        highlighted: The node is on the highlighted path.
        members: For 'group' and 'cut' nodes, the keys of the nodes they stand for.
        count: How many nodes it stands for (``len(members)`` for groups and cuts, else 1).
        ref: For a 'ref' node, the key of the node it copies ('' otherwise).
    """

    key: str
    kind: str
    category: str
    type_name: str
    title: str
    subtitle: str
    state: str
    x: float
    y: float
    width: float
    height: float
    shape: str
    fill: str
    border_color: str
    border_width: float
    border_style: str
    dashed: bool
    focus: bool
    highlighted: bool
    members: tuple[str, ...]
    count: int
    ref: str = ""


@dataclass(frozen=True)
class LayoutEdge:
    """One edge (several events between the same two nodes are one edge).

    Attributes:
        source: Key of the node the edge leaves.
        target: Key of the node the edge enters.
        style: 'solid', 'declared', 'internal', 'pending', 'unknown' or 'cut'.
        labels: The event paths on the edge (empty when edge labels are off).
        count: How many events (or hidden edges) it stands for.
        highlighted: The edge joins two consecutive nodes of the highlighted path.
    """

    source: str
    target: str
    style: str
    labels: tuple[str, ...]
    count: int
    highlighted: bool


@dataclass(frozen=True)
class Layout:
    """A lineage graph with node positions, ready for a browser to draw.

    Attributes:
        nodes: The nodes, in key order.
        edges: The edges, in (source, target) key order.
        focus: Keys of the focus nodes that are drawn.
        highlight: The highlighted path (keys, in path order).
        notes: What the drawing leaves out or how it was made (show them to the user).
        total: How many artifacts and executions the input graph has.
        width: Width of the drawing in pixels.
        height: Height of the drawing in pixels.
        engine: The engine that placed the nodes: 'layered' or 'graphviz'.
    """

    nodes: tuple[LayoutNode, ...]
    edges: tuple[LayoutEdge, ...]
    focus: tuple[str, ...]
    highlight: tuple[str, ...]
    notes: tuple[str, ...]
    total: int
    width: float
    height: float
    engine: str = "layered"

    def to_dict(self) -> dict[str, Any]:
        """The layout as plain JSON-ready data (dicts, lists, strings, numbers, booleans)."""
        data = _plain(self)
        data["nodes"] = [_plain(n) for n in self.nodes]
        data["edges"] = [_plain(e) for e in self.edges]
        return data


def _plain(item: Layout | LayoutNode | LayoutEdge) -> dict[str, Any]:
    return {k: list(v) if isinstance(v, tuple) else v for k, v in vars(item).items()}


# ------------------------------------------------------------------------------ looks
def _look(node: Node, scene: Scene) -> dict[str, Any]:
    """Shape, fill and border of a node, as the DOT writer draws it."""
    if node.kind == "cut":
        shape, fill, color, width, border = "round-rectangle", "#FFFFFF", _CUT_COLOR, 1.0, "dashed"
    else:
        style = node_style(node.category, node.state)
        shape = CYTOSCAPE_SHAPES.get(style.shape, "rectangle")
        if style.shape == "box" and style.rounded:
            shape = "round-rectangle"
        fill, color, width = style.fill, style.color, style.penwidth
        border = "dashed" if style.dashed else "solid"
        if node.kind == "group":
            fill, width, border = "#FFFFFF", 1.2, "dashed"
        elif node.kind == "ref":
            width, border = 1.0, "dashed"
        elif node.kind == "artifact" and node.state in GONE_STATES:
            fill, border = "#FFFFFF", "dotted"
        if node.key in scene.focus:
            color, width = FOCUS_COLOR, 3.2
        elif node.key in scene.highlight:
            color, width = HIGHLIGHT_COLOR, 2.8
    return {
        "shape": shape,
        "fill": fill,
        "border_color": color,
        "border_width": width,
        "border_style": border,
        "dashed": border == "dashed",
    }


def _estimate_size(node: Node, shape: str) -> tuple[float, float]:
    """A node's size from its label (11 px bold title, 9 px type and subtitle lines)."""
    if node.kind == "cut":
        return round(max(30.0, 5.0 * len(node.title) + 16.0), 1), 20.0
    small = node.kind == "ref"
    widths = [len(node.title) * (5.0 if small else 6.3)]
    height = 8.0 + (11.0 if small else 14.0)
    for line in (node.type_name, "" if small else node.subtitle):
        if line:
            widths.append(len(line) * 5.0)
            height += 11.0
    width = max(widths) + 22.0
    if shape in _WIDE_SHAPES:
        width += 20.0
    if shape == "barrel":
        height += 10.0
    return round(max(width, 50.0), 1), round(height, 1)


# ------------------------------------------------------------------------------ layered
def _acyclic(succ: list[list[int]]) -> tuple[list[list[int]], list[int]]:
    """The edges without the back edges of a depth-first search (lineage is a DAG, but a
    hand-written graph may not be), and the search's preorder (related nodes close together).
    """
    state = [0] * len(succ)  # 0 unseen, 1 on the stack, 2 done
    kept: list[list[int]] = [[] for _ in succ]
    preorder: list[int] = []
    for root in range(len(succ)):
        if state[root]:
            continue
        state[root] = 1
        preorder.append(root)
        stack = [(root, iter(succ[root]))]
        while stack:
            node, todo = stack[-1]
            for nxt in todo:
                if state[nxt] == 1:
                    continue  # a back edge: it closes a cycle
                kept[node].append(nxt)
                if state[nxt] == 0:
                    state[nxt] = 1
                    preorder.append(nxt)
                    stack.append((nxt, iter(succ[nxt])))
                    break
            else:
                state[node] = 2
                stack.pop()
    return kept, preorder


def _ranks(succ: list[list[int]], pred: list[list[int]]) -> list[int]:
    """Longest-path layers from the sources; each source then sits just before its earliest
    consumer (so a config read late in a pipeline is drawn next to its reader)."""
    n = len(succ)
    rank = [0] * n
    waiting = [len(p) for p in pred]
    queue = deque(i for i in range(n) if not waiting[i])
    while queue:
        node = queue.popleft()
        for nxt in succ[node]:
            rank[nxt] = max(rank[nxt], rank[node] + 1)
            waiting[nxt] -= 1
            if not waiting[nxt]:
                queue.append(nxt)
    for node in range(n):
        if not pred[node] and succ[node]:
            rank[node] = min(rank[s] for s in succ[node]) - 1
    return rank


def _order(layers: list[list[int]], succ: list[list[int]], pred: list[list[int]]) -> None:
    """Reorder each layer in place by the barycenter of its neighbours, sweeping down and up."""
    pos = [0.0] * len(succ)

    def place(layer: list[int]) -> None:
        middle = (len(layer) - 1) / 2
        for i, node in enumerate(layer):
            pos[node] = i - middle

    for layer in layers:
        place(layer)
    for sweep in range(SWEEPS):
        down = sweep % 2 == 0
        side = pred if down else succ
        for layer in layers if down else reversed(layers):
            ranked = []
            for node in layer:
                near = side[node]
                weight = sum(map(pos.__getitem__, near)) / len(near) if near else pos[node]
                ranked.append((weight, pos[node], node))
            ranked.sort()
            layer[:] = [node for _, _, node in ranked]
            place(layer)


def _split(sizes: list[float], prefix: list[float], limit: float) -> tuple[int, float]:
    """How many sub-columns a layer needs so that none is longer than ``limit``, and the length
    of the longest. Nodes fill the sub-columns in order, the same number to each (the last may
    have fewer).

    Args:
        sizes: The nodes' extents across the flow, in layer order.
        prefix: Running sums of ``sizes`` (``prefix[i]`` is the sum of the first ``i``).
        limit: The longest a sub-column may be (a lone node longer than that gets one of its
            own).
    """
    n = len(sizes)
    extent = prefix[n] + NODE_GAP * (n - 1)
    if extent <= limit:
        return 1, extent
    count = min(n, max(1, math.ceil((extent + NODE_GAP) / (limit + NODE_GAP))))
    per = math.ceil(n / count)
    while True:
        longest = max(
            prefix[min(n, i + per)] - prefix[i] + NODE_GAP * (min(n, i + per) - i - 1)
            for i in range(0, n, per)
        )
        if longest <= limit or per == 1:
            return math.ceil(n / per), longest
        # Unequal node sizes: fewer to a sub-column (in proportion, and at least one fewer).
        per = max(1, min(per - 1, math.floor(per * (limit + NODE_GAP) / (longest + NODE_GAP))))


def _column_limit(
    breadths: list[list[float]], prefixes: list[list[float]], thickness: list[float]
) -> float:
    """The automatic column height: the largest with which the drawing is at most
    :data:`MAX_ASPECT` times as long across the flow as along it, and at least
    :data:`MIN_COLUMN_HEIGHT` (so graphs of normal size are never wrapped).

    A bisection over the height; each step costs one :func:`_split` per layer.
    """

    def fits(limit: float) -> bool:
        along = LAYER_GAP * (len(breadths) - 1)
        across = 0.0
        for sizes, prefix, thick in zip(breadths, prefixes, thickness, strict=True):
            count, longest = _split(sizes, prefix, limit)
            along += count * thick + (count - 1) * SUBCOLUMN_GAP
            across = max(across, longest)
        return across <= MAX_ASPECT * along

    tallest = max(p[-1] + NODE_GAP * (len(p) - 2) for p in prefixes)  # len(p) is n + 1
    if tallest <= MIN_COLUMN_HEIGHT or fits(tallest):
        return math.inf
    low, high = MIN_COLUMN_HEIGHT, tallest  # fits(high) is false, fits(low) may be
    if not fits(low):
        return low
    while high - low > 1.0:
        middle = (low + high) / 2
        if fits(middle):
            low = middle
        else:
            high = middle
    return low


def _layered(
    keys: list[str],
    pairs: list[tuple[str, str]],
    sizes: dict[str, tuple[float, float]],
    direction: str,
    max_column_height: float | None = None,
) -> dict[str, tuple[float, float]]:
    """Centres of the nodes in a layered layout (see the module docstring).

    Args:
        keys: The node keys, in key order (which makes the result deterministic).
        pairs: The edges as (source, target) keys.
        sizes: Node key -> (width, height).
        direction: 'LR', 'RL', 'TB' or 'BT'.
        max_column_height: The longest a column (a row for 'TB'/'BT') may be, in pixels,
            before its layer is wrapped into several; None: automatic (:func:`_column_limit`);
            ``math.inf``: never wrap.

    Returns:
        Node key -> (x, y) of its centre.
    """
    index = {k: i for i, k in enumerate(keys)}
    succ: list[list[int]] = [[] for _ in keys]
    for src, dst in pairs:
        if src != dst:
            succ[index[src]].append(index[dst])
    for targets in succ:
        targets.sort()
    succ, preorder = _acyclic(succ)
    pred: list[list[int]] = [[] for _ in keys]
    for node, targets in enumerate(succ):
        for nxt in targets:
            pred[nxt].append(node)
    rank = _ranks(succ, pred)
    layers: list[list[int]] = [[] for _ in range(max(rank, default=-1) + 1)]
    for node in preorder:
        layers[rank[node]].append(node)
    _order(layers, succ, pred)

    across = direction in ("LR", "RL")  # layers are columns; nodes stack vertically
    depth = [sizes[k][0 if across else 1] for k in keys]  # extent along the flow
    breadth = [sizes[k][1 if across else 0] for k in keys]  # extent across it
    breadths = [[breadth[n] for n in layer] for layer in layers]
    prefixes = [[0.0, *itertools.accumulate(b)] for b in breadths]
    thickness = [max(depth[n] for n in layer) for layer in layers]
    limit = max_column_height
    if limit is None:
        limit = _column_limit(breadths, prefixes, thickness) if layers else math.inf
    # Each layer as sub-columns (lists of nodes), dealt row by row in the layer's order: node i
    # goes to sub-column i % count, so a wrapped layer stays level with its neighbours (filling
    # column by column made edges twice as long, zig-zagging between the sub-columns).
    columns: list[list[list[int]]] = []
    for layer, b, prefix in zip(layers, breadths, prefixes, strict=True):
        count, _ = _split(b, prefix, limit)
        columns.append([layer[c::count] for c in range(count)] if count > 1 else [layer])
    extents = [
        [sum(breadth[n] for n in column) + NODE_GAP * (len(column) - 1) for column in parts]
        for parts in columns
    ]
    tallest = max((e for parts in extents for e in parts), default=0.0)
    along: dict[int, float] = {}
    cross: dict[int, float] = {}
    start = 0.0
    for parts, lengths, thick in zip(columns, extents, thickness, strict=True):
        for c, (column, extent) in enumerate(zip(parts, lengths, strict=True)):
            middle = start + c * (thick + SUBCOLUMN_GAP) + thick / 2
            offset = (tallest - extent) / 2
            for node in column:
                along[node] = middle
                cross[node] = offset + breadth[node] / 2
                offset += breadth[node] + NODE_GAP
        start += len(parts) * thick + (len(parts) - 1) * SUBCOLUMN_GAP + LAYER_GAP
    span = start - LAYER_GAP
    out: dict[str, tuple[float, float]] = {}
    for node, key in enumerate(keys):
        a = span - along[node] if direction in ("RL", "BT") else along[node]
        out[key] = (a, cross[node]) if across else (cross[node], a)
    return out


# ------------------------------------------------------------------------------ graphviz
def _graphviz(
    scene: Scene, options: Options, timeout: float
) -> dict[str, tuple[float, float, float, float]]:
    """Node centres and sizes from ``dot -Tjson0`` on the scene's DOT text.

    Raises:
        RenderError: ``dot`` is missing, failed, took too long or wrote something unreadable.
    """
    binary = dot_binary()
    if binary is None:
        raise RenderError(f"Graphviz's `dot` program was not found ({INSTALL_HINT})")
    # Notes are shown by the viewer, not drawn as a heading that takes room in the layout.
    dot = scene_to_dot(replace(scene, notes=[]), options, {}, tooltips=False)
    try:
        done = subprocess.run(
            [binary, "-Tjson0"],
            input=dot.encode("utf-8"),
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise RenderError(f"Graphviz took longer than {timeout:g} s") from exc
    except OSError as exc:
        raise RenderError(f"could not run Graphviz ({binary}): {exc}") from exc
    if done.returncode != 0:
        problem = done.stderr.decode("utf-8", "replace").strip().splitlines()[-1:]
        raise RenderError(f"Graphviz failed (exit code {done.returncode}) {' '.join(problem)}")
    try:
        objects = json.loads(done.stdout).get("objects", [])
        found: dict[str, tuple[float, float, float, float]] = {}
        for obj in objects:
            name = obj.get("name")
            if name in scene.nodes and "pos" in obj:
                x, y = (float(v) for v in str(obj["pos"]).split(","))
                width, height = float(obj["width"]) * 72, float(obj["height"]) * 72
                found[name] = (x, -y, width, height)  # Graphviz's y points up
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise RenderError(f"could not read Graphviz's JSON output: {exc}") from exc
    if set(found) != set(scene.nodes):
        raise RenderError("Graphviz's JSON output lacks some nodes")
    return found


# ------------------------------------------------------------------------------ the layout
def _choose_engine(engine: str, size: int, available: bool, notes: list[str]) -> str:
    if engine == "layered" or (engine == "auto" and (not available or size > AUTO_GRAPHVIZ_NODES)):
        return "layered"
    if size > GRAPHVIZ_MAX_NODES:
        notes.append(
            f"Graphviz layout is for up to {GRAPHVIZ_MAX_NODES} nodes and {size:,} are drawn: "
            "the layered layout was used."
        )
        return "layered"
    if not available:
        notes.append(
            f"Graphviz's `dot` program was not found: the layered layout was used ({INSTALL_HINT})."
        )
        return "layered"
    return "graphviz"


def layout(
    graph: Any,
    *,
    focus: Any = (),
    highlight: Any = (),
    collapse_threshold: int | None = DEFAULT_COLLAPSE_THRESHOLD,
    max_nodes: int | None = LAYOUT_MAX_NODES,
    reduce_transitive: bool = False,
    edge_labels: bool = True,
    direction: str = "LR",
    engine: str = "auto",
    timeout: float = LAYOUT_TIMEOUT,
    max_column_height: float | None = None,
) -> Layout:
    """Place the nodes of a lineage graph for a browser viewer (e.g. Cytoscape.js, preset).

    The nodes, edges, looks and notes are those of :func:`to_dot` with the same options; the
    positions come from a fast layered layout, or from Graphviz for small graphs.

    Args:
        graph: As for :func:`to_dot`: a ``LineageGraph``, or an object holding one in
            ``lineage_graph`` (with optional ``focus`` and ``highlight``).
        focus: Node keys to emphasise (thick black border; never collapsed or cut).
        highlight: Node keys of a path; its nodes and edges are marked ``highlighted``.
        collapse_threshold: Fan-in / fan-out above this becomes "+N more" nodes; None: never.
        max_nodes: Place at most this many nodes, nearest the focus first (default 5,000);
            None places everything.
        reduce_transitive: Leave out edges implied by a longer path.
        edge_labels: Give edges their event paths (left out from 2,000 nodes on, with a note).
        direction: 'LR' (left to right, the default), 'RL', 'TB' or 'BT'.
        engine: 'layered' (pure Python, any size), 'graphviz' (``dot``, up to 300 nodes; the
            layered layout with a note when ``dot`` is missing, fails or the graph is bigger),
            or 'auto' (the default: Graphviz when it is installed and at most 150 nodes are
            drawn, else layered).
        timeout: Seconds Graphviz may take before the layered layout is used instead.
        max_column_height: Layered layout only: a layer longer than this many pixels across the
            flow (a column's height for 'LR'/'RL', a row's width for 'TB'/'BT') is wrapped into
            several adjacent sub-columns (rows), its nodes filling them in order. None (the
            default) picks it: the largest with which the drawing is at most 2.5 times as tall
            as it is wide (for 'TB'/'BT': 2.5 times as wide as it is tall), but not under
            1,500 px, so only big graphs are wrapped. ``math.inf``: never wrap. Ignored by
            Graphviz.

    Returns:
        The :class:`Layout`; the same graph and options always give the same layout.

    Raises:
        InvalidArgumentError: ``graph`` holds no lineage graph, or an option is invalid.

    Example:
        >>> from lineage.proto import LineageGraph
        >>> graph = LineageGraph()
        >>> _ = graph.artifacts.add(id=1, name="raw")
        >>> _ = graph.executions.add(id=1, name="train")
        >>> _ = graph.events.add(artifact_id=1, execution_id=1, type=3)
        >>> placed = layout(graph, engine="layered")
        >>> [(n.key, n.x < placed.width / 2) for n in placed.nodes]
        [('artifact:1', True), ('execution:1', False)]
    """
    if engine not in ENGINES:
        raise InvalidArgumentError(f"engine must be one of {ENGINES}, got {engine!r}")
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout <= 0:
        raise InvalidArgumentError(f"timeout must be a positive number of seconds, got {timeout!r}")
    if max_column_height is not None and (
        isinstance(max_column_height, bool)
        or not isinstance(max_column_height, (int, float))
        or not max_column_height > 0  # also refuses NaN
    ):
        raise InvalidArgumentError(
            f"max_column_height must be a positive number of pixels or None, "
            f"got {max_column_height!r}"
        )
    options = make_options(
        focus=focus,
        highlight=highlight,
        collapse_threshold=collapse_threshold,
        max_nodes=max_nodes,
        reduce_transitive=reduce_transitive,
        edge_labels=edge_labels,
        direction=direction,
    )
    scene, _ = prepare(graph, options)
    notes = list(scene.notes)
    nodes = scene.sorted_nodes()
    edges = scene.sorted_edges()
    looks = {n.key: _look(n, scene) for n in nodes}
    chosen = _choose_engine(engine, len(nodes), dot_binary() is not None, notes)
    boxes: dict[str, tuple[float, float, float, float]] = {}
    if chosen == "graphviz":
        try:
            boxes = _graphviz(scene, options, timeout)
        except RenderError as exc:
            notes.append(f"{exc}: the layered layout was used.")
            chosen = "layered"
    if chosen == "layered":
        sizes = {n.key: _estimate_size(n, looks[n.key]["shape"]) for n in nodes}
        centres = _layered(
            [n.key for n in nodes],
            [(e.src, e.dst) for e in edges],
            sizes,
            options.direction,
            None if max_column_height is None else float(max_column_height),
        )
        boxes = {k: (*centres[k], *sizes[k]) for k in centres}
    left = min((x - w / 2 for x, _, w, _ in boxes.values()), default=0.0)
    top = min((y - h / 2 for _, y, _, h in boxes.values()), default=0.0)
    right = max((x + w / 2 for x, _, w, _ in boxes.values()), default=0.0)
    bottom = max((y + h / 2 for _, y, _, h in boxes.values()), default=0.0)
    focused, on_path, marked = set(scene.focus), set(scene.highlight), scene.highlight_edges()
    placed = []
    for node in nodes:
        x, y, w, h = boxes[node.key]
        members = node.members if node.kind == "group" else ()
        if node.kind == "cut":
            members = tuple(node.details.get("members", ()))
        placed.append(
            LayoutNode(
                key=node.key,
                kind=node.kind,
                category=node.category,
                type_name=node.type_name,
                title=node.title,
                subtitle=node.subtitle,
                state=node.state,
                x=round(x - left, 1),
                y=round(y - top, 1),
                width=round(w, 1),
                height=round(h, 1),
                focus=node.key in focused,
                highlighted=node.key in on_path,
                members=members,
                count=len(members) if node.kind in ("group", "cut") else 1,
                ref=str(node.details.get("ref", "")) if node.kind == "ref" else "",
                **looks[node.key],
            )
        )
    return Layout(
        nodes=tuple(placed),
        edges=tuple(
            LayoutEdge(
                source=e.src,
                target=e.dst,
                style=e.style,
                labels=e.labels if scene.edge_labels else (),
                count=e.count,
                highlighted=(e.src, e.dst) in marked,
            )
            for e in edges
        ),
        focus=scene.focus,
        highlight=scene.highlight,
        notes=tuple(notes),
        total=scene.total,
        width=round(right - left, 1),
        height=round(bottom - top, 1),
        engine=chosen,
    )
