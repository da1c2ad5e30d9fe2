"""``lineage render NODE``, through click's CliRunner on a SQLite store with the demo pipeline."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from PIL import Image

import lineage
from lineage.cli import cli
from lineage.demo import main as demo_main
from lineage.demo import record_demo_pipeline


@pytest.fixture(autouse=True)
def _no_env_store(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LINEAGE_DB", raising=False)


@pytest.fixture
def store_file(tmp_path: Path) -> Path:
    path = tmp_path / "demo.db"
    with lineage.MetadataStore(str(path)) as store:
        record_demo_pipeline(store)
    return path


def run(store_file: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", str(store_file), "render", *args], prog_name="lineage")


def svg_nodes(svg: str) -> set[str]:
    root = ET.fromstring(svg)
    return {
        g.get("id", "")
        for g in root.iter("{http://www.w3.org/2000/svg}g")
        if g.get("class") == "node"
    }


@pytest.mark.usefixtures("dot")
def test_render_writes_an_svg_of_the_whole_lineage(store_file: Path, tmp_path: Path) -> None:
    out = tmp_path / "out" / "model.svg"
    result = run(store_file, "Model:churn-model", "-o", str(out))
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.stdout
    nodes = svg_nodes(out.read_text())
    assert nodes == {f"artifact:{i}" for i in range(1, 5)} | {f"execution:{i}" for i in (1, 2, 3)}
    assert "Lineage of artifact:3 (Model" in out.read_text()


def test_up_down_and_hops_choose_the_walk(store_file: Path) -> None:
    up = run(store_file, "Model:churn-model", "--up", "--format", "dot")
    assert up.exit_code == 0, up.output
    assert '"artifact:1" [' in up.stdout
    assert '"artifact:4" [' not in up.stdout
    assert 'penwidth="3.2"' in up.stdout  # the node is the focus
    down = run(store_file, "Model:churn-model", "--down", "--format", "dot")
    assert '"artifact:4" [' in down.stdout
    assert '"artifact:1" [' not in down.stdout
    near = run(store_file, "artifact:3", "--hops", "1", "--format", "dot")
    assert '"execution:2" [' in near.stdout
    assert '"artifact:2" [' not in near.stdout


def test_mermaid_to_stdout_and_a_context_as_clusters(store_file: Path) -> None:
    result = run(store_file, "context:1", "--format", "mermaid", "--title", "Run")
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("---\ntitle: Run\n---\nflowchart LR\n")
    assert 'subgraph c1["<small>PipelineRun</small><br/><b>churn-2026-11-26</b>"]' in result.stdout


@pytest.mark.usefixtures("dot")
def test_png_and_html_outputs(store_file: Path, tmp_path: Path) -> None:
    png = run(store_file, "churn-model", "--format", "png", "--legend")
    assert png.exit_code == 0, png.output
    with Image.open(io.BytesIO(png.stdout_bytes)) as image:
        assert image.format == "PNG"
        assert image.size[0] > 300
    page = tmp_path / "lineage.html"
    html = run(store_file, "churn-model", "-o", str(page), "--clusters")
    assert html.exit_code == 0, html.output
    assert page.read_text().startswith("<!DOCTYPE html>")


def test_options_reach_the_drawing(store_file: Path) -> None:
    result = run(
        store_file,
        "churn-model",
        "--format",
        "dot",
        "--max-nodes",
        "3",
        "--no-edge-labels",
        "--collapse",
        "0",
    )
    assert result.exit_code == 0, result.output
    assert "Node budget (max_nodes=3)" in result.stdout
    assert "note: Node budget (max_nodes=3)" in result.stderr


def test_unknown_nodes_and_bad_options_are_one_line_errors(store_file: Path) -> None:
    missing = run(store_file, "no-such-node")
    assert missing.exit_code == 1
    assert missing.stderr.startswith("error: no node matches 'no-such-node'")
    assert "Traceback" not in missing.output
    bad = run(store_file, "churn-model", "--collapse", "1")
    assert bad.exit_code == 2
    assert "--collapse" in bad.stderr
    fmt = run(store_file, "churn-model", "--format", "gif")
    assert fmt.exit_code == 2


@pytest.mark.usefixtures("no_graphviz")
def test_without_graphviz_the_cli_says_how_to_install_it(store_file: Path) -> None:
    result = run(store_file, "churn-model", "-o", "x.png")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: PNG output needs Graphviz")
    assert "apt-get install graphviz" in result.stderr
    assert "Traceback" not in result.output
    assert run(store_file, "churn-model", "--format", "dot").exit_code == 0


def test_a_missing_store_is_an_error(tmp_path: Path) -> None:
    result = run(tmp_path / "none.db", "x")
    assert result.exit_code == 1
    assert "no store at" in result.stderr


@pytest.mark.usefixtures("dot")
def test_make_demo_writes_the_diagram(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert demo_main(["--db", str(tmp_path / "demo.db")]) == 0
    out = capsys.readouterr().out
    for suffix in ("dot", "svg", "png", "html"):
        assert (tmp_path / f"lineage.{suffix}").stat().st_size > 0
        assert f"lineage.{suffix}" in out
    assert (tmp_path / "lineage.dot").read_text().startswith("digraph lineage {")


@pytest.mark.usefixtures("no_graphviz")
def test_make_demo_without_graphviz_writes_dot_and_the_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert demo_main(["--db", str(tmp_path / "demo.db")]) == 0
    out = " ".join(capsys.readouterr().out.split())
    assert "lineage.dot" in out
    assert "apt-get install graphviz" in out
    assert not (tmp_path / "lineage.svg").exists()
