"""TLS and mTLS from certificate files (made with openssl), and reloading them when they change."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from lineage.service import Server, ServerOptions, TlsFiles
from tests.service.conftest import grpc
from tests.service.conftest import mpb as pb

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs openssl")


def _openssl(*args: str, cwd: Path) -> None:
    subprocess.run(["openssl", *args], cwd=cwd, check=True, capture_output=True)


def _ca(folder: Path, name: str) -> Path:
    _openssl(
        "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
        "-subj", f"/CN={name}", "-keyout", f"{name}.key", "-out", f"{name}.pem", cwd=folder,
    )  # fmt: skip
    return folder / f"{name}.pem"


def _signed(folder: Path, ca: str, name: str, san: str) -> tuple[Path, Path]:
    (folder / f"{name}.ext").write_text(f"subjectAltName={san}\n")
    _openssl(
        "req", "-newkey", "rsa:2048", "-nodes", "-subj", f"/CN={name}",
        "-keyout", f"{name}.key", "-out", f"{name}.csr", cwd=folder,
    )  # fmt: skip
    _openssl(
        "x509", "-req", "-in", f"{name}.csr", "-CA", f"{ca}.pem", "-CAkey", f"{ca}.key",
        "-CAcreateserial", "-days", "2", "-extfile", f"{name}.ext", "-out", f"{name}.pem",
        cwd=folder,
    )  # fmt: skip
    return folder / f"{name}.key", folder / f"{name}.pem"


def _types(port: int, ca: Path, client: tuple[Path, Path] | None = None) -> Any:
    key, cert = (client[0].read_bytes(), client[1].read_bytes()) if client else (None, None)
    credentials = grpc.ssl_channel_credentials(ca.read_bytes(), key, cert)
    with grpc.secure_channel(f"127.0.0.1:{port}", credentials) as channel:
        call = channel.unary_unary(
            "/ml_metadata.MetadataStoreService/GetArtifactTypes",
            request_serializer=pb.GetArtifactTypesRequest.SerializeToString,
            response_deserializer=pb.GetArtifactTypesResponse.FromString,
        )
        return call(pb.GetArtifactTypesRequest(), timeout=10)


def test_tls_mtls_and_reload(tmp_path: Path, sqlite_url: str) -> None:
    ca = _ca(tmp_path, "ca")
    server_key, server_cert = _signed(tmp_path, "ca", "server", "IP:127.0.0.1")
    client = _signed(tmp_path, "ca", "client", "DNS:client")
    live_key, live_cert = tmp_path / "live.key", tmp_path / "live.pem"
    shutil.copy(server_key, live_key)
    shutil.copy(server_cert, live_cert)
    tls = TlsFiles(str(live_key), str(live_cert), str(ca), client_verify=True)
    server = Server(ServerOptions(db=sqlite_url, port=0, grace=1, tls=tls))
    server.start()
    try:
        assert server.wait_ready(30)
        assert _types(server.port, ca, client).artifact_types is not None
        with pytest.raises(grpc.RpcError) as caught:
            _types(server.port, ca)  # no client certificate
        assert caught.value.code() == grpc.StatusCode.UNAVAILABLE

        # A renewed certificate from another CA: new connections get it, no restart.
        other_ca = _ca(tmp_path, "other")
        key2, cert2 = _signed(tmp_path, "other", "server2", "IP:127.0.0.1")
        shutil.copy(key2, live_key)
        shutil.copy(cert2, live_cert)
        later = time.time() + 5
        os.utime(live_key, (later, later))
        os.utime(live_cert, (later, later))
        both = tmp_path / "both.pem"
        both.write_bytes(ca.read_bytes() + other_ca.read_bytes())
        reply = _types(server.port, other_ca, client)
        assert reply.artifact_types is not None
        with pytest.raises(grpc.RpcError):
            _types(server.port, ca, client)  # the old CA no longer verifies the server
    finally:
        server.stop(1)


def test_client_verify_needs_a_ca(sqlite_url: str) -> None:
    from lineage.errors import ConfigurationError

    server = Server(ServerOptions(db=sqlite_url, port=0, tls=TlsFiles("k", "c", "", True)))
    with pytest.raises(ConfigurationError, match="custom_ca"):
        server.start()
