"""lineage's own clients through a server: the remote store, tracking, graph queries, the CLI.

Every test talks to a real ``lineage serve`` (in process, on a loopback port) through
``grpc://`` / ``grpcs://`` URLs or an ml-metadata ``MetadataStoreClientConfig``, and checks what
a user sees against the served database read directly.
"""

from __future__ import annotations

import inspect
import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

import lineage
from lineage import errors
from lineage.cli import cli
from lineage.proto import metadata_store_pb2 as pb
from lineage.service import load_tokens
from lineage.store._remote import RemoteMetadataStore
from tests.service.conftest import start
from tests.service.test_tls import _ca, _signed


def test_every_public_method_is_forwarded() -> None:
    """No public call of MetadataStore falls through to the local engine on a remote store."""
    public = {n for n, _ in inspect.getmembers(lineage.MetadataStore) if not n.startswith("_")}
    missing = sorted(public - set(vars(RemoteMetadataStore)) - {"pipeline_asset"})
    assert missing == []


def _url(server: Any) -> str:
    return f"grpc://127.0.0.1:{server.port}"


def test_client_config_url_and_the_store_behind(sqlite_url: str) -> None:
    server = start(sqlite_url)
    try:
        config = pb.MetadataStoreClientConfig(host="127.0.0.1", port=server.port)
        config.client_timeout_sec = 30
        with lineage.MetadataStore(config) as remote:
            assert isinstance(remote, RemoteMetadataStore)
            assert remote.is_remote
            assert remote.dialect == "sqlite"
            assert remote.url == _url(server)
            assert remote.server_url == server.service.store.url
            t = remote.put_artifact_type(pb.ArtifactType(name="Data"))
            [a] = remote.put_artifacts([pb.Artifact(type_id=t, uri="/d", name="d")])
            assert remote.get_schema_version() == 10
            assert remote.counts()["artifacts"] == 1
        with lineage.MetadataStore(_url(server)) as again:
            assert [x.uri for x in again.get_artifacts_by_id([a])] == ["/d"]
            with (
                pytest.raises(errors.UnimplementedError, match="cannot span several calls"),
                again.transaction(),
            ):
                pass
            with pytest.raises(errors.UnimplementedError, match="not through the server"):
                lineage.store.optimize(again)
        with lineage.MetadataStore(sqlite_url) as local:  # the server's own database
            assert [x.uri for x in local.get_artifacts()] == ["/d"]
    finally:
        server.stop(1)


def test_tokens_from_the_environment(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    tokens = load_tokens("writer-secret-token-1 write\nreader-secret-token-2 read\n")
    server = start(sqlite_url, tokens=tokens)
    try:
        monkeypatch.delenv("LINEAGE_TOKEN", raising=False)
        with (
            lineage.MetadataStore(_url(server)) as anonymous,
            pytest.raises(errors.UnauthenticatedError, match="requires a token"),
        ):
            anonymous.get_artifact_types()
        monkeypatch.setenv("LINEAGE_TOKEN", "reader-secret-token-2")
        with lineage.MetadataStore(_url(server)) as reader:
            assert reader.read_only
            assert reader.get_artifact_types() == []
            with pytest.raises(errors.PermissionDeniedError) as denied:
                reader.put_artifact_type(pb.ArtifactType(name="Data"))
            assert "reader-secret-token-2" not in str(denied.value)
        monkeypatch.setenv("LINEAGE_TOKEN", "writer-secret-token-1")
        with lineage.MetadataStore(_url(server)) as writer:
            assert not writer.read_only
            assert writer.put_artifact_type(pb.ArtifactType(name="Data")) > 0
    finally:
        server.stop(1)


def test_tracking_and_graph_queries_through_the_server(sqlite_url: str, tmp_path: Path) -> None:
    data = tmp_path / "train.csv"
    data.write_text("x,y\n1,2\n")
    server = start(sqlite_url)
    try:
        url = _url(server)
        with lineage.run("train", params={"lr": 0.1}, inputs={"data": data}, store=url) as run:
            run.log_metric("loss", 0.5)
            (tmp_path / "model.bin").write_bytes(b"weights")
            run.output(tmp_path / "model.bin", type="Model")
        with lineage.MetadataStore(url) as remote, lineage.MetadataStore(sqlite_url) as local:
            [model_id] = [a.id for a in remote.get_artifacts() if a.type == "Model"]
            far = lineage.graph.provenance(remote, model_id)
            near = lineage.graph.provenance(local, model_id)
            assert far.to_dict() == near.to_dict()
            assert "lr" in json.dumps(far.to_dict())
            up_far = lineage.graph.upstream(remote, [("artifact", model_id)])
            up_near = lineage.graph.upstream(local, [("artifact", model_id)])
            assert sorted(up_far.nodes()) == sorted(up_near.nodes())
            assert len(up_far.nodes()) >= 3  # model, the run, its input
    finally:
        server.stop(1)


def test_cli_through_the_server(sqlite_url: str, tmp_path: Path) -> None:
    server = start(sqlite_url)
    try:
        url = _url(server)
        with lineage.MetadataStore(url) as remote:
            t = remote.put_artifact_type(pb.ArtifactType(name="Dataset"))
            x = remote.put_execution_type(pb.ExecutionType(name="Trainer"))
            m = remote.put_artifact_type(pb.ArtifactType(name="Model"))
            remote.put_execution(
                pb.Execution(type_id=x, name="train-1"),
                [
                    (
                        pb.Artifact(type_id=t, uri="/data/a", name="a"),
                        pb.Event(type=pb.Event.INPUT),
                    ),
                    (pb.Artifact(type_id=m, uri="/m/1", name="m1"), pb.Event(type=pb.Event.OUTPUT)),
                ],
                [],
            )
        runner = CliRunner()
        info = runner.invoke(cli, ["--db", url, "db", "info", "--json"])
        assert info.exit_code == 0, info.output
        shown = json.loads(info.output)
        assert shown["url"] == url
        assert shown["schema_version"] == 10
        assert shown["counts"]["artifacts"] == 2
        assert shown["counts"]["events"] == 2
        listed = runner.invoke(cli, ["--db", url, "ls", "artifacts"])
        assert listed.exit_code == 0
        assert "/data/a" in listed.output
        assert "/m/1" in listed.output
        traced = runner.invoke(cli, ["--db", url, "trace", "up", "Model:m1"])
        assert traced.exit_code == 0, traced.output
        assert "train-1" in traced.output
        assert "/data/a" in traced.output
        refused = runner.invoke(cli, ["--db", url, "db", "optimize"])
        assert refused.exit_code != 0
        assert "not through the server" in refused.output
    finally:
        server.stop(1)


def test_grpcs_url_with_a_private_ca(tmp_path: Path, sqlite_url: str) -> None:
    from lineage.service import TlsFiles

    ca = _ca(tmp_path, "ca")
    key, cert = _signed(tmp_path, "ca", "server", "DNS:localhost,IP:127.0.0.1")
    server = start(sqlite_url, tls=TlsFiles(str(key), str(cert), "", False))
    try:
        with lineage.MetadataStore(f"grpcs://127.0.0.1:{server.port}?ca={ca}") as remote:
            assert remote.url == f"grpcs://127.0.0.1:{server.port}"
            assert remote.get_artifact_types() == []
        with pytest.raises(errors.ConnectionFailedError, match="cannot reach"):
            lineage.MetadataStore(f"grpc://127.0.0.1:{server.port}")  # plain text to a TLS port
    finally:
        server.stop(1)
