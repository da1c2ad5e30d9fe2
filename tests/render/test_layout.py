"""Server-side layout for the browser viewer: order, no overlaps, looks, groups, determinism."""

from __future__ import annotations

import doctest
import json
import math
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

import lineage
import lineage.graph
import lineage.render as render
import lineage.render._layout as layout_module
from lineage.errors import InvalidArgumentError
from lineage.proto import metadata_store_pb2 as pb
from lineage.render import Layout, LayoutNode
from lineage.render._style import FOCUS_COLOR, HIGHLIGHT_COLOR, node_style
from tests.render.conftest import require_graphviz
from tests.render.synthetic import pipeline_graph


@dataclass
class Pipeline:
    """A small recorded pipeline: raw (+ shards) → ingest → examples → train (+ config) → model
    → evaluate → metrics."""

    store: lineage.MetadataStore
    keys: dict[str, str]


@pytest.fixture
def pipeline() -> Iterator[Pipeline]:
    yield from _pipeline(shards=0)


@pytest.fixture
def sharded() -> Iterator[Pipeline]:
    yield from _pipeline(shards=30)


def _pipeline(shards: int) -> Iterator[Pipeline]:
    store = lineage.MetadataStore("sqlite://")
    dataset = store.put_artifact_type(pb.ArtifactType(name="Dataset", base_type=1))
    model = store.put_artifact_type(pb.ArtifactType(name="Model", base_type=2))
    metrics = store.put_artifact_type(pb.ArtifactType(name="Metrics", base_type=3))
    config = store.put_artifact_type(pb.ArtifactType(name="Config"))
    step = store.put_execution_type(pb.ExecutionType(name="Step"))
    trainer = store.put_execution_type(pb.ExecutionType(name="Trainer"))
    live = pb.Artifact.LIVE
    artifacts = [
        ("raw", dataset),
        ("examples", dataset),
        ("train.yaml", config),
        ("model", model),
        ("metrics", metrics),
    ] + [(f"shard-{i:02d}", dataset) for i in range(shards)]
    ids = store.put_artifacts(
        [pb.Artifact(type_id=t, name=n, uri=f"s3://b/{n}", state=live) for n, t in artifacts]
    )
    a = dict(zip([n for n, _ in artifacts], ids, strict=True))
    complete = pb.Execution.COMPLETE
    ingest, train, evaluate = store.put_executions(
        [
            pb.Execution(type_id=step, name="ingest", last_known_state=complete),
            pb.Execution(type_id=trainer, name="train", last_known_state=complete),
            pb.Execution(type_id=step, name="evaluate", last_known_state=pb.Execution.RUNNING),
        ]
    )
    flows = [
        ("raw", ingest, pb.Event.INPUT),
        ("examples", ingest, pb.Event.OUTPUT),
        ("examples", train, pb.Event.INPUT),
        ("train.yaml", train, pb.Event.INPUT),
        ("model", train, pb.Event.OUTPUT),
        ("model", evaluate, pb.Event.INPUT),
        ("metrics", evaluate, pb.Event.OUTPUT),
    ] + [(f"shard-{i:02d}", ingest, pb.Event.INPUT) for i in range(shards)]
    store.put_events([pb.Event(artifact_id=a[n], execution_id=x, type=t) for n, x, t in flows])
    keys = {name: f"artifact:{i}" for name, i in a.items()}
    keys.update(ingest=f"execution:{ingest}", train=f"execution:{train}")
    keys["evaluate"] = f"execution:{evaluate}"
    yield Pipeline(store, keys)
    store.close()


def whole(p: Pipeline) -> lineage.graph.Lineage:
    return lineage.graph.upstream(p.store, p.keys["metrics"])


def by_key(placed: Layout) -> dict[str, LayoutNode]:
    return {n.key: n for n in placed.nodes}


