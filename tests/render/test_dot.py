"""DOT text: the visual language, focus/highlight/clusters, labels, escaping and bad input."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import pytest

import lineage.render as render
from lineage.errors import InvalidArgumentError
from lineage.proto import metadata_store_pb2 as pb
from lineage.render._style import HIGHLIGHT_COLOR
from tests.render import graphs


def node_line(dot: str, key: str) -> str:
    [line] = [line for line in dot.splitlines() if line.strip().startswith(f'"{key}" [')]
    return line


def edge_line(dot: str, src: str, dst: str) -> str:
    [line] = [line for line in dot.splitlines() if line.strip().startswith(f'"{src}" -> "{dst}"')]
    return line


def test_artifacts_and_executions_have_distinct_shapes_by_kind() -> None:
    dot = render.to_dot(graphs.pipeline())
    assert 'shape="cylinder"' in node_line(dot, "artifact:1")  # Dataset
    assert 'shape="box3d"' in node_line(dot, "artifact:5")  # Model
    assert 'shape="hexagon"' in node_line(dot, "artifact:6")  # mlmd.Metrics
    assert 'shape="note"' in node_line(dot, "artifact:3")  # Config
    assert 'shape="component"' in node_line(dot, "artifact:4")  # Environment
    assert 'shape="tab"' in node_line(dot, "artifact:8")  # STATISTICS base type
    for key in ("execution:1", "execution:3"):
        line = node_line(dot, key)
        assert 'shape="box"' in line
        assert "rounded" not in line


def test_failed_execution_stands_out() -> None:
    dot = render.to_dot(graphs.pipeline())
    failed = node_line(dot, "execution:2")
    assert 'color="#D55E00"' in failed
    assert 'penwidth="3.2"' in failed
    assert "FAILED · OutOfMemoryError · 5.0 s" in failed
    assert 'color="#3C4043"' in node_line(dot, "execution:3")  # complete


def test_labels_carry_type_name_or_uri_and_version_or_fingerprint() -> None:
    dot = render.to_dot(graphs.pipeline())
    raw = node_line(dot, "artifact:1")
    assert ">Dataset</FONT>" in raw
    assert "<B>raw</B>" in raw
    assert "v3 · sha256:1a1a1a1a" in raw
    assert "<B>examples/7</B>" in node_line(dot, "artifact:2")  # no name: short URI
    assert "<B>#4</B>" in node_line(dot, "execution:4")  # no name: the id
    assert ">Metrics</FONT>" in node_line(dot, "artifact:6")  # mlmd. prefix dropped
    assert "1 h 2 min" in node_line(dot, "execution:3")  # run duration


def test_edges_are_labelled_with_the_event_path() -> None:
    dot = render.to_dot(graphs.pipeline())
    assert 'label="examples[0]"' in edge_line(dot, "artifact:2", "execution:2")
    assert 'label="model"' in edge_line(dot, "execution:3", "artifact:5")
    assert "label=" not in edge_line(dot, "artifact:3", "execution:4")  # no path
    assert "label=" not in "".join(
        line
        for line in render.to_dot(graphs.pipeline(), edge_labels=False).splitlines()
        if "->" in line
    )


def test_event_types_are_drawn_in_their_own_styles() -> None:
    dot = render.to_dot(graphs.pipeline())
    assert 'style="dashed"' in edge_line(dot, "artifact:7", "execution:3")  # declared input
    assert 'style="dotted"' in edge_line(dot, "execution:1", "artifact:8")  # internal output
    assert 'dir="none"' in edge_line(dot, "artifact:3", "execution:4")  # unknown
    assert "#BDC1C6" in edge_line(dot, "execution:4", "artifact:6")  # pending output


def test_left_to_right_by_default_and_direction_option() -> None:
    assert 'rankdir="LR"' in render.to_dot(graphs.shortcut())
    assert 'rankdir="TB"' in render.to_dot(graphs.shortcut(), direction="TB")


def test_focus_and_highlighted_path() -> None:
    dot = render.to_dot(graphs.pipeline(), focus="artifact:5", highlight=graphs.path_keys())
    focus = node_line(dot, "artifact:5")
    assert 'color="#000000"' in focus
    assert 'penwidth="3.2"' in focus
    for key in graphs.path_keys()[:-1]:
        assert f'color="{HIGHLIGHT_COLOR}"' in node_line(dot, key)
    path = graphs.path_keys()
    for a, b in zip(path, path[1:], strict=False):
        assert f'color="{HIGHLIGHT_COLOR}"' in edge_line(dot, a, b)
    assert HIGHLIGHT_COLOR not in edge_line(dot, "artifact:2", "execution:2")


def test_clusters_nest_contexts_when_asked() -> None:
    plain = render.to_dot(graphs.pipeline())
    assert "subgraph" not in plain
    dot = render.to_dot(graphs.pipeline(), clusters=True)
    outer = dot.index('subgraph "cluster_context:1"')
    inner = dot.index('subgraph "cluster_context:2"')
    assert outer < inner
    run_block = dot[inner : dot.index("\n    }", inner)]
    for key in ("artifact:1", "execution:2", "artifact:5"):
        assert f'"{key}" [' in run_block
    assert '"artifact:3" [' in dot[outer:inner]  # only in the parent context
    assert '"artifact:4" [' not in dot[outer : dot.index("\n  }", outer)]  # in no context


def test_text_is_escaped() -> None:
    dot = render.to_dot(graphs.pipeline(), title='A "quoted" <title> & more')
    assert "<B>stats &quot;train&quot; &lt;split&gt;</B>" in node_line(dot, "artifact:8")
    assert "A &quot;quoted&quot; &lt;title&gt; &amp; more" in dot
    assert 'tooltip="artifact:8\\nExampleStatistics\\nname: stats \\"train\\" <split>' in dot


def test_long_names_are_cut_in_the_middle() -> None:
    graph = pb.LineageGraph()
    graph.artifacts.add(id=1, name="a-very-long-artifact-name-that-goes-on-and-on-v2.parquet")
    dot = render.to_dot(graph)
    assert "<B>a-very-long-artifact-n…-v2.parquet</B>" in dot
    assert "name: a-very-long-artifact-name-that-goes-on-and-on-v2.parquet" in dot  # tooltip


def test_empty_graph_is_valid_dot() -> None:
    dot = render.to_dot(pb.LineageGraph())
    assert dot.startswith("digraph lineage {")
    assert dot.endswith("}\n")


@dataclass
class Result:
    """A stand-in for the graph layer's result objects (duck typing)."""

    lineage_graph: Any
    focus: tuple[str, ...] = ()
    highlight: tuple[str, ...] = ()
    truncated: bool = False
    extra: dict[str, Any] = field(default_factory=dict)


