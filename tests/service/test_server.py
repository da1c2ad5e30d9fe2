"""Operating the server: tokens, read-only mode, health, reflection, logs, the drop-in's flags."""

from __future__ import annotations

import json
import logging
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

import lineage
from lineage.errors import ConfigurationError
from lineage.proto import lineage_service_pb2 as lpb
from lineage.service import load_tokens, mlmd_server
from tests.service.conftest import Client, grpc, start
from tests.service.conftest import mpb as pb

StatusCode = grpc.StatusCode
WRITER = "w-0123456789abcdef-secret"
READER = "r-0123456789abcdef-secret"


def _put_type(client: Any, token: str | None = None) -> Any:
    request = pb.PutArtifactTypeRequest(artifact_type=pb.ArtifactType(name="Data"))
    return client.call("PutArtifactType", request, token)


def test_tokens_gate_every_call_and_never_reach_the_log(
    sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="lineage.server")
    server = start(sqlite_url, tokens=load_tokens(f"# team\n{WRITER} write\n{READER} read\n"))
    client = Client(server.port)
    try:
        error = client.fails("GetArtifactTypes", pb.GetArtifactTypesRequest())
        assert error.code() == StatusCode.UNAUTHENTICATED
        assert "Bearer" in error.details()
        error = client.fails("GetArtifactTypes", pb.GetArtifactTypesRequest(), token="x" * 20)
        assert error.code() == StatusCode.UNAUTHENTICATED
        assert "not valid" in error.details()
        error = client.fails(
            "PutArtifactType",
            pb.PutArtifactTypeRequest(artifact_type=pb.ArtifactType(name="Data")),
            token=READER,
        )
        assert error.code() == StatusCode.PERMISSION_DENIED
        assert "PutArtifactType writes" in error.details()
        assert "only read" in error.details()
        assert not client.call(
            "GetArtifactTypes", pb.GetArtifactTypesRequest(), READER
        ).artifact_types
        assert _put_type(client, WRITER).type_id > 0
        assert (
            len(
                client.call("GetArtifactTypes", pb.GetArtifactTypesRequest(), READER).artifact_types
            )
            == 1
        )
        error = client.fails("Compact", lpb.CompactRequest(), token=READER)
        assert error.code() == StatusCode.PERMISSION_DENIED
    finally:
        client.close()
        server.stop(1)
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("{")]
    calls = [json.loads(line) for line in lines]
    assert [c["code"] for c in calls[:3]] == ["UNAUTHENTICATED"] * 2 + ["PERMISSION_DENIED"]
    assert {"rpc", "code", "ms", "peer"} <= set(calls[0])
    assert calls[0]["rpc"] == "/ml_metadata.MetadataStoreService/GetArtifactTypes"
    text = caplog.text
    assert WRITER not in text
    assert READER not in text


def test_tokens_file_errors_never_show_the_token() -> None:
    with pytest.raises(ConfigurationError, match="line 2") as caught:
        load_tokens(f"{WRITER} write\n{READER} read extra\n")
    assert READER not in str(caught.value)
    with pytest.raises(ConfigurationError, match="'read' or 'write'"):
        load_tokens(f"{WRITER} admin\n")
    with pytest.raises(ConfigurationError, match="16 characters"):
        load_tokens("short write\n")


def test_read_only_refuses_writes_and_writes_nothing(sqlite_url: str) -> None:
    with lineage.MetadataStore(sqlite_url) as store:
        store.put_artifact_type(pb.ArtifactType(name="Kept"))
    server = start(sqlite_url, read_only=True)
    client = Client(server.port)
    try:
        error = client.fails(
            "PutArtifactType", pb.PutArtifactTypeRequest(artifact_type=pb.ArtifactType(name="X"))
        )
        assert error.code() == StatusCode.PERMISSION_DENIED
        assert "read-only" in error.details()
        types = client.call("GetArtifactTypes", pb.GetArtifactTypesRequest()).artifact_types
        assert [t.name for t in types] == ["Kept"]
        assert client.call("StoreInfo", lpb.StoreInfoRequest()).read_only
    finally:
        client.close()
        server.stop(1)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _health(port: int, service: str = "") -> Any:
    from grpc_health.v1 import health_pb2, health_pb2_grpc

    with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        status = stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=10).status
        return health_pb2.HealthCheckResponse.ServingStatus.Name(status)


