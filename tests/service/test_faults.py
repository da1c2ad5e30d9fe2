"""Faults a ``lineage serve`` user meets: the server killed, the database restarted, bad requests.

Real server processes on loopback; the database is read afterwards with ``lineage.MetadataStore``
opened on it directly. A write is all or nothing: every marker found in the database has all its
nodes and events (see ``_harness.verify``). The database restarts run on private PostgreSQL and
MariaDB instances in temporary directories, so the shared test servers are not disturbed.
"""

from __future__ import annotations

import signal
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import lineage
from tests.service import _load_client
from tests.service._harness import (
    Load,
    PrivateMariaDB,
    PrivatePostgres,
    Serve,
    health,
    make_types,
    show,
    unexpected,
    verify,
)
from tests.service._load_client import Caller, Types
from tests.service.conftest import Client, grpc
from tests.service.conftest import mpb as pb

StatusCode = grpc.StatusCode
ARTIFACTS = 4  # per call: an execution, 4 artifacts, 4 events, the shared context
BOTH = ("PutExecution", "PutLineageSubgraph")


def _integrity(url: str) -> None:
    """The schema is intact: the store opens, MLMDEnv says 10, SQLite's own check passes."""
    with lineage.MetadataStore(url) as store:
        counts = store.counts()
        assert set(counts) >= {"executions", "artifacts", "events"}
    if url.startswith("sqlite:///"):
        with sqlite3.connect(url.removeprefix("sqlite:///")) as conn:
            assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            assert conn.execute("SELECT schema_version FROM MLMDEnv").fetchall() == [(10,)]


def _one_more_write(port: int, types: Types, marker: str) -> dict:
    caller = Caller(port)
    try:
        request = _load_client.put_execution(types, marker, ARTIFACTS)
        return caller.call("PutExecution", request, marker)
    finally:
        caller.close()


def test_sigkill_mid_write_leaves_each_call_all_or_nothing(store_url: str, tmp_path: Path) -> None:
    server = Serve(store_url, tmp_path)
    load = None
    try:
        port = server.ready()
        types = make_types(port)
        load = Load(
            port,
            types,
            threads=16,
            per_thread=500,
            processes=4,
            per_process=500,
            artifacts=ARTIFACTS,
            methods=BOTH,
            until_failure=True,
            seconds=60,
        )
        load.wait_ok(40, timeout=60)
        killed = time.time()
        server.signal(signal.SIGKILL)
        assert server.wait(20) == -signal.SIGKILL
        records = load.join(timeout=60)
    finally:
        if load is not None:
            load.close()
        server.close()
    wrong = unexpected(records, ("OK", "UNAVAILABLE"))
    assert not wrong, show(wrong)
    cut = [r for r in records if r["code"] == "UNAVAILABLE" and r["start"] < killed]
    assert cut, "no call was in flight at the kill: the load is too light to test this"
    _integrity(store_url)
    present = verify(store_url, records, artifacts=ARTIFACTS)
    assert {r["marker"] for r in records if r["code"] == "OK"} <= present
    # A new server starts on the database and serves reads and writes.
    again = Serve(store_url, tmp_path, name="again")
    try:
        port = again.ready()
        record = _one_more_write(port, types, "after-kill")
        assert record["code"] == "OK", record
        verify(store_url, [*records, record], artifacts=ARTIFACTS)
    finally:
        again.close()


@pytest.fixture(params=["postgresql", "mysql"])
def private_db(request: Any) -> Iterator[Any]:
    """A database server of this test's own (PostgreSQL or MariaDB), removed afterwards."""
    db = PrivatePostgres() if request.param == "postgresql" else PrivateMariaDB()
    try:
        yield db
    finally:
        db.close()