def test_objects_holding_a_lineage_graph_are_drawn_with_their_focus_and_path() -> None:
    result = Result(graphs.pipeline(), focus=("artifact:5",), highlight=graphs.path_keys())
    expected = render.to_dot(graphs.pipeline(), focus="artifact:5", highlight=graphs.path_keys())
    assert render.to_dot(result) == expected
    overridden = render.to_dot(result, focus="artifact:1")
    assert 'color="#000000"' in node_line(overridden, "artifact:1")
    assert 'color="#000000"' not in node_line(overridden, "artifact:5")


def test_a_truncated_result_says_so() -> None:
    dot = render.to_dot(Result(graphs.shortcut(), truncated=True))
    assert "cut by a limit" in dot


def test_node_refs_and_pairs_are_accepted_as_keys() -> None:
    @dataclass
    class Ref:
        ref: str

    a = render.to_dot(graphs.pipeline(), focus=[Ref("artifact:5"), ("execution", 3)])
    b = render.to_dot(graphs.pipeline(), focus=["artifact:5", "execution:3"])
    assert a == b


def test_keys_missing_from_the_graph_are_ignored() -> None:
    assert render.to_dot(graphs.shortcut(), focus="artifact:99") == render.to_dot(graphs.shortcut())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"focus": "model"}, "focus: a node key"),
        ({"highlight": ["artifact:1", 7]}, "highlight: a node key"),
        ({"max_nodes": 0}, "max_nodes must be an integer >= 1"),
        ({"collapse_threshold": 1}, "collapse_threshold must be an integer >= 2"),
        ({"collapse_threshold": True}, "collapse_threshold"),
        ({"direction": "XY"}, "direction must be one of"),
        ({"title": 3}, "title must be a string"),
    ],
)
def test_bad_options_are_refused_naming_the_option(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=re.escape(message)):
        render.to_dot(graphs.shortcut(), **kwargs)


@pytest.mark.parametrize("value", [None, "graph", {"lineage_graph": 1}, pb.Artifact()])
def test_anything_but_a_lineage_graph_is_refused(value: Any) -> None:
    with pytest.raises(InvalidArgumentError, match="expected an ml_metadata LineageGraph"):
        render.to_dot(value)
