"""get_lineage_subgraph builds its answer as protobuf wire format: it must equal the point reads."""

from __future__ import annotations

from typing import Any

import pytest

from lineage.proto import metadata_store_pb2 as pb
from tests.store.helpers import EVERY_KIND

#: Every backend test here runs through a lineage serve server too (tests/conftest.py).
pytestmark = pytest.mark.remote_too


def _sorted(messages: Any) -> list[bytes]:
    return sorted(m.SerializeToString(deterministic=True) for m in messages)


def test_subgraph_nodes_equal_point_reads_for_every_value_kind(store: Any) -> None:
    atype = store.put_artifact_type(
        pb.ArtifactType(
            name="Everything",
            properties=dict(EVERY_KIND),
        )
    )
    etype = store.put_execution_type(pb.ExecutionType(name="Step", properties={"n": pb.INT}))
    ctype = store.put_context_type(pb.ContextType(name="Run"))
    # 120 artifacts: past the size where SQLite binds id lists as one JSON array.
    artifacts = []
    for i in range(120):
        a = pb.Artifact(type_id=atype, uri=f"/data/ü{i}", state=pb.Artifact.LIVE)
        a.properties["i"].int_value = -(2**63) if i == 0 else i * 1_000_003 - 7
        a.properties["d"].double_value = [-1.5e308, -0.0, 1e-300, 2.5][i % 4]
        a.properties["s"].string_value = "naïve ✓ " * (i % 3) + "x" * (i % 200)
        a.properties["st"].struct_value.update({"lr": 0.1 * i, "layers": [1, {"k": "v"}]})
        a.properties["p"].proto_value.Pack(pb.Artifact(uri=f"packed-{i}"))
        a.properties["b"].bool_value = i % 2 == 0
        a.custom_properties["note"].string_value = f"custom {i}"
        a.custom_properties["empty"].string_value = ""
        a.custom_properties["zero"].int_value = 0
        if i % 5 == 0:
            a.name = f"artifact-{i}"
            a.external_id = f"ext-{i}"
        artifacts.append(a)
    executions = []
    for j in range(40):
        x = pb.Execution(type_id=etype, last_known_state=pb.Execution.COMPLETE)
        x.properties["n"].int_value = j
        if j % 2:
            x.name = f"step-{j}"
        executions.append(x)
    edges = []
    for j in range(40):
        for k in range(3):
            event = pb.Event(type=pb.Event.INPUT if k < 2 else pb.Event.OUTPUT)
            event.path.steps.add().key = "examples"
            event.path.steps.add().index = k
            edges.append((j, 3 * j + k, event))
    context = pb.Context(type_id=ctype, name="run-1")
    context.custom_properties["owner"].string_value = "ana"
    store.put_lineage_subgraph(executions, artifacts, [context], edges)

    options = pb.LineageSubgraphQueryOptions(max_num_hops=4)
    options.starting_artifacts.filter_query = "uri LIKE '/data/%'"
    graph = store.get_lineage_subgraph(options)

    a_ids = sorted(a.id for a in graph.artifacts)
    x_ids = sorted(x.id for x in graph.executions)
    assert len(a_ids) == 120
    assert len(x_ids) == 40
    assert _sorted(graph.artifacts) == _sorted(store.get_artifacts_by_id(a_ids))
    assert _sorted(graph.executions) == _sorted(store.get_executions_by_id(x_ids))
    assert _sorted(graph.contexts) == _sorted(store.get_contexts())
    assert _sorted(graph.events) == _sorted(store.get_events_by_execution_ids(x_ids))
    assert [t.name for t in graph.artifact_types] == ["Everything"]
    assert [t.name for t in graph.execution_types] == ["Step"]
    assert [t.name for t in graph.context_types] == ["Run"]
    assert len(graph.attributions) == 120
    assert len(graph.associations) == 40
    first = next(a for a in graph.artifacts if a.properties["i"].int_value == -(2**63))
    assert first.properties["st"].struct_value["layers"][1]["k"] == "v"
    assert first.custom_properties["empty"].HasField("string_value")
    unpacked = pb.Artifact()
    assert first.properties["p"].proto_value.Unpack(unpacked)
    assert unpacked.uri == "packed-0"
    steps = [list(e.path.steps) for e in graph.events]
    assert all(s[0].key == "examples" and s[1].HasField("index") for s in steps)
