"""Notebook display: :class:`Diagram` draws itself as SVG in Jupyter; :func:`mimebundle`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lineage.render._api import draw, write_output
from lineage.render._dot import describe, scene_to_dot
from lineage.render._errors import INSTALL_HINT, RenderError
from lineage.render._graphviz import DEFAULT_TIMEOUT, graphviz_available, run_dot
from lineage.render._mermaid import scene_to_mermaid
from lineage.render._model import Scene
from lineage.render._options import Options, make_options
from lineage.render._reduce import prepare

__all__ = ["Diagram", "diagram", "format_of", "mimebundle"]


class Diagram:
    """A lineage graph with drawing options that displays itself in Jupyter.

    Args:
        graph: A ``LineageGraph`` or an object holding one (see :func:`lineage.render.to_dot`).
        **options: The options of :func:`lineage.render.to_dot`.

    Raises:
        InvalidArgumentError: ``graph`` holds no lineage graph, or an option is invalid.

    Example:
        >>> from lineage.proto import LineageGraph
        >>> d = Diagram(LineageGraph(), title="empty")
        >>> d.to_dot().startswith("digraph lineage {")
        True
    """

    def __init__(self, graph: Any, **options: Any) -> None:
        self.graph = graph
        self.options: Options = make_options(**options)
        self._scene: tuple[Scene, dict[str, str]] | None = None
        self._svg: str | None = None

    def _prepared(self) -> tuple[Scene, dict[str, str]]:
        if self._scene is None:
            self._scene = prepare(self.graph, self.options)
        return self._scene

    def to_dot(self) -> str:
        """The DOT text (needs nothing installed)."""
        scene, placed = self._prepared()
        return scene_to_dot(scene, self.options, placed)

    def to_mermaid(self) -> str:
        """The Mermaid text (needs nothing installed)."""
        scene, placed = self._prepared()
        return scene_to_mermaid(scene, self.options, placed)

    def svg(self) -> str:
        """The SVG drawing (needs Graphviz; drawn once, then kept).

        Raises:
            GraphvizNotFoundError: Graphviz is not installed.
            RenderError: Graphviz failed or took too long.
        """
        if self._svg is None:
            self._svg = run_dot(self.to_dot(), "svg").decode("utf-8")
        return self._svg

    def render(self, format: str = "svg", *, timeout: float = DEFAULT_TIMEOUT) -> bytes | str:
        """The diagram in ``format`` (see :func:`lineage.render.render`)."""
        scene, placed = self._prepared()
        if format == "svg" and timeout == DEFAULT_TIMEOUT:
            return self.svg()
        return draw(scene, placed, self.options, format, timeout=timeout)

    def save(
        self, path: str | Path, format: str | None = None, *, timeout: float = DEFAULT_TIMEOUT
    ) -> Path:
        """Write the diagram to ``path``; the format defaults to the file's suffix.

        Args:
            path: The file to write (parent directories are created).
            format: One of :data:`lineage.render.FORMATS`; default: from the suffix, else SVG.
            timeout: Seconds Graphviz may take.

        Returns:
            The path written.
        """
        target = Path(path)
        return write_output(self.render(format or format_of(target), timeout=timeout), target)

    @property
    def notes(self) -> list[str]:
        """What the drawing leaves out or draws differently (collapsed, cut, copied nodes)."""
        return list(self._prepared()[0].notes)

    def summary(self) -> str:
        """One line: what the diagram draws and what it leaves out."""
        scene, _ = self._prepared()
        counts = describe(scene)
        text = (
            f"lineage diagram: {counts.get('artifact', 0)} artifacts, "
            f"{counts.get('execution', 0)} executions, {counts['edges']} edges"
        )
        if counts.get("group"):
            text += f", {counts['group']} '+N more' nodes"
        return " ".join([text, *scene.notes])

    def _repr_svg_(self) -> str | None:
        """SVG for Jupyter; None (so another form is shown) when Graphviz is missing."""
        try:
            return self.svg()
        except RenderError:
            return None

    def _repr_mimebundle_(
        self, include: Any = None, exclude: Any = None, **kwargs: Any
    ) -> dict[str, str]:
        """The forms Jupyter may show: SVG when Graphviz is installed, else Mermaid Markdown."""
        bundle = {"text/plain": self.summary()}
        if graphviz_available():
            try:
                bundle["image/svg+xml"] = self.svg()
                return bundle
            except RenderError as exc:
                bundle["text/plain"] += f"\n(no drawing: {exc})"
                return bundle
        bundle["text/plain"] += f"\n(no SVG drawing: {INSTALL_HINT})"
        bundle["text/markdown"] = (
            f"```mermaid\n{self.to_mermaid()}```\n\n*For an SVG drawing, {INSTALL_HINT}.*\n"
        )
        return bundle

    def __repr__(self) -> str:
        return f"<Diagram {self.summary()}>"


def format_of(path: str | Path) -> str:
    """The output format a file name asks for: its suffix (``.gv`` is DOT, ``.mmd`` Mermaid).

    Example:
        >>> format_of("lineage.mmd"), format_of("out/graph.PNG"), format_of("graph")
        ('mermaid', 'png', 'svg')
    """
    path = Path(path)
    suffix = path.suffix.lower().lstrip(".")
    aliases = {"gv": "dot", "mmd": "mermaid", "htm": "html"}
    suffix = aliases.get(suffix, suffix)
    return suffix if suffix in ("dot", "mermaid", "svg", "png", "pdf", "html") else "svg"


def diagram(graph: Any, **options: Any) -> Diagram:
    """A :class:`Diagram` of ``graph``: shows itself as SVG in Jupyter.

    Args:
        graph: A ``LineageGraph`` (e.g. ``store.get_lineage_subgraph(...)``) or an object
            holding one in ``lineage_graph``.
        **options: The options of :func:`lineage.render.to_dot`.

    Returns:
        The diagram; ``.save(path)`` writes it, ``.to_dot()``/``.to_mermaid()`` give the text.
    """
    return Diagram(graph, **options)


def mimebundle(obj: Any, **options: Any) -> dict[str, str]:
    """The Jupyter display data of a graph-like object (for ``_repr_mimebundle_``).

    Graph and provenance result objects implement ``_repr_mimebundle_`` by calling this.

    Args:
        obj: A :class:`Diagram`, a ``LineageGraph`` or an object holding one in
            ``lineage_graph`` (with optional ``focus``/``highlight``).
        **options: The options of :func:`lineage.render.to_dot`.

    Returns:
        MIME type -> data: ``image/svg+xml`` and ``text/plain``, or, without Graphviz,
        ``text/markdown`` (a Mermaid block) and ``text/plain``.
    """
    if isinstance(obj, Diagram) and not options:
        return obj._repr_mimebundle_()
    graph = obj.graph if isinstance(obj, Diagram) else obj
    return Diagram(graph, **options)._repr_mimebundle_()
