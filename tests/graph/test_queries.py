"""Traversal options, provenance, impact, path, common ancestors and diff, on every backend."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import pytest

from lineage import errors
from lineage.graph import (
    common_ancestors,
    diff,
    downstream,
    from_networkx,
    impact,
    path,
    provenance,
    upstream,
)
from lineage.proto import metadata_store_pb2 as pb
from tests.graph.conftest import Versions

#: Every backend test here runs through a lineage serve server too (tests/conftest.py).
pytestmark = pytest.mark.remote_too


def names(store: Any, lineage: Any) -> list[str]:
    return sorted(n.name for n in lineage.nodes().values())


def test_upstream_and_downstream_of_the_demo(store: Any, demo: dict[str, int]) -> None:
    up = upstream(store, demo["model"])
    assert names(store, up) == ["churn-model", "clean", "ingest-1", "raw", "train-1"]
    assert up.hops[f"artifact:{demo['raw']}"] == 4
    assert up.focus == (f"artifact:{demo['model']}",)
    down = downstream(store, f"artifact:{demo['raw']}")
    assert names(store, down) == [
        "churn-eval",
        "churn-model",
        "clean",
        "eval-1",
        "ingest-1",
        "raw",
        "train-1",
    ]
    assert not down.truncated
    assert down.total == 7


def test_nodes_can_be_named_every_way(store: Any, demo: dict[str, int]) -> None:
    [model] = store.get_artifacts_by_id([demo["model"]])
    ways = [
        model,
        demo["model"],
        f"artifact:{demo['model']}",
        "Model:churn-model",
        "s3://models/churn/1",
    ]
    results = [set(upstream(store, w, ids_only=True).hops) for w in ways]
    assert all(r == results[0] for r in results)
    with pytest.raises(errors.NotFoundError, match="churn-model"):
        upstream(store, "Model:churn-modle")
    with pytest.raises(errors.InvalidArgumentError, match="context"):
        upstream(store, ("context", 1))


def test_hop_limit_type_filter_and_where(store: Any, demo: dict[str, int]) -> None:
    near = downstream(store, demo["raw"], max_hops=2)
    assert names(store, near) == ["clean", "ingest-1", "raw"]
    models = downstream(store, demo["raw"], types=["Model"])
    assert names(store, models) == ["churn-model", "raw"]  # the start node is always kept
    live = downstream(store, demo["raw"], where="state = LIVE", where_executions="name = 'train-1'")
    assert names(store, live) == ["churn-model", "clean", "raw", "train-1"]


def test_stop_conditions_end_the_walk_with_or_without_the_stop_node(
    store: Any, demo: dict[str, int]
) -> None:
    kept = upstream(store, demo["metrics"], stop="type = 'Model'")
    assert names(store, kept) == ["churn-eval", "churn-model", "eval-1"]
    assert kept.stopped_at == frozenset({f"artifact:{demo['model']}"})
    dropped = upstream(store, demo["metrics"], stop="type = 'Model'", include_stop=False)
    assert names(store, dropped) == ["churn-eval", "eval-1"]
    by_execution = upstream(store, demo["metrics"], stop_executions="type = 'Trainer'")
    assert names(store, by_execution) == ["churn-eval", "churn-model", "eval-1", "train-1"]


def test_limit_truncates_nearest_first_and_says_so(store: Any, demo: dict[str, int]) -> None:
    cut = downstream(store, demo["raw"], limit=3)
    assert cut.truncated
    assert cut.total == 7
    assert len(cut) == 3
    assert sorted(cut.hops.values()) == [0, 1, 2]
    assert "truncated: 7 reached, 3 kept" in cut.summary()


def test_as_of_sees_the_graph_as_it_was(store: Any) -> None:
    a_type = store.put_artifact_type(pb.ArtifactType(name="D"))
    x_type = store.put_execution_type(pb.ExecutionType(name="S"))
    [root] = store.put_artifacts([pb.Artifact(type_id=a_type, uri="/root", name="root")])
    [stored_root] = store.get_artifacts_by_id([root])
    early_out = pb.Artifact(type_id=a_type, uri="/early", name="early-out")
    store.put_execution(
        pb.Execution(type_id=x_type, name="early"),
        [(stored_root, pb.Event(type=pb.Event.INPUT)), (early_out, pb.Event(type=pb.Event.OUTPUT))],
        [],
    )
    time.sleep(0.05)
    cut = int(time.time() * 1000)
    time.sleep(0.05)
    [stored_root] = store.get_artifacts_by_id([root])
    store.put_execution(
        pb.Execution(type_id=x_type, name="late"),
        [(stored_root, pb.Event(type=pb.Event.INPUT))],
        [],
    )
    assert names(store, downstream(store, root)) == ["early", "early-out", "late", "root"]
    then = downstream(store, root, as_of=cut)
    assert names(store, then) == ["early", "early-out", "root"]
    as_datetime = dt.datetime.fromtimestamp(cut / 1000, tz=dt.timezone.utc)
    assert downstream(store, root, as_of=as_datetime).hops == then.hops
    assert downstream(store, root, as_of=0).hops == {}  # nothing existed yet


def test_ids_only_returns_no_node_details(store: Any, demo: dict[str, int]) -> None:
    fast = upstream(store, demo["model"], ids_only=True)
    assert set(fast.hops) == set(upstream(store, demo["model"]).hops)
    assert fast.artifacts == []


def test_networkx_round_trip(store: Any, demo: dict[str, int]) -> None:
    lineage = downstream(store, demo["raw"])
    g = lineage.to_networkx()
    assert g.nodes[f"artifact:{demo['model']}"]["type"] == "Model"
    assert g.nodes[f"artifact:{demo['model']}"]["properties"] == {"framework": "scikit-learn"}
    [ingest] = g.successors(f"artifact:{demo['raw']}")
    assert g.nodes[ingest]["name"] == "ingest-1"
    [edge] = g.get_edge_data(f"artifact:{demo['raw']}", ingest).values()
    assert edge["type"] == "INPUT"
    back = from_networkx(g)

    def canon(graph: Any) -> tuple[Any, ...]:
        return (
            sorted(a.SerializeToString(deterministic=True) for a in graph.artifacts),
            sorted(e.SerializeToString(deterministic=True) for e in graph.executions),
            sorted(
                (e.artifact_id, e.execution_id, e.type, tuple(e.path.steps)) for e in graph.events
            ),
            sorted((a.artifact_id, a.context_id) for a in graph.attributions),
        )

    assert canon(back) == canon(lineage.lineage_graph)


def test_provenance_of_a_tracked_model(store: Any, versions: Versions) -> None:
    p = provenance(store, versions.bad)
    assert [s.type for s in p.steps] == ["Prep", "Trainer"]
    trainer = p.steps[1]
    assert trainer.parameters == {"epochs": 10, "learning_rate": 0.1}
    assert trainer.user == "ada"
    assert trainer.code is not None
    assert trainer.code.commit == "2" * 40
    raw = next(i for i in p.inputs if i.name == "raw-v2")
    assert raw.root
    assert raw.version == 2
    assert raw.fingerprint == "sha256:" + "b" * 64
    [env] = p.environments
    assert env.packages["scikit-learn"] == "1.5.1"
    assert env.python_version == "3.11.7"
    assert [c.name for c in p.contexts] == ["run-1", "run-2"]  # the shared vocab is in both runs
    assert not any("environment" in m for m in p.missing)
    data = json.loads(p.to_json())
    assert data["target"] == f"artifact:{versions.bad}"
    assert "raw-v2" in p.to_markdown()
    assert "Trainer" in p.to_text()


def test_provenance_of_a_plain_mlmd_graph_says_what_is_missing(
    store: Any, demo: dict[str, int]
) -> None:
    p = provenance(store, demo["model"])
    assert [s.name for s in p.steps] == ["ingest-1", "train-1"]
    assert p.steps[1].parameters == {
        "learning_rate": 0.05
    }  # TFX-style properties count as parameters
    assert any(m.startswith("code:") for m in p.missing)
    assert any(m.startswith("environment:") for m in p.missing)
    assert any(f"artifact:{demo['raw']}" in m and "fingerprint" in m for m in p.missing)
    root = provenance(store, demo["raw"])
    assert root.steps == ()
    assert "root input" in root.missing[-1]


def test_impact_groups_by_kind_with_paths(store: Any, versions: Versions) -> None:
    hit = impact(store, versions.shared_vocab)
    assert {n.name for n in hit.groups["models"]} == {"churn-v1", "churn-v2"}
    for node in hit.groups["models"]:
        assert node.path[0] == f"artifact:{versions.shared_vocab}"
        assert node.path[-1] == node.key
        assert len(node.path) == 3
    assert hit.counts()["executions"] == 2
    assert json.loads(hit.to_json())["counts"]["models"] == 2


def test_path_and_common_ancestors(store: Any, versions: Versions) -> None:
    route = path(store, versions.raw_v1, versions.good)
    assert route.highlight[0] == f"artifact:{versions.raw_v1}"
    assert route.highlight[-1] == f"artifact:{versions.good}"
    assert len(route.highlight) == 5
    assert len(route.lineage_graph.events) == 4
    assert path(store, versions.good, versions.raw_v1).highlight == route.highlight
    with pytest.raises(errors.NotFoundError, match="no lineage path"):
        path(store, versions.good, versions.bad)
    common = common_ancestors(store, versions.good, versions.bad)
    assert common.highlight == (f"artifact:{versions.shared_vocab}",)
    assert common.artifact_ids == [versions.shared_vocab]


def test_diff_finds_data_parameter_code_and_package_changes(store: Any, versions: Versions) -> None:
    d = diff(store, versions.good, versions.bad)
    assert not d.identical
    assert [(m.type, m.status) for m in d.steps] == [("Prep", "changed"), ("Trainer", "changed")]
    assert d.divergence is not None
    assert d.divergence.type == "Prep"
    data = {(c.name, c.a, c.b) for c in d.data}
    assert ("Dataset fingerprint", "sha256:" + "a" * 64, "sha256:" + "b" * 64) in data
    assert ("Dataset version", 1, 2) in data
    assert {(c.name, c.a, c.b) for c in d.parameters} == {("learning_rate", 0.05, 0.1)}
    assert {(c.name, c.a, c.b) for c in d.code} == {("commit", "1" * 40, "2" * 40)}
    assert {(c.name, c.a, c.b) for c in d.packages} == {("scikit-learn", "1.4.0", "1.5.1")}
    assert {(c.name, c.a, c.b) for c in d.metrics} == {("train_loss", 0.2, 0.4)}
    assert f"artifact:{versions.shared_vocab}" in d.shared
    text = d.to_text()
    assert "First divergence: Prep" in text
    assert "learning_rate: 0.05 → 0.1" in text
    assert json.loads(d.to_json())["divergence"]["type"] == "Prep"
    assert "| Trainer | learning_rate | 0.05 | 0.1 |" in d.to_markdown()


def test_diff_of_a_node_with_itself_is_empty(store: Any, versions: Versions) -> None:
    d = diff(store, versions.good, versions.good)
    assert d.identical
    assert all(m.status == "shared" for m in d.steps)
    assert "No differences" in d.to_text()
