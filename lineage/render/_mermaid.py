"""Mermaid flowchart text for a scene: lineage diagrams inside Markdown (GitHub, GitLab, docs).

Same visual language as the DOT output, as far as Mermaid has it: a shape per artifact category,
colours through ``classDef``, failed executions in vermilion, the focus in black and the
highlighted path in reddish purple.
"""

from __future__ import annotations

import re
from typing import Final

from lineage.render._dot import edge_label
from lineage.render._model import Node, Scene, natural_key
from lineage.render._options import Options
from lineage.render._style import (
    CATEGORIES,
    FOCUS_COLOR,
    HIGHLIGHT_COLOR,
    STATE_STYLES,
)

__all__ = ["mermaid_ids", "scene_to_mermaid"]

# (open, close) of each Mermaid node shape.
_SHAPES: Final[dict[str, tuple[str, str]]] = {
    "dataset": ("[(", ")]"),
    "model": ("[[", "]]"),
    "metrics": ("{{", "}}"),
    "statistics": ("[/", "/]"),
    "config": (">", "]"),
    "environment": ("[\\", "/]"),
    "artifact": ("(", ")"),
    "execution": ("[", "]"),
    "group": ("(", ")"),
    "cut": ("(", ")"),
}
_ARROWS: Final[dict[str, str]] = {
    "solid": "-->",
    "declared": "-.->",
    "internal": "-.->",
    "pending": "-.->",
    "unknown": "-.-",
    "cut": "-.->",
}
_SPECIAL: Final = re.compile(r'["#<>&]')
_ENTITIES: Final = {'"': "#quot;", "#": "#35;", "<": "#lt;", ">": "#gt;", "&": "#amp;"}


def _text(text: str) -> str:
    clean = "".join(c for c in text if c.isprintable())
    return _SPECIAL.sub(lambda m: _ENTITIES[m.group()], clean)


def mermaid_ids(scene: Scene) -> dict[str, str]:
    """Mermaid node ids (letters and digits only): ``a12``, ``e3``; ``g1`` for "+N more"
    nodes, ``r1`` for copies of shared nodes, ``x1`` for "+N" (left out) marks."""
    ids: dict[str, str] = {}
    counters: dict[str, int] = {}
    prefixes = {"group": "g", "ref": "r", "cut": "x"}
    for node in scene.sorted_nodes():
        kind, _, rest = node.key.partition(":")
        if kind in ("artifact", "execution") and rest.isdigit():
            ids[node.key] = kind[0] + rest
        else:
            counters[node.kind] = counters.get(node.kind, 0) + 1
            ids[node.key] = prefixes.get(node.kind, "n") + str(counters[node.kind])
    return ids


def _label(node: Node) -> str:
    if node.kind == "cut":
        return _text(node.title)
    parts = []
    if node.type_name:
        parts.append(f"<small>{_text(node.type_name)}</small>")
    parts.append(f"<b>{_text(node.title)}</b>")
    if node.subtitle:
        parts.append(f"<small>{_text(node.subtitle)}</small>")
    return "<br/>".join(parts)


def _class_of(node: Node) -> str:
    if node.kind == "cut":
        return "cut"
    if node.category == "execution":
        return "failed" if node.state == "FAILED" else f"x_{(node.state or 'COMPLETE').lower()}"
    return node.category


def _node_line(node: Node, node_id: str) -> str:
    shape = "group" if node.kind == "group" and node.category == "artifact" else node.category
    if node.kind == "cut":
        shape = "cut"
    opener, closer = _SHAPES.get(shape, _SHAPES["artifact"])
    return f'{node_id}{opener}"{_label(node)}"{closer}'


