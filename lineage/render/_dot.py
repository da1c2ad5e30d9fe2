"""DOT text (Graphviz's language) for a scene: pure string building, nothing to install.

The output is deterministic: nodes, edges and clusters are written in node-key order, node ids are
the node keys (``"artifact:12"``), and Graphviz's SVG keeps them as element ids.
"""

from __future__ import annotations

import html
from collections import Counter
from collections.abc import Iterable
from typing import Any, Final

from lineage.render._model import Edge, Node, Scene, natural_key
from lineage.render._options import Options
from lineage.render._style import (
    CATEGORIES,
    EDGE_COLOR,
    FOCUS_COLOR,
    FONT,
    HIGHLIGHT_COLOR,
    MUTED_TEXT,
    STATE_STYLES,
    NodeStyle,
    node_style,
)

__all__ = ["BIG_GRAPH", "edge_label", "quote", "scene_to_dot"]

#: From this many nodes on, edges are drawn as straight polylines (spline routing is the slowest
#: part of a Graphviz layout) and the crossing minimisation works less hard.
BIG_GRAPH: Final = 800
_FAILED_TEXT: Final = "#B34700"
#: Artifact states drawn with a dotted border, white fill and grey text.
GONE_STATES: Final = frozenset({"DELETED", "MARKED_FOR_DELETION", "ABANDONED"})
_CUT_COLOR: Final = "#9AA0A6"
_EDGE_STYLES: Final[dict[str, str]] = {
    "solid": "",
    "declared": 'style="dashed"',
    "internal": 'style="dotted"',
    "pending": 'style="dashed", color="#BDC1C6"',
    "unknown": 'style="dashed", dir="none"',
    "cut": f'style="dashed", color="{_CUT_COLOR}", arrowsize="0.5"',
}