def test_database_restart_under_load(private_db: Any, tmp_path: Path) -> None:
    """While the database is down calls fail UNAVAILABLE/ABORTED; afterwards they succeed."""
    server = Serve(private_db.url, tmp_path, "--workers", "4", "--grace", "10")
    load = None
    try:
        port = server.ready()
        types = make_types(port)
        load = Load(
            port,
            types,
            threads=8,
            per_thread=100_000,
            artifacts=3,
            methods=BOTH,
            seconds=90,
            aborted_retries=3,
            pause_on_error=0.05,
        )
        load.wait_ok(20, timeout=30)
        stopped = time.time()
        private_db.stop()

        def since(t: float, ok: bool) -> list[dict]:
            return [
                r
                for rs in load.thread_records
                for r in list(rs)
                if r["start"] > t and (r["code"] == "OK") == ok
            ]

        deadline = time.monotonic() + 30
        while len(since(stopped, ok=False)) < 16:
            assert time.monotonic() < deadline, f"calls did not fail while down: {load.codes()}"
            time.sleep(0.05)
        restarted = time.time()
        private_db.start()
        deadline = time.monotonic() + 60

        def recovered() -> (
            bool
        ):  # every thread's last 5 calls began after the restart and succeeded
            lasts = [list(rs)[-5:] for rs in load.thread_records]
            return all(
                len(last) == 5 and all(r["start"] > restarted and r["code"] == "OK" for r in last)
                for last in lasts
            )

        while len(since(restarted, ok=True)) < 40 or not recovered():
            assert time.monotonic() < deadline, (
                f"calls did not recover: {show(since(restarted, ok=False))}"
            )
            time.sleep(0.05)
        load.stop.set()
        records = load.join(timeout=30)
        assert server.process.poll() is None, "the server restarted or died"
        assert health(port) == "SERVING"
        server.signal(signal.SIGTERM)
        assert server.wait(30) == 0, server.log()
    finally:
        if load is not None:
            load.close()
        server.close()
    wrong = unexpected(records, ("OK", "UNAVAILABLE", "ABORTED"))
    assert not wrong, show(wrong)
    down = [r for r in records if stopped < r["start"] < restarted]
    assert down, "no call was made while the database was down"
    assert not [r for r in down if r["code"] == "OK" and r["start"] > stopped + 5]
    for n, thread in enumerate(load.thread_records):
        last = thread[-5:]
        assert [r["code"] for r in last] == ["OK"] * 5, f"thread {n}: {show(last)}"
    verify(private_db.url, records, artifacts=3)


def test_malformed_and_oversized_requests_write_nothing(sqlite_url: str, tmp_path: Path) -> None:
    server = Serve(sqlite_url, tmp_path)
    try:
        port = server.ready()
        types = make_types(port)
        channel = grpc.insecure_channel(f"127.0.0.1:{port}")
        raw = channel.unary_unary(
            "/ml_metadata.MetadataStoreService/PutExecution",
            request_serializer=lambda body: body,
            response_deserializer=lambda body: body,
        )
        good = _load_client.put_execution(types, "m", 2).SerializeToString()
        try:
            for body in (b"\xff\xff\xff\xff", good[:-1]):  # garbage; a truncated request
                with pytest.raises(grpc.RpcError) as caught:
                    raw(body, timeout=10)
                assert caught.value.code() == StatusCode.INVALID_ARGUMENT
                details = caught.value.details()
                assert "PutExecution: malformed request" in details
                assert "ml_metadata.PutExecutionRequest" in details
            # A valid request (the payload is an unknown field) just over the 100 MiB limit.
            payload = 101 * 1024 * 1024
            big = good + _length_delimited(1000, payload)
            with pytest.raises(grpc.RpcError) as caught:
                raw(big, timeout=60)
            assert caught.value.code() == StatusCode.RESOURCE_EXHAUSTED
            assert "larger than max" in caught.value.details()
            del big
        finally:
            channel.close()
        assert server.process.poll() is None, server.log()
        log = server.log()
        assert (
            '"rpc": "/ml_metadata.MetadataStoreService/PutExecution", "code": "INVALID_ARGUMENT"'
            in (log)
        )
        with lineage.MetadataStore(sqlite_url) as store:
            assert not store.get_executions()
            assert not store.get_artifacts()
            assert not store.get_contexts()
        # The server is fine afterwards.
        record = _one_more_write(port, types, "after")
        assert record["code"] == "OK", record
    finally:
        server.close()


def _length_delimited(field: int, size: int) -> bytes:
    def varint(n: int) -> bytes:
        out = bytearray()
        while True:
            out.append((n & 0x7F) | (0x80 if n > 0x7F else 0))
            n >>= 7
            if not n:
                return bytes(out)

    return varint(field << 3 | 2) + varint(size) + bytes(size)


WRITER = "w-0123456789abcdef-secret"
READER = "r-0123456789abcdef-secret"


def _store_types(url: str) -> Types:
    with lineage.MetadataStore(url) as store:
        return Types(
            store.put_artifact_type(pb.ArtifactType(name="Out")),
            store.put_execution_type(pb.ExecutionType(name="Step")),
            store.put_context_type(pb.ContextType(name="Run")),
        )


