"""The public drawing functions: DOT, Mermaid, HTML text and Graphviz drawings."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Final

from lineage.errors import InvalidArgumentError
from lineage.render._dot import scene_to_dot
from lineage.render._graphviz import DEFAULT_TIMEOUT, run_dot
from lineage.render._html import scene_to_html
from lineage.render._mermaid import scene_to_mermaid
from lineage.render._model import Scene
from lineage.render._options import (
    DEFAULT_COLLAPSE_THRESHOLD,
    DEFAULT_MAX_NODES,
    Options,
    make_options,
)
from lineage.render._reduce import prepare

__all__ = ["FORMATS", "draw", "render", "to_dot", "to_html", "to_mermaid", "write_output"]

#: Every output format of :func:`render`; the first three need nothing installed.
FORMATS: Final = ("dot", "mermaid", "svg", "png", "pdf", "html")
#: Formats returned as ``bytes`` (the others are ``str``).
BINARY_FORMATS: Final = ("png", "pdf")


def to_dot(
    graph: Any,
    *,
    focus: Any = (),
    highlight: Any = (),
    clusters: bool = False,
    collapse_threshold: int | None = DEFAULT_COLLAPSE_THRESHOLD,
    max_nodes: int | None = DEFAULT_MAX_NODES,
    reduce_transitive: bool = False,
    title: str | None = None,
    legend: bool = False,
    edge_labels: bool = True,
    direction: str = "LR",
) -> str:
    """The lineage graph as DOT text (Graphviz's language); needs nothing installed.

    Args:
        graph: An MLMD ``LineageGraph`` (as ``MetadataStore.get_lineage_subgraph`` returns), or
            an object whose ``lineage_graph`` attribute holds one; its ``focus`` and
            ``highlight`` attributes, when present, are used unless given here.
        focus: Node keys (``"artifact:12"``) to emphasise with a thick black border.
        highlight: Node keys of a path (e.g. from ``diff`` or ``path``): its nodes and the
            edges between consecutive ones are drawn in reddish purple.
        clusters: Draw contexts (pipeline runs, experiments) as boxes around their nodes.
        collapse_threshold: A node with more neighbours than this on one side keeps
            ``collapse_threshold - 1`` of them and the rest become one "+N more" node; None
            draws every neighbour.
        max_nodes: Draw at most this many nodes, the nearest to the focus first; the rest is
            left out with a note and dashed "+N not shown" markers; None draws everything.
        reduce_transitive: Leave out edges implied by a longer path.
        title: A heading above the diagram.
        legend: Draw a legend of the shapes and colours used.
        edge_labels: Label edges with their event path (``model``, ``examples[0]``).
        direction: 'LR' (left to right, the default), 'TB', 'RL' or 'BT'.

    Returns:
        The DOT text; the same graph and options always give the same text.

    Raises:
        InvalidArgumentError: ``graph`` holds no lineage graph, or an option is invalid.

    Example:
        >>> from lineage.proto import LineageGraph
        >>> graph = LineageGraph()
        >>> artifact = graph.artifacts.add(id=1, name="raw", uri="s3://lake/raw.csv")
        >>> print(to_dot(graph).splitlines()[0])
        digraph lineage {
    """
    options = make_options(
        focus=focus,
        highlight=highlight,
        clusters=clusters,
        collapse_threshold=collapse_threshold,
        max_nodes=max_nodes,
        reduce_transitive=reduce_transitive,
        title=title,
        legend=legend,
        edge_labels=edge_labels,
        direction=direction,
    )
    scene, placed = prepare(graph, options)
    return scene_to_dot(scene, options, placed)


def to_mermaid(graph: Any, **options: Any) -> str:
    """The lineage graph as a Mermaid flowchart (for Markdown); needs nothing installed.

    Args:
        graph: As for :func:`to_dot`.
        **options: The options of :func:`to_dot`.

    Returns:
        The Mermaid text (``flowchart LR`` ...), without a Markdown fence.

    Raises:
        InvalidArgumentError: ``graph`` holds no lineage graph, or an option is invalid.
    """
    parsed = make_options(**options)
    scene, placed = prepare(graph, parsed)
    return scene_to_mermaid(scene, parsed, placed)


def to_html(graph: Any, *, timeout: float = DEFAULT_TIMEOUT, **options: Any) -> str:
    """A self-contained HTML page: the SVG drawing with pan, zoom, search and node details.

    The page loads nothing from the network. Hovering a node shows its details (type,
    properties, URI, state, times, contexts); clicking pins them and marks its edges.

    Args:
        graph: As for :func:`to_dot`.
        timeout: Seconds Graphviz may take.
        **options: The options of :func:`to_dot`.

    Returns:
        The HTML page.

    Raises:
        InvalidArgumentError: ``graph`` holds no lineage graph, or an option is invalid.
        GraphvizNotFoundError: Graphviz is not installed (the page embeds its SVG drawing).
        RenderError: Graphviz failed or took too long.
    """
    parsed = make_options(**options)
    scene, placed = prepare(graph, parsed)
    svg = run_dot(scene_to_dot(scene, parsed, placed, tooltips=False), "svg", timeout=timeout)
    return scene_to_html(scene, svg.decode("utf-8"))


def draw(
    scene: Scene,
    placed: dict[str, str],
    options: Options,
    format: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
) -> bytes | str:
    """Draw a prepared scene in ``format`` (see :func:`render`)."""
    if format not in FORMATS:
        raise InvalidArgumentError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    if format == "dot":
        return scene_to_dot(scene, options, placed)
    if format == "mermaid":
        return scene_to_mermaid(scene, options, placed)
    if format == "html":
        dot = scene_to_dot(scene, options, placed, tooltips=False)
        return scene_to_html(scene, run_dot(dot, "svg", timeout=timeout).decode("utf-8"))
    drawn = run_dot(scene_to_dot(scene, options, placed), format, timeout=timeout)
    return drawn if format in BINARY_FORMATS else drawn.decode("utf-8")


def write_output(result: bytes | str, output: str | Path) -> Path:
    """Write a drawing to ``output`` (creating parent directories); return the path."""
    path = Path(output)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(result, bytes):
        path.write_bytes(result)
    else:
        path.write_text(result, encoding="utf-8")
    return path


def render(
    graph: Any,
    format: str = "svg",
    output: str | Path | None = None,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    **options: Any,
) -> bytes | str:
    """Draw the lineage graph in any format, optionally writing it to a file.

    Args:
        graph: As for :func:`to_dot`.
        format: 'svg' (default), 'png', 'pdf' (these three need Graphviz), 'dot', 'mermaid'
            or 'html' (needs Graphviz too: the page embeds the SVG).
        output: A file to write the result to (parent directories are created).
        timeout: Seconds Graphviz may take.
        **options: The options of :func:`to_dot`.

    Returns:
        ``bytes`` for 'png' and 'pdf', ``str`` for the others.

    Raises:
        InvalidArgumentError: Unknown format, no lineage graph, or an invalid option.
        GraphvizNotFoundError: The format needs Graphviz and it is not installed.
        RenderError: Graphviz failed or took too long.
    """
    if format not in FORMATS:
        raise InvalidArgumentError(f"format must be one of {', '.join(FORMATS)}, got {format!r}")
    parsed = make_options(**options)
    scene, placed = prepare(graph, parsed)
    result = draw(scene, placed, parsed, format, timeout=timeout)
    if output is not None:
        write_output(result, output)
    return result
