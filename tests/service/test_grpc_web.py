"""grpc-web, hand-framed: the requests the Kubeflow Pipelines UI sends through envoy today.

The KFP UI's run-details page resolves a run's context by type and name, lists its executions,
their events and artifacts, and the types to label them; these tests send those calls as the
browser does (``application/grpc-web+proto``, ``x-grpc-web: 1``, a CORS preflight first) and
parse the frames by hand.
"""

from __future__ import annotations

import base64
import http.client
import struct
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote

import pytest

from lineage import proto as lp
from tests.service.conftest import Client, start
from tests.service.conftest import mpb as pb

SERVICE = "/ml_metadata.MetadataStoreService/"
BROWSER = {
    "Content-Type": "application/grpc-web+proto",
    "X-Grpc-Web": "1",
    "X-User-Agent": "grpc-web-javascript/0.1",
    "Origin": "http://localhost:3000",
    "Accept": "application/grpc-web+proto",
}
TOKEN = "kfp-ui-token-0123456789"


def _frames(body: bytes) -> list[tuple[int, bytes]]:
    out, at = [], 0
    while at < len(body):
        flag, length = struct.unpack_from(">BI", body, at)
        out.append((flag, body[at + 5 : at + 5 + length]))
        at += 5 + length
    assert at == len(body)
    return out