def quote(text: str) -> str:
    """A DOT double-quoted string."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return '"' + "".join(c for c in escaped if c.isprintable()) + '"'


def _html(text: str) -> str:
    clean = "".join(c for c in text if c.isprintable())
    return html.escape(clean, quote=False).replace('"', "&quot;")


def _small(text: str, color: str = MUTED_TEXT, bold: bool = False) -> str:
    inner = f"<B>{_html(text)}</B>" if bold else _html(text)
    return f'<FONT POINT-SIZE="9" COLOR="{color}">{inner}</FONT>'


def node_label(node: Node) -> str:
    """The HTML-like label of a node: type (small), title (bold), subtitle (small)."""
    lines: list[str] = []
    if node.kind == "cut":
        return "<" + _html(node.title) + ">"
    if node.type_name:
        lines.append(_small(node.type_name))
    lines.append(f"<B>{_html(node.title)}</B>")
    if node.subtitle:
        failed = node.state == "FAILED" or "FAILED" in node.subtitle
        lines.append(_small(node.subtitle, _FAILED_TEXT if failed else MUTED_TEXT, failed))
    return "<" + "<BR/>".join(lines) + ">"


def _tooltip(node: Node) -> str:
    details = node.details
    if node.kind == "ref":
        return f"{node.type_name} {node.title}: a copy of {details.get('ref')}, drawn in full once"
    if node.kind in ("group", "cut"):
        members = list(details.get("members", []))
        shown = ", ".join(members[:12]) + (", …" if len(members) > 12 else "")
        head = node.title + (f" ({node.type_name})" if node.type_name else "")
        return f"{head}: {shown}"
    lines = [node.key, str(details.get("type", ""))]
    for name in ("name", "uri", "state"):
        if name in details:
            lines.append(f"{name}: {details[name]}")
    return "\n".join(line for line in lines if line)


def _style_attrs(style: NodeStyle, extra: Iterable[str] = ()) -> str:
    styles = ["filled"]
    if style.rounded:
        styles.append("rounded")
    if style.dashed:
        styles.append("dashed")
    styles.extend(extra)
    return (
        f'shape="{style.shape}", style="{",".join(styles)}", color="{style.color}", '
        f'fillcolor="{style.fill}", penwidth="{style.penwidth:g}"'
    )


def _node_attrs(node: Node, scene: Scene, tooltips: bool) -> str:
    attrs = [f"id={quote(node.key)}", f"label={node_label(node)}"]
    if node.kind == "cut":
        attrs.append(
            f'shape="box", style="rounded,dashed", color="{_CUT_COLOR}", '
            f'fontcolor="{MUTED_TEXT}", fontsize="9", margin="0.08,0.03", height="0.3"'
        )
    else:
        style = node_style(node.category, node.state)
        extra: tuple[str, ...] = ()
        if node.kind == "group":
            style = NodeStyle(
                style.shape, style.color, "#FFFFFF", style.label, style.rounded, 1.2, True
            )
        elif node.kind == "artifact" and node.state in GONE_STATES:
            style = NodeStyle(style.shape, style.color, "#FFFFFF", style.label, style.rounded)
            attrs.append('fontcolor="#5f6368"')
            extra = ("dotted",)
        elif node.kind == "ref":
            style = NodeStyle(
                style.shape, style.color, style.fill, style.label, style.rounded, 1.0, True
            )
            attrs.append('fontsize="9", margin="0.08,0.02"')
        if node.key in scene.focus:
            style = NodeStyle(style.shape, FOCUS_COLOR, style.fill, style.label, style.rounded, 3.2)
        elif node.key in scene.highlight:
            style = NodeStyle(
                style.shape, HIGHLIGHT_COLOR, style.fill, style.label, style.rounded, 2.8
            )
        attrs.append(_style_attrs(style, extra))
    if tooltips:
        attrs.append(f"tooltip={quote(_tooltip(node))}")
    return ", ".join(attrs)


def edge_label(edge: Edge) -> str:
    """The text on an edge: its event paths, shortened when there are many."""
    if not edge.labels:
        return ""
    if len(edge.labels) <= 2:
        return ", ".join(edge.labels)
    return f"{edge.labels[0]}, … ({len(edge.labels)} paths)"


def _edge_attrs(edge: Edge, highlighted: bool, labels: bool) -> str:
    attrs = [f"id={quote(edge.src + '->' + edge.dst)}"]
    text = edge_label(edge) if labels else ""
    if text:
        attrs.append(f"label={quote(text)}")
    if _EDGE_STYLES.get(edge.style):
        attrs.append(_EDGE_STYLES[edge.style])
    if highlighted:
        attrs.append(f'color="{HIGHLIGHT_COLOR}", penwidth="2.8", arrowsize="0.9"')
    return ", ".join(attrs)


def _graph_label(scene: Scene, legend: bool) -> str:
    """The heading: title, legend and notes, as one left-aligned table."""
    rows: list[str] = []
    if scene.title:
        rows.append(f'<FONT POINT-SIZE="15"><B>{_html(scene.title)}</B></FONT>')
    if legend:
        rows.append(_legend_table(scene))
    if scene.notes:
        rows.append(
            '<BR ALIGN="LEFT"/>'.join(_small(n) for n in scene.notes) + '<BR ALIGN="LEFT"/>'
        )
    if not rows:
        return ""
    cells = "".join(f'<TR><TD ALIGN="LEFT" BALIGN="LEFT">{row}</TD></TR>' for row in rows)
    return f'<<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="2">{cells}</TABLE>>'


def _cluster_lines(
    scene: Scene, placed: dict[str, str], tooltips: bool
) -> tuple[list[str], set[str]]:
    """The nested ``subgraph cluster_…`` blocks, and the keys of the nodes placed in them."""
    used: set[str] = set()
    for cluster in placed.values():
        key: str | None = cluster
        while key is not None and key not in used:
            used.add(key)
            key = scene.clusters[key].parent
    children: dict[str | None, list[str]] = {}
    for key in sorted(used, key=natural_key):
        children.setdefault(scene.clusters[key].parent, []).append(key)
    members: dict[str, list[Node]] = {}
    for node in scene.sorted_nodes():
        if node.key in placed:
            members.setdefault(placed[node.key], []).append(node)
    lines: list[str] = []

    def block(key: str, depth: int) -> None:
        cluster = scene.clusters[key]
        pad = "  " * depth
        label = (
            f'<{_small(cluster.type_name)}<BR ALIGN="LEFT"/><B>{_html(cluster.name)}</B>'
            '<BR ALIGN="LEFT"/>>'
        )
        lines.append(f"{pad}subgraph {quote('cluster_' + key)} {{")
        lines.append(
            f'{pad}  id={quote(key)}; label={label}; labeljust="l"; style="rounded,filled"; '
            f'color="#BDC1C6"; fillcolor="#F8F9FA"; penwidth="1";'
        )
        for node in members.get(key, []):
            lines.append(f"{pad}  {quote(node.key)} [{_node_attrs(node, scene, tooltips)}];")
        for child in children.get(key, []):
            block(child, depth + 1)
        lines.append(f"{pad}}}")

    for root in children.get(None, []):
        block(root, 1)
    return lines, set(placed)


#: Shape names as the legend spells them.
_SHAPE_WORDS: Final = {
    "cylinder": "cylinder",
    "box3d": "3-D box",
    "hexagon": "hexagon",
    "tab": "tab",
    "note": "note",
    "component": "component",
    "box": "box",
}


def legend_entries(scene: Scene) -> list[tuple[str, NodeStyle]]:
    """The (text, style) entries of a legend for what the scene draws, in a fixed order."""
    entries: list[tuple[str, NodeStyle]] = []
    drawn = [n for n in scene.nodes.values() if n.kind != "cut"]
    categories = Counter(n.category for n in drawn)
    for name, style in CATEGORIES.items():
        if categories[name]:
            shape = ("rounded " if style.rounded else "") + _SHAPE_WORDS.get(style.shape, "box")
            entries.append((f"{style.label} ({shape})", style))
    states = {n.state or "COMPLETE" for n in drawn if n.category == "execution"}
    for state, style in STATE_STYLES.items():
        if state in states:
            entries.append((style.label, style))
    kinds = {n.kind for n in drawn}
    if "group" in kinds:
        entries.append(
            ('"+N more": collapsed', NodeStyle("box", "#7A7A7A", "#FFFFFF", "", True, 1.0, True))
        )
    if "ref" in kinds:
        entries.append(
            ("copy of a shared node", NodeStyle("box", "#7A7A7A", "#F4F4F4", "", False, 1.0, True))
        )
    if scene.focus:
        entries.append(("focus", NodeStyle("box", FOCUS_COLOR, "#FFFFFF", "", False, 3.0)))
    if scene.highlight:
        entries.append(
            ("highlighted path", NodeStyle("box", HIGHLIGHT_COLOR, "#FFFFFF", "", False, 3.0))
        )
    return entries


def _legend_table(scene: Scene) -> str:
    """The legend as an HTML-like table (drawn in the heading, outside the layout)."""
    cells = []
    for text, style in legend_entries(scene):
        border = 3 if style.penwidth >= 2.5 else 1
        dashed = ' STYLE="dashed"' if style.dashed else ""
        cells.append(
            f'<TD BGCOLOR="{style.fill}" COLOR="{style.color}" BORDER="{border}"{dashed}>'
            f'<FONT POINT-SIZE="9">{_html(text)}</FONT></TD>'
        )
    return (
        '<TABLE BORDER="0" CELLSPACING="4" CELLPADDING="3"><TR>'
        '<TD><FONT POINT-SIZE="9"><B>Legend</B></FONT></TD>' + "".join(cells) + "</TR></TABLE>"
    )


def scene_to_dot(
    scene: Scene, options: Options, placed: dict[str, str], *, tooltips: bool = True
) -> str:
    """The DOT text of a prepared scene.

    Args:
        scene: The scene (after collapsing and cutting).
        options: The drawing options (direction, edge labels, legend).
        placed: Node key -> cluster key for the nodes drawn inside a cluster.
        tooltips: Give nodes tooltips (SVG viewers show them on hover).

    Returns:
        The DOT text, ending with a newline.
    """
    big = len(scene.nodes) >= BIG_GRAPH
    graph_attrs: list[str] = [
        f'rankdir="{options.direction}"',
        'newrank="true"',
        f'ranksep="{0.35 if big else 0.5}"',
        f'nodesep="{0.12 if big else 0.22}"',
        'pad="0.3"',
        f'fontname="{FONT}"',
        'bgcolor="#FFFFFF"',
        'outputorder="edgesfirst"',
    ]
    if big:
        graph_attrs += ['splines="polyline"', 'mclimit="0.3"', 'nslimit="2"', 'remincross="false"']
    label = _graph_label(scene, options.legend)
    if label:
        graph_attrs += [f"label={label}", 'labelloc="t"', 'labeljust="l"', 'fontsize="11"']
    lines = [
        "digraph lineage {",
        f"  graph [{', '.join(graph_attrs)}];",
        f'  node [fontname="{FONT}", fontsize="11", margin="0.14,0.05", fontcolor="#202124"];',
        f'  edge [fontname="{FONT}", fontsize="9", fontcolor="{MUTED_TEXT}", '
        f'color="{EDGE_COLOR}", arrowsize="0.7", penwidth="1.1"];',
    ]
    cluster_lines, in_clusters = _cluster_lines(scene, placed, tooltips)
    lines += cluster_lines
    for node in scene.sorted_nodes():
        if node.key not in in_clusters:
            lines.append(f"  {quote(node.key)} [{_node_attrs(node, scene, tooltips)}];")
    marked = scene.highlight_edges()
    for edge in scene.sorted_edges():
        attrs = _edge_attrs(edge, (edge.src, edge.dst) in marked, scene.edge_labels)
        lines.append(f"  {quote(edge.src)} -> {quote(edge.dst)} [{attrs}];")
    lines.append("}")
    return "\n".join(lines) + "\n"


def describe(scene: Scene) -> dict[str, Any]:
    """Counts of what a scene draws (for notebook text and CLI messages)."""
    kinds = Counter(n.kind for n in scene.nodes.values())
    return {"nodes": sum(kinds.values()), "edges": len(scene.edges), **kinds}