def assert_no_overlaps(placed: Layout) -> None:
    """No two node boxes overlap (checked per column: nodes whose x ranges meet)."""
    boxes = sorted(
        (n.x - n.width / 2, n.x + n.width / 2, n.y - n.height / 2, n.y + n.height / 2, n.key)
        for n in placed.nodes
    )
    for i, (_, right, top, bottom, key) in enumerate(boxes):
        for other in boxes[i + 1 :]:
            if other[0] >= right:
                break
            assert other[2] >= bottom or other[3] <= top, f"{key} overlaps {other[4]}"


@pytest.mark.parametrize("engine", ["layered", "graphviz"])
def test_flows_left_to_right_without_overlaps(pipeline: Pipeline, engine: str) -> None:
    if engine == "graphviz":
        require_graphviz()
    placed = render.layout(whole(pipeline), engine=engine)
    assert placed.engine == engine
    nodes, k = by_key(placed), pipeline.keys
    assert nodes[k["examples"]].x < nodes[k["train"]].x < nodes[k["model"]].x
    assert nodes[k["raw"]].x < nodes[k["ingest"]].x < nodes[k["examples"]].x
    assert nodes[k["model"]].x < nodes[k["evaluate"]].x < nodes[k["metrics"]].x
    assert_no_overlaps(placed)
    for n in placed.nodes:  # inside the drawing, give or take rounding to 0.1 px
        assert n.x - n.width / 2 >= -0.1
        assert n.x + n.width / 2 <= placed.width + 0.1
        assert n.y - n.height / 2 >= -0.1
        assert n.y + n.height / 2 <= placed.height + 0.1


def test_layers_are_columns_and_a_config_sits_next_to_its_reader(pipeline: Pipeline) -> None:
    nodes, k = by_key(render.layout(whole(pipeline), engine="layered")), pipeline.keys
    assert nodes[k["examples"]].x == nodes[k["train.yaml"]].x  # both feed the trainer
    assert nodes[k["raw"]].x < nodes[k["train.yaml"]].x


def test_other_directions(pipeline: Pipeline) -> None:
    k = pipeline.keys
    down = by_key(render.layout(whole(pipeline), engine="layered", direction="TB"))
    assert down[k["examples"]].y < down[k["train"]].y < down[k["model"]].y
    back = by_key(render.layout(whole(pipeline), engine="layered", direction="RL"))
    assert back[k["examples"]].x > back[k["train"]].x > back[k["model"]].x


def test_focus_and_highlighted_path(pipeline: Pipeline) -> None:
    k = pipeline.keys
    found = lineage.graph.path(pipeline.store, k["raw"], k["model"])
    placed = render.layout(whole(pipeline), highlight=found.highlight, focus=k["model"])
    assert placed.focus == (k["model"],)
    assert placed.highlight == found.highlight
    nodes = by_key(placed)
    assert nodes[k["model"]].focus
    assert nodes[k["model"]].border_color == FOCUS_COLOR
    assert [n.key for n in placed.nodes if n.focus] == [k["model"]]
    on_path = {n.key for n in placed.nodes if n.highlighted}
    assert on_path == set(found.highlight)
    assert nodes[k["train"]].border_color == HIGHLIGHT_COLOR
    assert nodes[k["train"]].border_width > node_style("execution", "COMPLETE").penwidth
    marked = {(e.source, e.target) for e in placed.edges if e.highlighted}
    assert marked == set(zip(found.highlight, found.highlight[1:], strict=False))


def test_the_focus_of_a_lineage_result_is_used(pipeline: Pipeline) -> None:
    placed = render.layout(whole(pipeline))
    assert placed.focus == (pipeline.keys["metrics"],)
    assert by_key(placed)[pipeline.keys["metrics"]].focus


def test_colours_and_shapes_are_those_of_the_render_module(pipeline: Pipeline) -> None:
    placed = render.layout(whole(pipeline).lineage_graph)  # no focus
    assert not any(n.focus or n.highlighted for n in placed.nodes)
    for node in placed.nodes:
        style = node_style(node.category, node.state)
        assert (node.fill, node.border_color, node.border_width) == (
            style.fill,
            style.color,
            style.penwidth,
        ), node.key
        assert node.shape == layout_module.CYTOSCAPE_SHAPES[style.shape] or (
            style.rounded and node.shape == "round-rectangle"
        )
    shapes = {n.category: n.shape for n in placed.nodes}
    assert shapes == {
        "dataset": "barrel",
        "config": "rhomboid",
        "model": "cut-rectangle",
        "metrics": "hexagon",
        "execution": "rectangle",
    }
    running = by_key(placed)[pipeline.keys["evaluate"]]
    assert (running.state, running.border_color) == ("RUNNING", "#0072B2")