class Web:
    def __init__(self, port: int) -> None:
        self.port = port

    def post(self, path: str, body: bytes, headers: dict[str, str]) -> Any:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        conn.request("POST", path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        conn.close()
        return response, data

    def call(self, method: str, request: Any, **headers: str) -> tuple[Any, int, str]:
        """The response message (or None), grpc-status and grpc-message."""
        raw = request.SerializeToString()
        body = struct.pack(">BI", 0, len(raw)) + raw
        response, data = self.post(SERVICE + method, body, BROWSER | headers)
        assert response.status == 200
        assert response.getheader("Content-Type") == "application/grpc-web+proto"
        assert response.getheader("Access-Control-Allow-Origin") == BROWSER["Origin"]
        frames = _frames(data)
        assert frames[-1][0] == 0x80, "the last frame is the trailer frame"
        trailer = dict(
            line.split(": ", 1) for line in frames[-1][1].decode("ascii").split("\r\n") if line
        )
        message = None
        if len(frames) == 2:
            assert frames[0][0] == 0
            message = getattr(pb, method + "Response").FromString(frames[0][1])
        return message, int(trailer["grpc-status"]), unquote(trailer.get("grpc-message", ""))


@pytest.fixture
def web(sqlite_url: str) -> Iterator[Web]:
    server = start(sqlite_url, grpc_web_port=0)
    assert server.grpc_web_port
    client = Client(server.port)
    try:
        _record_run(client)
        yield Web(server.grpc_web_port)
    finally:
        client.close()
        server.stop(1)


def _record_run(client: Client) -> None:
    """What KFP's driver and launcher record for a one-step run (through the gRPC port)."""
    ctype = client.call(
        "PutContextType",
        pb.PutContextTypeRequest(context_type=pb.ContextType(name="system.PipelineRun")),
    ).type_id
    [run] = client.call(
        "PutContexts", pb.PutContextsRequest(contexts=[pb.Context(type_id=ctype, name="run-1")])
    ).context_ids
    etype = client.call(
        "PutExecutionType",
        pb.PutExecutionTypeRequest(
            execution_type=pb.ExecutionType(name="system.ContainerExecution")
        ),
    ).type_id
    atype = client.call(
        "PutArtifactType",
        pb.PutArtifactTypeRequest(artifact_type=pb.ArtifactType(name="system.Dataset")),
    ).type_id
    request = pb.PutExecutionRequest(execution=pb.Execution(type_id=etype, name="train"))
    pair = request.artifact_event_pairs.add()
    pair.artifact.CopyFrom(pb.Artifact(type_id=atype, uri="gs://bucket/run-1/data"))
    pair.event.type = pb.Event.OUTPUT
    request.contexts.add().CopyFrom(pb.Context(id=run, type_id=ctype, name="run-1"))
    client.call("PutExecution", request)


def test_kfp_ui_run_details_calls(web: Web) -> None:
    ctx, code, _ = web.call(
        "GetContextByTypeAndName",
        pb.GetContextByTypeAndNameRequest(type_name="system.PipelineRun", context_name="run-1"),
    )
    assert code == 0
    assert ctx.context.name == "run-1"
    executions, code, _ = web.call(
        "GetExecutionsByContext", pb.GetExecutionsByContextRequest(context_id=ctx.context.id)
    )
    assert code == 0
    assert [e.name for e in executions.executions] == ["train"]
    events, _, _ = web.call(
        "GetEventsByExecutionIDs",
        pb.GetEventsByExecutionIDsRequest(execution_ids=[executions.executions[0].id]),
    )
    assert [e.type for e in events.events] == [lp.Event.OUTPUT]
    artifacts, _, _ = web.call(
        "GetArtifactsByID", pb.GetArtifactsByIDRequest(artifact_ids=[events.events[0].artifact_id])
    )
    assert artifacts.artifacts[0].uri == "gs://bucket/run-1/data"
    types, _, _ = web.call(
        "GetArtifactTypesByID",
        pb.GetArtifactTypesByIDRequest(type_ids=[artifacts.artifacts[0].type_id]),
    )
    assert types.artifact_types[0].name == "system.Dataset"
    missing, code, _ = web.call(
        "GetContextByTypeAndName",
        pb.GetContextByTypeAndNameRequest(type_name="system.PipelineRun", context_name="nope"),
    )
    assert code == 0
    assert not missing.HasField("context")


def test_errors_are_trailers_with_the_status(web: Web) -> None:
    message, code, text = web.call("GetArtifactType", pb.GetArtifactTypeRequest(type_name="Nope"))
    assert message is None
    assert code == 5
    assert "Nope" in text
    response, data = web.post(SERVICE + "NoSuchMethod", struct.pack(">BI", 0, 0), BROWSER)
    assert response.getheader("grpc-status") == "12"
    response, data = web.post(SERVICE + "GetArtifacts", b"\x00\x00\x00\x00\x09abc", BROWSER)
    assert response.getheader("grpc-status") == "3"
    assert "malformed" in unquote(response.getheader("grpc-message"))
    response, _ = web.post(SERVICE + "GetArtifacts", b"", {"Content-Type": "application/json"})
    assert response.status == 415


def test_cors_preflight_and_text_mode(web: Web) -> None:
    conn = http.client.HTTPConnection("127.0.0.1", web.port, timeout=30)
    conn.request(
        "OPTIONS",
        SERVICE + "GetArtifacts",
        headers={
            "Origin": "http://localhost:3000",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type,x-grpc-web,x-user-agent",
        },
    )
    response = conn.getresponse()
    response.read()
    conn.close()
    assert response.status == 204
    assert "POST" in response.getheader("Access-Control-Allow-Methods")
    allowed = response.getheader("Access-Control-Allow-Headers")
    assert "x-grpc-web" in allowed
    assert "grpc-status" in response.getheader("Access-Control-Expose-Headers")

    raw = pb.GetArtifactsRequest().SerializeToString()
    body = base64.b64encode(struct.pack(">BI", 0, len(raw)) + raw)
    headers = BROWSER | {"Content-Type": "application/grpc-web-text"}
    response, data = web.post(SERVICE + "GetArtifacts", body, headers)
    frames = _frames(base64.b64decode(data))
    assert len(pb.GetArtifactsResponse.FromString(frames[0][1]).artifacts) == 1
    assert frames[1][1].startswith(b"grpc-status: 0")


def test_tokens_and_read_only_on_the_web_port(sqlite_url: str) -> None:
    from lineage.service import load_tokens

    server = start(sqlite_url, grpc_web_port=0, tokens=load_tokens(f"{TOKEN} read\n"))
    web = Web(server.grpc_web_port or 0)
    try:
        _, code, text = web.call("GetArtifactTypes", pb.GetArtifactTypesRequest())
        assert code == 16
        assert "Bearer" in text
        reply, code, _ = web.call(
            "GetArtifactTypes", pb.GetArtifactTypesRequest(), Authorization=f"Bearer {TOKEN}"
        )
        assert code == 0
        assert reply is not None
        _, code, text = web.call(
            "PutArtifactType",
            pb.PutArtifactTypeRequest(artifact_type=pb.ArtifactType(name="X")),
            Authorization=f"Bearer {TOKEN}",
        )
        assert code == 7
        assert "only read" in text
    finally:
        server.stop(1)
