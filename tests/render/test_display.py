"""Notebook display: ``Diagram`` and ``mimebundle`` show SVG, or Mermaid without Graphviz."""

from __future__ import annotations

import doctest
import importlib
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import lineage
import lineage.render as render
from tests.render import graphs


@dataclass
class Provenance:
    """A stand-in for a graph-layer result that displays itself through ``mimebundle``."""

    lineage_graph: Any
    focus: tuple[str, ...] = ()
    highlight: tuple[str, ...] = ()

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        bundle: dict[str, Any] = importlib.import_module("lineage.render").mimebundle(self)
        return bundle


@pytest.mark.usefixtures("dot")
def test_a_diagram_displays_as_svg() -> None:
    diagram = render.diagram(graphs.pipeline(), focus="artifact:5")
    svg = diagram._repr_svg_()
    assert svg is not None
    ET.fromstring(svg)
    bundle = diagram._repr_mimebundle_()
    assert bundle["image/svg+xml"] == svg
    assert bundle["text/plain"].startswith("lineage diagram: 8 artifacts, 4 executions")
    assert "Diagram" in repr(diagram)


@pytest.mark.usefixtures("dot")
def test_mimebundle_of_a_graph_layer_result_honours_focus() -> None:
    result = Provenance(graphs.pipeline(), focus=("artifact:5",))
    bundle = result._repr_mimebundle_()
    expected = render.diagram(graphs.pipeline(), focus="artifact:5").svg()
    assert bundle["image/svg+xml"] == expected
    assert (
        render.mimebundle(graphs.pipeline())["image/svg+xml"]
        == render.diagram(graphs.pipeline()).svg()
    )


@pytest.mark.usefixtures("no_graphviz")
def test_without_graphviz_notebooks_get_mermaid_and_the_install_hint() -> None:
    diagram = render.diagram(graphs.pipeline())
    assert diagram._repr_svg_() is None
    bundle = diagram._repr_mimebundle_()
    assert "image/svg+xml" not in bundle
    assert bundle["text/markdown"].startswith("```mermaid\nflowchart LR\n")
    assert "apt-get install graphviz" in bundle["text/markdown"]
    assert "apt-get install graphviz" in bundle["text/plain"]


@pytest.mark.usefixtures("dot")
@pytest.mark.parametrize(
    ("name", "fmt"),
    [("a.svg", "svg"), ("a.png", "png"), ("a.gv", "dot"), ("a.mmd", "mermaid"), ("a.html", "html")],
)
def test_save_picks_the_format_from_the_suffix(tmp_path: Path, name: str, fmt: str) -> None:
    diagram = render.diagram(graphs.shortcut())
    path = diagram.save(tmp_path / name)
    assert render.format_of(path) == fmt
    expected = diagram.render(fmt)
    written = path.read_bytes() if isinstance(expected, bytes) else path.read_text()
    assert written == expected


def test_notes_are_exposed() -> None:
    assert render.diagram(graphs.fan_out(30)).notes[0].startswith("69 nodes drawn as")


def test_top_level_exports_load_lazily() -> None:
    assert lineage.render is render
    assert lineage.diagram is render.diagram
    assert "render" in lineage.__all__
    assert "diagram" in lineage.__all__
    assert render.__all__ == sorted(
        render.__all__, key=lambda n: (not n.isupper(), n[0].islower(), n)
    )


@pytest.mark.parametrize(
    "module",
    [
        "lineage.render",
        "lineage.render._display",
        "lineage.render._model",
        "lineage.render._style",
        "lineage.render._api",
    ],
)
def test_docstring_examples_run(module: str) -> None:
    failures, tried = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS)
    assert failures == 0
    assert tried > 0