def test_a_fan_in_of_30_collapses_into_one_group(sharded: Pipeline) -> None:
    k = sharded.keys
    placed = render.layout(whole(sharded), collapse_threshold=2)
    [group] = [n for n in placed.nodes if n.kind == "group"]
    shards = tuple(k[f"shard-{i:02d}"] for i in range(30))
    assert group.count == 30
    assert group.members == shards
    assert group.title == "+30 more"
    assert (group.category, group.shape, group.dashed) == ("dataset", "barrel", True)
    assert group.fill == "#FFFFFF"
    assert group.border_color == node_style("dataset", "").color
    assert not set(shards) & set(by_key(placed))
    assert any(e.source == group.key and e.target == k["ingest"] for e in placed.edges)
    assert any("'+N more'" in note for note in placed.notes)
    assert by_key(placed)[group.key].x < by_key(placed)[k["ingest"]].x

    everything = render.layout(whole(sharded), collapse_threshold=None)
    assert not [n for n in everything.nodes if n.kind == "group"]
    assert set(shards) <= set(by_key(everything))
    assert_no_overlaps(everything)


def test_the_default_threshold_is_the_render_modules(sharded: Pipeline) -> None:
    placed = render.layout(whole(sharded))
    [group] = [n for n in placed.nodes if n.kind == "group"]
    kept = render.DEFAULT_COLLAPSE_THRESHOLD - 1
    assert group.count == 31 - kept  # ingest reads raw and 30 shards


def test_node_budget_marks_are_placed_with_their_members() -> None:
    placed = render.layout(pipeline_graph(300, seed=1), max_nodes=25, focus="artifact:40")
    cuts = [n for n in placed.nodes if n.kind == "cut"]
    assert cuts
    assert all(c.count == len(c.members) > 0 and c.dashed for c in cuts)
    assert any(note.startswith("Node budget (max_nodes=25)") for note in placed.notes)
    assert_no_overlaps(placed)


def test_deterministic_and_independent_of_input_order(pipeline: Pipeline) -> None:
    graph = whole(pipeline).lineage_graph
    first = render.layout(graph, engine="layered")
    assert render.layout(graph, engine="layered") == first
    shuffled = pb.LineageGraph()
    shuffled.CopyFrom(graph)
    for field in ("artifacts", "executions", "events"):
        items = list(getattr(graph, field))[::-1]
        del getattr(shuffled, field)[:]
        getattr(shuffled, field).extend(items)
    assert render.layout(shuffled, engine="layered") == first
    big = pipeline_graph(800, seed=3)
    assert render.layout(big).to_dict() == render.layout(big).to_dict()


def test_to_dict_is_plain_json(pipeline: Pipeline) -> None:
    found = lineage.graph.path(pipeline.store, pipeline.keys["raw"], pipeline.keys["model"])
    placed = render.layout(whole(pipeline), highlight=found.highlight)
    data = placed.to_dict()
    assert json.loads(json.dumps(data)) == data
    assert set(data) == {
        "engine",
        "width",
        "height",
        "total",
        "focus",
        "highlight",
        "notes",
        "nodes",
        "edges",
    }
    assert data["total"] == 8
    node = data["nodes"][0]
    assert node["key"] == "artifact:1"
    assert isinstance(node["members"], list)
    assert {"x", "y", "width", "height", "shape", "fill", "border_color", "dashed"} <= set(node)
    edge = data["edges"][0]
    assert set(edge) == {"source", "target", "style", "labels", "count", "highlighted"}


