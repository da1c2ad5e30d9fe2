"""MLMD's status codes and paging, over the wire, on every backend."""

from __future__ import annotations

from typing import Any

from lineage.proto import lineage_service_pb2 as lpb
from tests.service.conftest import grpc
from tests.service.conftest import mpb as pb

StatusCode = grpc.StatusCode


def _type(client: Any, name: str = "Data") -> int:
    request = pb.PutArtifactTypeRequest(artifact_type=pb.ArtifactType(name=name))
    request.artifact_type.properties["span"] = pb.INT
    return int(client.call("PutArtifactType", request).type_id)


def test_missing_type_is_not_found_and_missing_node_by_name_is_ok_empty(served: Any) -> None:
    _server, client = served
    error = client.fails("GetArtifactType", pb.GetArtifactTypeRequest(type_name="Nope"))
    assert error.code() == StatusCode.NOT_FOUND
    assert "Nope" in error.details()
    reply = client.call(
        "GetArtifactByTypeAndName",
        pb.GetArtifactByTypeAndNameRequest(type_name="Nope", artifact_name="x"),
    )
    assert not reply.HasField("artifact")
    ctx = client.call(
        "GetContextByTypeAndName",
        pb.GetContextByTypeAndNameRequest(type_name="Nope", context_name="x"),
    )
    assert not ctx.HasField("context")


def test_duplicates_are_already_exists(served: Any) -> None:
    _server, client = served
    type_id = _type(client)
    first = pb.PutArtifactsRequest(artifacts=[pb.Artifact(type_id=type_id, name="a")])
    client.call("PutArtifacts", first)
    error = client.fails("PutArtifacts", first)
    assert error.code() == StatusCode.ALREADY_EXISTS
    ctype = client.call(
        "PutContextType", pb.PutContextTypeRequest(context_type=pb.ContextType(name="Run"))
    ).type_id
    ids = client.call(
        "PutContexts",
        pb.PutContextsRequest(
            contexts=[pb.Context(type_id=ctype, name="p"), pb.Context(type_id=ctype, name="c")]
        ),
    ).context_ids
    link = pb.PutParentContextsRequest(
        parent_contexts=[pb.ParentContext(parent_id=ids[0], child_id=ids[1])]
    )
    client.call("PutParentContexts", link)
    assert client.fails("PutParentContexts", link).code() == StatusCode.ALREADY_EXISTS
    changed = pb.PutArtifactTypeRequest(artifact_type=pb.ArtifactType(name="Data"))
    changed.artifact_type.properties["span"] = pb.STRING
    assert client.fails("PutArtifactType", changed).code() == StatusCode.ALREADY_EXISTS


def test_bad_input_names_the_field_and_writes_nothing(served: Any) -> None:
    _server, client = served
    type_id = _type(client)
    bad = pb.Artifact(type_id=type_id, name="b")
    bad.properties["undeclared"].int_value = 1
    good = pb.Artifact(type_id=type_id, name="g")
    error = client.fails("PutArtifacts", pb.PutArtifactsRequest(artifacts=[good, bad]))
    assert error.code() == StatusCode.INVALID_ARGUMENT
    assert "undeclared" in error.details()
    assert not client.call("GetArtifacts", pb.GetArtifactsRequest()).artifacts
    error = client.fails(
        "GetArtifacts",
        pb.GetArtifactsRequest(options=pb.ListOperationOptions(filter_query="uri = ")),
    )
    assert error.code() == StatusCode.INVALID_ARGUMENT


def test_paging_default_cap_tokens_and_everything(served: Any) -> None:
    _server, client = served
    type_id = _type(client)
    client.call(
        "PutArtifacts",
        pb.PutArtifactsRequest(artifacts=[pb.Artifact(type_id=type_id) for _ in range(130)]),
    )
    everything = client.call("GetArtifacts", pb.GetArtifactsRequest())
    assert len(everything.artifacts) == 130
    assert not everything.next_page_token
    first = client.call("GetArtifacts", pb.GetArtifactsRequest(options=pb.ListOperationOptions()))
    assert len(first.artifacts) == 20
    seen, token = [], ""
    while True:
        options = pb.ListOperationOptions(max_result_size=1000, next_page_token=token)
        page = client.call("GetArtifacts", pb.GetArtifactsRequest(options=options))
        assert len(page.artifacts) <= 100
        seen += [a.id for a in page.artifacts]
        token = page.next_page_token
        if not token:
            break
    assert seen == [a.id for a in everything.artifacts]
    error = client.fails(
        "GetArtifacts",
        pb.GetArtifactsRequest(options=pb.ListOperationOptions(max_result_size=0)),
    )
    assert error.code() == StatusCode.INVALID_ARGUMENT
    assert "max_result_size" in error.details()
    by_type = client.call(
        "GetArtifactsByType",
        pb.GetArtifactsByTypeRequest(
            type_name="Data", options=pb.ListOperationOptions(max_result_size=50)
        ),
    )
    assert len(by_type.artifacts) == 50
    assert by_type.next_page_token


def test_lineage_service_walk_and_store_info(served: Any) -> None:
    _server, client = served
    type_id = _type(client)
    etype = client.call(
        "PutExecutionType",
        pb.PutExecutionTypeRequest(execution_type=pb.ExecutionType(name="Train")),
    ).type_id
    data, model = client.call(
        "PutArtifacts",
        pb.PutArtifactsRequest(artifacts=[pb.Artifact(type_id=type_id) for _ in range(2)]),
    ).artifact_ids
    request = pb.PutExecutionRequest(execution=pb.Execution(type_id=etype))
    for artifact_id, kind in ((data, pb.Event.INPUT), (model, pb.Event.OUTPUT)):
        pair = request.artifact_event_pairs.add()
        pair.artifact.CopyFrom(
            client.call(
                "GetArtifactsByID", pb.GetArtifactsByIDRequest(artifact_ids=[artifact_id])
            ).artifacts[0]
        )
        pair.event.type = kind
    run = client.call("PutExecution", request).execution_id
    ids = client.call("Walk", lpb.WalkRequest(artifacts=[model], direction="upstream"))
    assert set(ids.artifacts) == {data, model}
    assert set(ids.executions) == {run}
    assert not ids.has_graph
    walk = client.call(
        "Walk", lpb.WalkRequest(artifacts=[model], direction="upstream", hydrate=True)
    )
    assert walk.artifacts[model] == 0
    assert walk.artifacts[data] == 2
    assert walk.has_graph
    assert {a.id for a in walk.graph.artifacts} == {data, model}
    assert [(e.artifact_id, e.type) for e in walk.graph.events] == [
        (data, pb.Event.INPUT),
        (model, pb.Event.OUTPUT),
    ]
    info = client.call("StoreInfo", lpb.StoreInfoRequest())
    assert info.counts["artifacts"] == 2
    assert info.counts["executions"] == 1
    assert info.schema_version == 10
    assert not info.read_only