def test_health_waits_for_the_database_and_calls_answer_unavailable() -> None:
    from lineage.service import Server, ServerOptions

    closed = _free_port()  # nothing listens here: the database "is not up yet"
    server = Server(ServerOptions(db=f"mysql+pymysql://root@127.0.0.1:{closed}/test", port=0))
    server.start()
    client = Client(server.port)
    try:
        assert not server.wait_ready(1.0)
        assert server.failure is None  # still waiting, not crashed
        assert _health(server.port) == "NOT_SERVING"
        assert _health(server.port, "ml_metadata.MetadataStoreService") == "NOT_SERVING"
        error = client.fails("GetArtifactTypes", pb.GetArtifactTypesRequest())
        assert error.code() == StatusCode.UNAVAILABLE
        assert "waiting for its database" in error.details()
    finally:
        client.close()
        server.stop(1)


def test_health_serving_and_reflection(served: Any) -> None:
    server, _client = served
    assert _health(server.port) == "SERVING"
    assert _health(server.port, "lineage.LineageService") == "SERVING"
    from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

    with grpc.insecure_channel(f"127.0.0.1:{server.port}") as channel:
        stub = reflection_pb2_grpc.ServerReflectionStub(channel)
        request = reflection_pb2.ServerReflectionRequest(list_services="")
        [reply] = list(stub.ServerReflectionInfo(iter([request]), timeout=10))
    names = {s.name for s in reply.list_services_response.service}
    assert {"ml_metadata.MetadataStoreService", "lineage.LineageService"} <= names
    assert "grpc.reflection.v1alpha.ServerReflection" in names


def test_drop_in_flags(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GRPC_PORT", "9191")
    monkeypatch.delenv("METADATA_STORE_SERVER_CONFIG_FILE", raising=False)
    args = mlmd_server.parse_args(
        [
            "--mysql_config_host=db",
            "--mysql_config_port=3307",
            "--mysql_config_database=mlmd",
            "--mysql_config_user=root",
            "--mysql_config_password=pw",
            "--enable_database_upgrade",
            "--grpc_channel_arguments=grpc.max_concurrent_streams=7,grpc.primary_user_agent=x",
        ]
    )
    options = mlmd_server.build_options(args)
    assert options.port == 9191
    assert options.host == "[::]"
    assert options.upgrade
    my = options.db.mysql
    assert (my.host, my.port, my.database, my.user, my.password) == (
        "db",
        3307,
        "mlmd",
        "root",
        "pw",
    )
    assert ("grpc.max_concurrent_streams", 7) in options.channel_args
    assert ("grpc.primary_user_agent", "x") in options.channel_args

    config = tmp_path / "server.pbtxt"
    config.write_text(
        'connection_config { postgresql { host: "pg" port: "5433" dbname: "mlmd" } }\n'
        "migration_options { enable_upgrade_migration: true }\n"
        'ssl_config { server_key: "KEY" server_cert: "CERT" client_verify: true }\n'
    )
    monkeypatch.setenv("METADATA_STORE_SERVER_CONFIG_FILE", str(config))
    options = mlmd_server.build_options(mlmd_server.parse_args(["--grpc_port=7000"]))
    assert options.port == 7000
    assert options.db.postgresql.host == "pg"
    assert options.db.postgresql.dbname == "mlmd"
    assert options.upgrade  # honoured with a config file, unlike the C++ server
    assert options.tls is not None
    assert options.tls.client_verify
    config.write_text("connection_config { nonsense: 1 }\n")
    with pytest.raises(ConfigurationError, match="MetadataStoreServerConfig"):
        mlmd_server.build_options(mlmd_server.parse_args([]))


def test_lineage_serve_subprocess_drains_on_sigterm(tmp_path: Path) -> None:
    port = _free_port()
    db = tmp_path / "served.db"
    process = subprocess.Popen(
        [sys.executable, "-m", "lineage", "--db", str(db), "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if _health(port) == "SERVING":
                    break
            except grpc.RpcError:
                pass
            assert process.poll() is None
            assert time.monotonic() < deadline
            time.sleep(0.2)
        client = Client(port)
        assert _put_type(client).type_id > 0
        client.close()
    finally:
        process.terminate()
        output, _ = process.communicate(timeout=60)
    assert process.returncode == 0, output
    assert "draining" in output
    assert "stopped" in output
    with lineage.MetadataStore(str(db)) as store:
        assert [t.name for t in store.get_artifact_types()] == ["Data"]