def _chain_and_fans(nodes: int) -> pb.LineageGraph:
    """A chain a1 → x1 → a2 → x2 → …, each execution also writing two side outputs."""
    g = pb.LineageGraph()
    g.artifact_types.add(id=1, name="Dataset", base_type=1)
    g.execution_types.add(id=11, name="Step")
    artifact = 1
    g.artifacts.add(id=artifact, type_id=1, name="a1")
    execution = 0
    while len(g.artifacts) + len(g.executions) < nodes:
        execution += 1
        g.executions.add(id=execution, type_id=11, name=f"x{execution}")
        g.events.add(artifact_id=artifact, execution_id=execution, type=pb.Event.INPUT)
        for _ in range(min(3, nodes - len(g.artifacts) - len(g.executions))):
            artifact += 1
            g.artifacts.add(id=artifact, type_id=1, name=f"a{artifact}")
            g.events.add(artifact_id=artifact, execution_id=execution, type=pb.Event.OUTPUT)
    return g


def test_five_thousand_nodes_are_laid_out() -> None:
    placed = render.layout(
        _chain_and_fans(5000), collapse_threshold=None, max_nodes=None, engine="auto"
    )
    assert placed.engine == "layered"
    assert len(placed.nodes) == 5000
    assert all(math.isfinite(n.x) and math.isfinite(n.y) for n in placed.nodes)
    nodes = by_key(placed)
    assert nodes["artifact:1"].x < nodes["execution:1"].x < nodes["artifact:4"].x
    assert nodes["artifact:4"].x < nodes["execution:2"].x
    assert_no_overlaps(placed)
    assert any("Edge labels left out" in n for n in placed.notes)


def test_cycles_are_laid_out_too() -> None:
    g = pb.LineageGraph()
    g.artifacts.add(id=1, name="a")
    g.artifacts.add(id=2, name="b")
    g.executions.add(id=1, name="x")
    g.executions.add(id=2, name="y")
    for artifact, execution, kind in ((1, 1, 3), (2, 1, 4), (2, 2, 3), (1, 2, 4)):
        g.events.add(artifact_id=artifact, execution_id=execution, type=kind)
    placed = render.layout(g, engine="layered")
    assert len(placed.nodes) == 4
    assert len(placed.edges) == 4
    assert_no_overlaps(placed)


def test_an_empty_graph_gives_an_empty_layout() -> None:
    placed = render.layout(pb.LineageGraph())
    assert (placed.nodes, placed.edges, placed.width, placed.height) == ((), (), 0.0, 0.0)


def test_auto_uses_graphviz_for_small_graphs_when_installed(pipeline: Pipeline) -> None:
    expected = "graphviz" if render.graphviz_available() else "layered"
    assert render.layout(whole(pipeline)).engine == expected
    assert render.layout(pipeline_graph(400, seed=2), collapse_threshold=None).engine == "layered"


def test_without_graphviz_the_layered_layout_is_used_with_a_note(
    pipeline: Pipeline, no_graphviz: None
) -> None:
    placed = render.layout(whole(pipeline), engine="graphviz")
    assert placed.engine == "layered"
    assert any("`dot` program was not found" in n for n in placed.notes)
    quiet = render.layout(whole(pipeline))  # 'auto' falls back silently
    assert quiet.engine == "layered"
    assert quiet.notes == ()