def _class_defs() -> list[str]:
    lines = []
    for name, style in CATEGORIES.items():
        lines.append(f"classDef {name} fill:{style.fill},stroke:{style.color},color:#202124")
    for state, style in STATE_STYLES.items():
        name = "failed" if state == "FAILED" else f"x_{state.lower()}"
        dash = ",stroke-dasharray:4 3" if style.dashed else ""
        lines.append(
            f"classDef {name} fill:{style.fill},stroke:{style.color},"
            f"stroke-width:{style.penwidth:g}px,color:#202124{dash}"
        )
    lines += [
        "classDef cut fill:#FFFFFF,stroke:#9AA0A6,color:#5F6368,stroke-dasharray:4 3",
        "classDef group stroke-dasharray:5 3",
        "classDef note fill:#FFFFFF,stroke:#DADCE0,color:#5F6368",
        f"classDef path stroke:{HIGHLIGHT_COLOR},stroke-width:3px",
        f"classDef focus stroke:{FOCUS_COLOR},stroke-width:3px",
    ]
    return lines


def scene_to_mermaid(scene: Scene, options: Options, placed: dict[str, str]) -> str:
    """The Mermaid flowchart of a prepared scene (deterministic, ends with a newline)."""
    ids = mermaid_ids(scene)
    lines: list[str] = []
    if scene.title:
        lines += ["---", f"title: {_text(scene.title)}", "---"]
    lines.append(f"flowchart {options.direction}")
    class_defs_at = len(lines)
    if scene.notes:
        notes = "<br/>".join(_text(n) for n in scene.notes)
        lines.append(f'  notes["<small>{notes}</small>"]')
        lines.append("  class notes note")

    members: dict[str, list[Node]] = {}
    for node in scene.sorted_nodes():
        if node.key in placed:
            members.setdefault(placed[node.key], []).append(node)
        else:
            lines.append("  " + _node_line(node, ids[node.key]))
    used: set[str] = set()
    for cluster in placed.values():
        key: str | None = cluster
        while key is not None and key not in used:
            used.add(key)
            key = scene.clusters[key].parent
    children: dict[str | None, list[str]] = {}
    for key in sorted(used, key=natural_key):
        children.setdefault(scene.clusters[key].parent, []).append(key)

    def block(key: str, depth: int) -> None:
        cluster = scene.clusters[key]
        pad = "  " * depth
        title = f"<small>{_text(cluster.type_name)}</small><br/><b>{_text(cluster.name)}</b>"
        lines.append(f'{pad}subgraph c{key.partition(":")[2]}["{title}"]')
        for node in members.get(key, []):
            lines.append(f"{pad}  {_node_line(node, ids[node.key])}")
        for child in children.get(key, []):
            block(child, depth + 1)
        lines.append(f"{pad}end")

    for root in children.get(None, []):
        block(root, 1)

    marked = scene.highlight_edges()
    highlighted: list[str] = []
    for index, edge in enumerate(scene.sorted_edges()):
        arrow = _ARROWS.get(edge.style, "-->")
        text = edge_label(edge) if scene.edge_labels else ""
        middle = f'|"{_text(text)}"|' if text else ""
        lines.append(f"  {ids[edge.src]} {arrow}{middle} {ids[edge.dst]}")
        if (edge.src, edge.dst) in marked:
            highlighted.append(str(index))

    by_class: dict[str, list[str]] = {}
    for node in scene.sorted_nodes():
        by_class.setdefault(_class_of(node), []).append(ids[node.key])
        if node.kind in ("group", "ref"):  # drawn dashed
            by_class.setdefault("group", []).append(ids[node.key])
    for key in scene.highlight:
        if key not in scene.focus:
            by_class.setdefault("path", []).append(ids[key])
    for key in scene.focus:
        by_class.setdefault("focus", []).append(ids[key])
    order = [*CATEGORIES, "failed", *(f"x_{s.lower()}" for s in STATE_STYLES), "cut", "group"]
    if scene.notes:
        by_class["note"] = ["notes"]
    classes = sorted(by_class, key=lambda n: [*order, "note", "path", "focus"].index(n))
    definitions = {line.split(" ", 2)[1]: line for line in _class_defs()}
    lines[class_defs_at:class_defs_at] = ["  " + definitions[name] for name in classes]
    for name in classes:
        if name != "note":
            lines.append(f"  class {','.join(dict.fromkeys(by_class[name]))} {name}")
    if highlighted:
        lines.append(
            f"  linkStyle {','.join(highlighted)} stroke:{HIGHLIGHT_COLOR},stroke-width:3px"
        )
    return "\n".join(lines) + "\n"
