"""A self-contained HTML page around the SVG drawing: pan, zoom, search and node details.

Everything the page needs is inline (the SVG, the styles, the script and the node details as
JSON), so it opens from a file with no network, and it is the same for the same graph.
"""

from __future__ import annotations

import html
import json
import re
from importlib import resources
from typing import Any, Final

from lineage.render._dot import edge_label
from lineage.render._model import Scene

__all__ = ["page_data", "scene_to_html"]

_PROLOG: Final = re.compile(r"^\s*(<\?xml[^>]*\?>\s*)?(<!DOCTYPE[^>]*>\s*)?", re.S)
_COMMENT: Final = re.compile(r"<!--.*?-->\s*", re.S)


def _asset(name: str) -> str:
    return resources.files("lineage.render").joinpath("assets").joinpath(name).read_text("utf-8")


def page_data(scene: Scene) -> dict[str, Any]:
    """The node details, edges and notes the page's script reads (JSON-ready)."""
    nodes = {
        node.key: {
            "title": node.title,
            "type": node.type_name,
            "subtitle": node.subtitle,
            "kind": node.kind,
            "category": node.category,
            "details": node.details,
        }
        for node in scene.sorted_nodes()
    }
    edges = [[e.src, e.dst, edge_label(e), e.style] for e in scene.sorted_edges()]
    clusters = {key: c.details for key, c in sorted(scene.clusters.items())}
    return {
        "title": scene.title or "",
        "notes": scene.notes,
        "nodes": nodes,
        "edges": edges,
        "clusters": clusters,
    }


def _inline_svg(svg: str) -> str:
    """Graphviz's SVG document as an element to inline (no XML prolog, DOCTYPE or comments)."""
    return _COMMENT.sub("", _PROLOG.sub("", svg, count=1)).strip()


def _script_json(data: dict[str, Any]) -> str:
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.replace("<", "\\u003c")  # no tag can start inside the script element


def scene_to_html(scene: Scene, svg: str) -> str:
    """The HTML page for a scene and its SVG drawing.

    Args:
        scene: The scene that was drawn.
        svg: Graphviz's SVG output for it (drawn without tooltips: the page shows details).

    Returns:
        The page, as text.
    """
    counts = {
        "artifact": sum(1 for n in scene.nodes.values() if n.kind == "artifact"),
        "execution": sum(1 for n in scene.nodes.values() if n.kind == "execution"),
    }
    title = scene.title or "Lineage"
    stats = f"{counts['artifact']} artifacts · {counts['execution']} executions"
    stats += f" · {len(scene.edges)} edges"
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta name="generator" content="lineage.render">',
            f"<title>{html.escape(title)}</title>",
            f"<style>\n{_asset('page.css')}</style>",
            "</head>",
            "<body>",
            "<header>",
            f"  <h1>{html.escape(title)}</h1>",
            f'  <span class="stats">{html.escape(stats)}</span>',
            '  <div class="tools">',
            '    <input id="search" type="search" placeholder="Find a node: name, type, URI, key"'
            ' aria-label="Find a node">',
            '    <button id="zoom-in" type="button" title="Zoom in (+)">+</button>',
            '    <button id="zoom-out" type="button" title="Zoom out (-)">&#8722;</button>',
            '    <button id="fit" type="button" title="Fit to the window (0)">Fit</button>',
            "  </div>",
            "</header>",
            "<main>",
            f'<div id="canvas">\n{_inline_svg(svg)}\n</div>',
            '<aside id="details"><p class="hint">Hover a node to see its details; click it to '
            "pin them and mark its edges. Drag to pan, scroll to zoom, double-click to fit, "
            "<kbd>/</kbd> to search.</p></aside>",
            "</main>",
            '<script type="application/json" id="lineage-data">'
            f"{_script_json(page_data(scene))}</script>",
            f"<script>\n{_asset('page.js')}</script>",
            "</body>",
            "</html>",
            "",
        ]
    )