def test_a_failing_graphviz_falls_back_with_a_note(
    pipeline: Pipeline, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("LINEAGE_GRAPHVIZ_DOT", "false")  # runs, exits 1, writes nothing
    placed = render.layout(whole(pipeline), engine="graphviz")
    assert placed.engine == "layered"
    assert any(n.startswith("Graphviz failed (exit code 1)") for n in placed.notes)


def test_graphviz_is_not_used_for_big_graphs() -> None:
    placed = render.layout(pipeline_graph(400, seed=2), collapse_threshold=None, engine="graphviz")
    assert placed.engine == "layered"
    assert any("up to 300 nodes" in n for n in placed.notes)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"engine": "dagre"}, "engine"),
        ({"timeout": 0}, "timeout"),
        ({"direction": "up"}, "direction"),
        ({"max_nodes": 0}, "max_nodes"),
    ],
)
def test_bad_options_are_refused(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(InvalidArgumentError, match=message):
        render.layout(pb.LineageGraph(), **kwargs)  # type: ignore[arg-type]


def test_docstring_examples_run() -> None:
    failures, tried = doctest.testmod(layout_module)
    assert (failures, tried > 0) == (0, True)


# ------------------------------------------------------------------------------ tall layers
@pytest.fixture(scope="module")
def warehouse() -> Iterator[lineage.graph.Lineage]:
    """432 nodes: 240 raw tables → 60 load steps → 60 tables → 20 feature steps → 20 tables →
    10 fit steps (+ 10 configs) → 10 models → 1 ensemble step → 1 model. Unwrapped, its first
    layer is one column about ten times as tall as the drawing is wide."""
    store = lineage.MetadataStore("sqlite://")
    table = store.put_artifact_type(pb.ArtifactType(name="Table", base_type=1))
    model = store.put_artifact_type(pb.ArtifactType(name="WideModel", base_type=2))
    config = store.put_artifact_type(pb.ArtifactType(name="Config"))
    step = store.put_execution_type(pb.ExecutionType(name="Step"))
    events: list[pb.Event] = []

    def artifacts(names: list[str], type_id: int) -> list[int]:
        return store.put_artifacts(
            [
                pb.Artifact(type_id=type_id, name=n, uri=f"s3://b/{n}", state=pb.Artifact.LIVE)
                for n in names
            ]
        )

    def stage(
        inputs: list[int], fan_in: int, name: str, out_type: int, extra: list[int]
    ) -> list[int]:
        count = len(inputs) // fan_in
        steps = store.put_executions(
            [
                pb.Execution(
                    type_id=step, name=f"{name}-{i:03d}", last_known_state=pb.Execution.COMPLETE
                )
                for i in range(count)
            ]
        )
        outputs = artifacts([f"{name}-out-{i:03d}" for i in range(count)], out_type)
        for i, execution in enumerate(steps):
            for a in [*inputs[i * fan_in : (i + 1) * fan_in], *extra[i : i + 1]]:
                events.append(pb.Event(artifact_id=a, execution_id=execution, type=pb.Event.INPUT))
            events.append(
                pb.Event(artifact_id=outputs[i], execution_id=execution, type=pb.Event.OUTPUT)
            )
        return outputs

    raw = artifacts([f"raw-{i:03d}" for i in range(240)], table)
    loaded = stage(raw, 4, "load", table, [])
    features = stage(loaded, 3, "features", table, [])
    configs = artifacts([f"fit-{i:02d}.yaml" for i in range(10)], config)
    models = stage(features, 2, "fit", model, configs)
    [final] = stage(models, 10, "ensemble", model, [])
    store.put_events(events)
    yield lineage.graph.upstream(store, f"artifact:{final}")
    store.close()


def assert_flows(placed: Layout, direction: str) -> None:
    """Every edge goes forward: from a smaller x to a larger one for 'LR', and so on."""
    nodes = by_key(placed)
    axis, sign = {"LR": ("x", 1), "RL": ("x", -1), "TB": ("y", 1), "BT": ("y", -1)}[direction]
    for edge in placed.edges:
        source, target = nodes[edge.source], nodes[edge.target]
        step = sign * (getattr(target, axis) - getattr(source, axis))
        assert step > 0, f"{edge.source} -> {edge.target} goes backwards ({direction})"


def assert_inside(placed: Layout) -> None:
    for n in placed.nodes:  # give or take rounding to 0.1 px
        assert n.x - n.width / 2 >= -0.1
        assert n.x + n.width / 2 <= placed.width + 0.1
        assert n.y - n.height / 2 >= -0.1
        assert n.y + n.height / 2 <= placed.height + 0.1


def test_a_tall_layer_is_wrapped_into_sub_columns(warehouse: lineage.graph.Lineage) -> None:
    options = {"engine": "layered", "collapse_threshold": None}
    tall = render.layout(warehouse, max_column_height=math.inf, **options)
    assert len(tall.nodes) == 432
    assert tall.height / tall.width > 8  # the unreadable sliver
    placed = render.layout(warehouse, **options)
    assert placed.engine == "layered"
    assert len(placed.nodes) == 432
    assert placed.height / placed.width <= 3
    assert placed.height >= layout_module.MIN_COLUMN_HEIGHT
    assert_no_overlaps(placed)
    assert_inside(placed)
    assert_flows(placed, "LR")
    raw = [n for n in placed.nodes if n.title.startswith("raw-")]
    assert len({n.x for n in raw}) > 1  # the first layer is several sub-columns
    assert max(n.x for n in raw) < min(n.x for n in placed.nodes if n.title.startswith("load-"))
    assert render.layout(warehouse, **options) == placed  # deterministic


@pytest.mark.parametrize("direction", ["TB", "RL", "BT"])
def test_wrapping_in_other_directions(warehouse: lineage.graph.Lineage, direction: str) -> None:
    options = {"engine": "layered", "collapse_threshold": None, "direction": direction}
    placed = render.layout(warehouse, **options)
    across, along = (
        (placed.height, placed.width) if direction == "RL" else (placed.width, placed.height)
    )
    assert across / along <= 3  # for 'TB'/'BT' the wide layers are wrapped into rows
    assert_no_overlaps(placed)
    assert_inside(placed)
    assert_flows(placed, direction)
    raw = [n for n in placed.nodes if n.title.startswith("raw-")]
    assert len({n.y if direction in ("TB", "BT") else n.x for n in raw}) > 1


def test_nodes_fill_the_sub_columns_in_layer_order(sharded: Pipeline) -> None:
    options = {"engine": "layered", "collapse_threshold": None}
    first = {sharded.keys["raw"]} | {sharded.keys[f"shard-{i:02d}"] for i in range(30)}
    tall = by_key(render.layout(whole(sharded), max_column_height=math.inf, **options))
    order = sorted(first, key=lambda k: tall[k].y)
    placed = render.layout(whole(sharded), max_column_height=500, **options)
    nodes = by_key(placed)
    xs = sorted({nodes[k].x for k in first})
    # 31 nodes 43 px tall, 14 px apart: 1,753 px, so 4 sub-columns, balanced (8 nodes to each).
    assert len(xs) == 4
    assert order == sorted(first, key=lambda k: (nodes[k].y, nodes[k].x))  # dealt row by row
    assert [sum(nodes[k].x == x for k in first) for x in xs] == [8, 8, 8, 7]
    for x in xs:
        column = [nodes[k] for k in first if nodes[k].x == x]
        assert (
            max(n.y + n.height / 2 for n in column) - min(n.y - n.height / 2 for n in column) <= 500
        )
    assert_no_overlaps(placed)
    assert_inside(placed)
    assert_flows(placed, "LR")


def test_small_graphs_are_not_wrapped(pipeline: Pipeline, sharded: Pipeline) -> None:
    graphs = [whole(pipeline), whole(sharded), pipeline_graph(300, seed=1)]
    cases = [(g, d) for g in graphs for d in ("LR", "RL")] + [(graphs[0], "TB"), (graphs[0], "BT")]
    for graph, direction in cases:
        options = {"engine": "layered", "collapse_threshold": None, "direction": direction}
        placed = render.layout(graph, **options)
        assert render.layout(graph, max_column_height=math.inf, **options) == placed


def test_graphviz_positions_do_not_wrap(pipeline: Pipeline) -> None:
    require_graphviz()
    placed = render.layout(whole(pipeline), engine="graphviz")
    assert placed.engine == "graphviz"
    assert render.layout(whole(pipeline), engine="graphviz", max_column_height=10) == placed


@pytest.mark.parametrize("value", [0, -5.0, float("nan"), True, "tall"])
def test_a_bad_max_column_height_is_refused(value: object) -> None:
    with pytest.raises(InvalidArgumentError, match="max_column_height"):
        render.layout(pb.LineageGraph(), max_column_height=value)  # type: ignore[arg-type]
