"""A real ``lineage serve`` (in process, on a loopback port) per test, and a raw gRPC client.

The client sends the same bytes ml-metadata's and KFP's clients send: the request message on
the method's path, nothing lineage-specific; tests read the status code and message a user sees.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

grpc = pytest.importorskip("grpc", reason="the server extra (grpcio) is not installed")

from lineage import proto as pb  # noqa: E402
from lineage.proto import lineage_service_pb2 as lpb  # noqa: E402
from lineage.service import Server, ServerOptions  # noqa: E402
from tests.conftest import FILE_BACKENDS, fresh_url  # noqa: E402


class _Messages:
    """ml_metadata's messages and its service's requests and responses under one name."""

    def __getattr__(self, name: str) -> Any:
        from lineage.proto import metadata_store_service_pb2

        found = getattr(metadata_store_service_pb2, name, None)
        return found if found is not None else getattr(pb, name)


#: ``mpb.Artifact``, ``mpb.PutArtifactsRequest``, ... as ml-metadata's clients build them.
mpb: Any = _Messages()
MLMD = "ml_metadata.MetadataStoreService"
LINEAGE = "lineage.LineageService"


class Client:
    """Unary calls by method name over one channel."""

    def __init__(self, port: int, token: str | None = None) -> None:
        self.channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        self.token = token

    def call(self, method: str, request: Any, token: str | None = None) -> Any:
        service, module = (LINEAGE, lpb) if hasattr(lpb, method + "Request") else (MLMD, mpb)
        response = getattr(module, method + "Response")
        stub = self.channel.unary_unary(
            f"/{service}/{method}",
            request_serializer=type(request).SerializeToString,
            response_deserializer=response.FromString,
        )
        token = token or self.token
        metadata = [("authorization", f"Bearer {token}")] if token else None
        return stub(request, metadata=metadata, timeout=30)

    def fails(self, method: str, request: Any, token: str | None = None) -> Any:
        """The grpc.RpcError the call raises (the test fails when it succeeds)."""
        with pytest.raises(grpc.RpcError) as caught:
            self.call(method, request, token)
        return caught.value

    def close(self) -> None:
        self.channel.close()


def start(db: str, **options: Any) -> Server:
    server = Server(ServerOptions(db=db, port=0, grace=5, **options))
    server.start()
    assert server.wait_ready(60), server.failure
    return server


@pytest.fixture(params=FILE_BACKENDS)
def backend(request: Any) -> str:
    """A server's database: a SQLite file, MariaDB or PostgreSQL (not SQLite in memory)."""
    return str(request.param)


@pytest.fixture
def served(store_url: str) -> Iterator[tuple[Server, Client]]:
    """A server on a fresh database of each backend, and a client."""
    server = start(store_url)
    client = Client(server.port)
    try:
        yield server, client
    finally:
        client.close()
        server.stop(1)


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return fresh_url("sqlite-file", tmp_path)