def test_cli_tokens_and_read_only_refuse_compound_writes(sqlite_url: str, tmp_path: Path) -> None:
    """``--tokens-file`` and ``--read-only`` of the real command refuse PutExecution and
    PutLineageSubgraph before anything is decoded or written."""
    types = _store_types(sqlite_url)
    tokens = tmp_path / "tokens"
    tokens.write_text(f"# test\n{WRITER} write\n{READER} read\n")
    server = Serve(sqlite_url, tmp_path, "--tokens-file", str(tokens))
    try:
        client = Client(server.ready())
        try:
            request = _load_client.put_execution(types, "x", 2)
            error = client.fails("PutExecution", request)
            assert error.code() == StatusCode.UNAUTHENTICATED
            assert "Bearer" in error.details()
            error = client.fails("PutExecution", request, token="z" * 24)
            assert error.code() == StatusCode.UNAUTHENTICATED
            assert "not valid" in error.details()
            subgraph = _load_client.put_lineage_subgraph(types, "y", 2)
            error = client.fails("PutLineageSubgraph", subgraph, token=READER)
            assert error.code() == StatusCode.PERMISSION_DENIED
            assert "PutLineageSubgraph writes, and this token may only read" in error.details()
            # The token is checked before the body is decoded: no parse error leaks out.
            raw = client.channel.unary_unary(
                "/ml_metadata.MetadataStoreService/PutExecution",
                request_serializer=lambda body: body,
                response_deserializer=lambda body: body,
            )
            with pytest.raises(grpc.RpcError) as caught:
                raw(b"\xff\xff", timeout=10)
            assert caught.value.code() == StatusCode.UNAUTHENTICATED
            with lineage.MetadataStore(sqlite_url) as store:
                assert not store.get_executions()
                assert not store.get_artifacts()
            assert client.call("PutExecution", request, token=WRITER).execution_id > 0
        finally:
            client.close()
        assert WRITER not in server.log()
        assert READER not in server.log()
    finally:
        server.close()
    server = Serve(sqlite_url, tmp_path, "--read-only", name="ro")
    try:
        client = Client(server.ready())
        try:
            subgraph = _load_client.put_lineage_subgraph(types, "z", 2)
            error = client.fails("PutLineageSubgraph", subgraph)
            assert error.code() == StatusCode.PERMISSION_DENIED
            assert "PutLineageSubgraph writes, and this server is read-only" in error.details()
            reply = client.call("GetExecutions", pb.GetExecutionsRequest())
            assert [e.name for e in reply.executions] == ["x"]
        finally:
            client.close()
    finally:
        server.close()
    with lineage.MetadataStore(sqlite_url) as store:
        assert len(store.get_artifacts()) == 2


def test_semantic_bad_input_names_the_field_and_writes_nothing(served: Any) -> None:
    """PutExecution with an unknown type or a property of the wrong type writes nothing."""
    _server, client = served
    xtype = pb.ExecutionType(name="Train")
    xtype.properties["epochs"] = pb.INT
    xid = client.call("PutExecutionType", pb.PutExecutionTypeRequest(execution_type=xtype)).type_id
    aid = client.call(
        "PutArtifactType", pb.PutArtifactTypeRequest(artifact_type=pb.ArtifactType(name="Model"))
    ).type_id
    cid = client.call(
        "PutContextType", pb.PutContextTypeRequest(context_type=pb.ContextType(name="Run"))
    ).type_id

    def request(execution_type: int, artifact_type: int, epochs: Any) -> Any:
        out = pb.PutExecutionRequest(execution=pb.Execution(type_id=execution_type))
        if isinstance(epochs, int):
            out.execution.properties["epochs"].int_value = epochs
        else:
            out.execution.properties["epochs"].string_value = epochs
        pair = out.artifact_event_pairs.add()
        pair.artifact.type_id = artifact_type
        pair.artifact.uri = "/m"
        pair.event.type = pb.Event.OUTPUT
        out.contexts.add(type_id=cid, name="run-1")
        return out

    # MLMD answers NOT_FOUND for a type_id no type has (not INVALID_ARGUMENT); so do we.
    error = client.fails("PutExecution", request(xid + 1000, aid, 3))
    assert error.code() == StatusCode.NOT_FOUND
    assert "Execution[0].type_id" in error.details()
    assert str(xid + 1000) in error.details()
    error = client.fails("PutExecution", request(xid, aid + 1000, 3))
    assert error.code() == StatusCode.NOT_FOUND
    assert "Artifact[0].type_id" in error.details()
    error = client.fails("PutExecution", request(xid, aid, "ten"))
    assert error.code() == StatusCode.INVALID_ARGUMENT
    assert "properties['epochs']" in error.details()
    assert "declared INT, got STRING" in error.details()
    for method, response in (
        ("GetExecutions", "executions"),
        ("GetArtifacts", "artifacts"),
        ("GetContexts", "contexts"),
    ):
        reply = client.call(method, getattr(pb, method + "Request")())
        assert not getattr(reply, response), f"{method}: a failed call wrote"
    assert client.call("PutExecution", request(xid, aid, 3)).execution_id > 0
