"""SVG, PNG and PDF through Graphviz's ``dot``; clear errors when it is missing or fails."""

from __future__ import annotations

import io
import stat
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from PIL import Image

import lineage.render as render
from lineage.errors import FailedPreconditionError, InvalidArgumentError
from lineage.render._model import natural_key
from lineage.render._options import make_options
from lineage.render._reduce import prepare
from tests.render import graphs
from tests.render.synthetic import pipeline_graph

SVG = "{http://www.w3.org/2000/svg}"


def svg_node_ids(svg: str) -> set[str]:
    root = ET.fromstring(svg)
    return {g.get("id", "") for g in root.iter(f"{SVG}g") if g.get("class") == "node"}


@pytest.mark.usefixtures("dot")
@pytest.mark.parametrize(
    ("name", "graph", "options"),
    [
        ("pipeline", graphs.pipeline(), {"clusters": True, "legend": True, "title": "t"}),
        ("fan-out", graphs.fan_out(), {}),
        ("synthetic", pipeline_graph(200, seed=5), {"max_nodes": 60}),
    ],
)
def test_svg_parses_and_contains_every_node(name: str, graph: object, options: dict) -> None:
    svg = render.render(graph, "svg", **options)
    assert isinstance(svg, str)
    scene, _ = prepare(graph, make_options(**options))
    assert svg_node_ids(svg) == set(scene.nodes), name
    root = ET.fromstring(svg)
    titles = {t.text for t in root.iter(f"{SVG}title")}
    assert set(scene.nodes) <= titles


@pytest.mark.usefixtures("dot")
def test_png_is_a_valid_image(tmp_path: Path) -> None:
    out = tmp_path / "deep" / "lineage.png"
    data = render.render(graphs.pipeline(), "png", out, focus="artifact:5")
    assert isinstance(data, bytes)
    assert out.read_bytes() == data
    with Image.open(io.BytesIO(data)) as image:
        image.verify()
    with Image.open(out) as image:
        assert image.format == "PNG"
        width, height = image.size
        assert width > 600
        assert height > 150


@pytest.mark.usefixtures("dot")
def test_pdf_and_text_formats(tmp_path: Path) -> None:
    pdf = render.render(graphs.shortcut(), "pdf", tmp_path / "g.pdf")
    assert isinstance(pdf, bytes)
    assert pdf.startswith(b"%PDF")
    dot = render.render(graphs.shortcut(), "dot", tmp_path / "g.dot")
    assert dot == render.to_dot(graphs.shortcut()) == (tmp_path / "g.dot").read_text()
    assert render.render(graphs.shortcut(), "mermaid") == render.to_mermaid(graphs.shortcut())


def test_unknown_format_is_refused() -> None:
    with pytest.raises(InvalidArgumentError, match="format must be one of dot, mermaid"):
        render.render(graphs.shortcut(), "gif")


@pytest.mark.usefixtures("no_graphviz")
@pytest.mark.parametrize("fmt", ["svg", "png", "pdf", "html"])
def test_missing_graphviz_says_how_to_install_it(fmt: str) -> None:
    assert not render.graphviz_available()
    with pytest.raises(render.GraphvizNotFoundError) as caught:
        render.render(graphs.shortcut(), fmt)
    message = str(caught.value)
    assert "apt-get install graphviz" in message
    assert "brew install graphviz" in message
    assert "DOT and Mermaid text need nothing installed" in message
    assert isinstance(caught.value, FailedPreconditionError)
    assert isinstance(caught.value, render.RenderError)


@pytest.mark.usefixtures("no_graphviz")
def test_dot_and_mermaid_need_nothing_installed() -> None:
    assert render.render(graphs.shortcut(), "dot").startswith("digraph")
    assert render.render(graphs.shortcut(), "mermaid").startswith("flowchart LR")


def _fake_dot(tmp_path: Path, body: str) -> Path:
    script = tmp_path / "fake-dot"
    script.write_text(f"#!/bin/sh\n{body}\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return script


def test_a_failing_graphviz_is_reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = _fake_dot(tmp_path, 'echo "Error: something broke" >&2; exit 3')
    monkeypatch.setenv("LINEAGE_GRAPHVIZ_DOT", str(script))
    with pytest.raises(render.RenderError, match=r"exit code 3\): Error: something broke"):
        render.render(graphs.shortcut(), "svg")


def test_a_slow_graphviz_is_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    script = _fake_dot(tmp_path, "exec sleep 30")
    monkeypatch.setenv("LINEAGE_GRAPHVIZ_DOT", str(script))
    with pytest.raises(render.RenderError, match="longer than 0.5 s"):
        render.render(graphs.shortcut(), "svg", timeout=0.5)


@pytest.mark.parametrize("timeout", [0, -1, "10", True])
def test_bad_timeouts_are_refused(timeout: object) -> None:
    with pytest.raises(InvalidArgumentError, match="timeout must be a positive number"):
        render.render(graphs.shortcut(), "svg", timeout=timeout)  # type: ignore[arg-type]


def test_nodes_are_drawn_in_key_order() -> None:
    dot = render.to_dot(pipeline_graph(80, seed=9), max_nodes=None)
    keys = [
        line.split('"')[1]
        for line in dot.splitlines()
        if line.startswith('  "') and " [" in line and "->" not in line
    ]
    assert keys == sorted(keys, key=natural_key)
