"""Big graphs stay readable: "+N more" collapsing, the node budget, shared-node copies,
transitive reduction and thinned edge labels, each with a visible note."""

from __future__ import annotations

from collections import Counter

from lineage.proto import metadata_store_pb2 as pb
from lineage.render._model import Scene
from lineage.render._options import make_options
from lineage.render._reduce import EDGE_LABEL_LIMIT, prepare
from tests.render import graphs
from tests.render.synthetic import pipeline_graph


def scene_of(graph: object, **options: object) -> Scene:
    scene, _ = prepare(graph, make_options(**options))
    return scene


def kinds(scene: Scene) -> Counter[str]:
    return Counter(n.kind for n in scene.nodes.values())


def test_fan_out_above_the_threshold_becomes_one_more_node() -> None:
    scene = scene_of(graphs.fan_out(30, shared_env=False), collapse_threshold=8)
    trainers = [k for k, n in scene.nodes.items() if n.kind == "execution"]
    assert trainers == [f"execution:{i}" for i in range(1, 8)]  # threshold - 1, lowest keys
    groups = {n.type_name: n for n in scene.nodes.values() if n.kind == "group"}
    assert set(groups) == {"Trainer", "Config", "Model"}
    assert groups["Trainer"].title == "+23 more"
    assert groups["Trainer"].members == tuple(f"execution:{i}" for i in range(8, 31))
    assert groups["Model"].members == tuple(f"artifact:{i}" for i in range(207, 230))
    assert ("artifact:1", groups["Trainer"].key) in scene.edges  # the data feeds the group
    assert (groups["Trainer"].key, groups["Model"].key) in scene.edges  # private outputs
    assert any("69 nodes drawn as 3 '+N more' nodes" in n for n in scene.notes)


def test_collapsing_can_be_switched_off_and_spares_small_fans() -> None:
    assert kinds(scene_of(graphs.fan_out(30), collapse_threshold=None))["group"] == 0
    assert kinds(scene_of(graphs.fan_out(8)))["group"] == 0
    assert not scene_of(graphs.fan_out(8)).notes


def test_focus_path_and_failed_executions_are_never_collapsed() -> None:
    graph = graphs.fan_out(30, shared_env=False)
    graph.executions[20].last_known_state = pb.Execution.FAILED  # execution:21
    scene = scene_of(graph, focus="execution:25", highlight=["artifact:1", "execution:28"])
    for key in ("execution:21", "execution:25", "execution:28"):
        assert scene.nodes[key].kind == "execution"


def test_the_budget_cuts_nearest_the_focus_first_and_marks_the_cut() -> None:
    graph = pipeline_graph(300, seed=1)
    scene = scene_of(graph, max_nodes=25, focus="artifact:40")
    real = [n for n in scene.nodes.values() if n.kind not in ("cut", "ref")]
    assert len(real) == 25
    assert "artifact:40" in scene.nodes
    cuts = [n for n in scene.nodes.values() if n.kind == "cut"]
    assert cuts
    assert all(n.title.startswith("+") and n.details["members"] for n in cuts)
    for cut in cuts:
        assert any(cut.key in pair for pair in scene.edges)  # attached where the cut is
    [note] = [n for n in scene.notes if n.startswith("Node budget")]
    assert "(max_nodes=25)" in note
    assert "left out" in note


def test_without_a_focus_the_budget_keeps_the_most_recent_whole_runs() -> None:
    scene = scene_of(pipeline_graph(300, seed=1), max_nodes=40)
    drawn = {m for n in scene.nodes.values() for m in (n.members or (n.key,))}
    latest = f"execution:{len(pipeline_graph(300, seed=1).executions)}"
    assert latest in drawn  # the latest execution is drawn (maybe inside a "+N more")


def test_no_budget_draws_everything() -> None:
    graph = pipeline_graph(300, seed=1)
    scene = scene_of(graph, max_nodes=None, collapse_threshold=None)
    assert kinds(scene)["artifact"] + kinds(scene)["execution"] == scene.total


def test_shared_inputs_are_drawn_as_copies_next_to_their_users() -> None:
    scene = scene_of(pipeline_graph(120, seed=2), max_nodes=None)
    copies = [n for n in scene.nodes.values() if n.kind == "ref"]
    assert copies
    for copy in copies:
        original = copy.details["ref"]
        assert original in scene.nodes  # drawn once in full
        assert scene.nodes[original].category == copy.category
        assert copy.title == scene.nodes[original].title
    assert any("shared node" in n for n in scene.notes)


def test_a_plain_fan_keeps_its_shared_input_in_one_piece() -> None:
    scene = scene_of(graphs.fan_out(8))
    assert kinds(scene)["ref"] == 0  # env feeds the same family as the data: no copies


def test_transitive_shortcuts_are_removed_on_request() -> None:
    assert ("artifact:1", "execution:2") in scene_of(graphs.shortcut()).edges
    scene = scene_of(graphs.shortcut(), reduce_transitive=True)
    assert ("artifact:1", "execution:2") not in scene.edges
    assert len(scene.edges) == 4
    assert any("1 transitive shortcut left out" in n for n in scene.notes)
    kept = scene_of(
        graphs.shortcut(), reduce_transitive=True, highlight=["artifact:1", "execution:2"]
    )
    assert ("artifact:1", "execution:2") in kept.edges  # the highlighted path stays


def test_reduction_keeps_edges_into_and_inside_cycles() -> None:
    graph = graphs.shortcut()
    graph.events.add(artifact_id=3, execution_id=1, type=pb.Event.INPUT)  # c → step-1: a cycle
    scene = scene_of(graph, reduce_transitive=True)
    assert len(scene.edges) == 6  # nothing removed: every edge is in or into the cycle


def test_a_fan_is_labelled_once() -> None:
    scene = scene_of(graphs.fan_out(8))
    labelled = [e for e in scene.edges.values() if e.labels == ("examples",)]
    assert len(labelled) == 1


def test_very_big_drawings_drop_edge_labels_with_a_note() -> None:
    scene = scene_of(pipeline_graph(EDGE_LABEL_LIMIT + 200), max_nodes=None)
    assert not scene.edge_labels
    assert any("Edge labels left out" in n for n in scene.notes)


def test_edge_labels_stay_below_the_limit() -> None:
    assert scene_of(pipeline_graph(400), max_nodes=None).edge_labels
