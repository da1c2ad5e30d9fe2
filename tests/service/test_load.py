"""``lineage serve`` under load, on every backend: real server and client processes, loopback only.

32 client threads and 8 client processes write marked PutExecution calls (an output artifact, its
event, one context shared by all, ``reuse_context_if_already_exist``) through the raw
MetadataStoreService bytes ml-metadata's client sends. Clients retry ABORTED only, as KFP's and
ml-metadata's do; every other status is what a user would see. The database is then read with
``lineage.MetadataStore`` directly. Counts are small so each test runs in seconds.
"""

from __future__ import annotations

import signal
import time
from pathlib import Path

import sqlalchemy as sa

from tests.conftest import server_database
from tests.service._harness import Load, Serve, make_types, show, unexpected, verify
from tests.service.conftest import Client, grpc
from tests.service.conftest import mpb as pb

THREADS, PER_THREAD = 32, 5
PROCESSES, PER_PROCESS = 8, 10


def test_concurrent_clients_lose_nothing(store_url: str, tmp_path: Path) -> None:
    server = Serve(store_url, tmp_path)
    load = None
    try:
        port = server.ready()
        types = make_types(port)
        started = time.monotonic()
        load = Load(
            port,
            types,
            threads=THREADS,
            per_thread=PER_THREAD,
            processes=PROCESSES,
            per_process=PER_PROCESS,
            seconds=60,
        )
        records = load.join(timeout=90)
        elapsed = time.monotonic() - started
        assert len(records) == THREADS * PER_THREAD + PROCESSES * PER_PROCESS
        assert not unexpected(records), show(unexpected(records))
        present = verify(store_url, records, artifacts=1)
        assert present == {r["marker"] for r in records}
        assert elapsed < 60, f"{len(records)} calls took {elapsed:.1f} s"
        assert server.process.poll() is None, server.log()
    finally:
        if load is not None:
            load.close()
        server.close()


def test_sigterm_under_load_drains_then_refuses(store_url: str, tmp_path: Path) -> None:
    """In-flight calls finish OK; later ones get UNAVAILABLE; exit 0; every OK is stored."""
    server = Serve(store_url, tmp_path, "--grace", "20")
    load = None
    try:
        port = server.ready()
        types = make_types(port)
        load = Load(
            port,
            types,
            threads=THREADS,
            per_thread=200,
            processes=PROCESSES,
            per_process=200,
            until_failure=True,
            seconds=60,
        )
        load.wait_ok(60, timeout=60)
        signalled = time.time()
        server.signal(signal.SIGTERM)
        code = server.wait(40)
        exited = time.time()
        records = load.join(timeout=60)
        log = server.log()
        assert code == 0, log
        assert "draining" in log
        assert "stopped" in log
        wrong = unexpected(records, ("OK", "UNAVAILABLE"))
        assert not wrong, show(wrong)
        # Calls that were in flight when the signal came were served to the end.
        drained = [r for r in records if r["code"] == "OK" and r["start"] < signalled < r["end"]]
        assert drained, "no call was in flight at SIGTERM: the load is too light to test draining"
        # Every client ended on UNAVAILABLE, once the server stopped taking calls.
        refused = [r for r in records if r["code"] == "UNAVAILABLE"]
        assert len(refused) == THREADS + PROCESSES, (len(refused), load.codes())
        assert all(r["end"] > signalled for r in refused)
        assert not [r for r in records if r["code"] == "OK" and r["start"] > exited]
        # A call made now is refused too.
        client = Client(server.port)
        try:
            error = client.fails("GetArtifactTypes", pb.GetArtifactTypesRequest())
            assert error.code() == grpc.StatusCode.UNAVAILABLE
        finally:
            client.close()
        # Every call a client saw succeed is stored; no refused call wrote anything.
        present = verify(store_url, records, artifacts=1)
        assert present == {r["marker"] for r in records if r["code"] == "OK"}
    finally:
        if load is not None:
            load.close()
        server.close()


def _empty(backend: str, tmp_path: Path) -> str:
    """A URL of an empty database (no tables at all) of ``backend``."""
    if backend == "sqlite-file":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    db = server_database(backend)
    db.drop_tables()
    return db.url


def test_servers_starting_together_create_the_schema_once(backend: str, tmp_path: Path) -> None:
    url = _empty(backend, tmp_path)
    servers = [Serve(url, tmp_path, name=f"s{n}") for n in range(3)]
    try:
        ports = [s.ready(60) for s in servers]
        engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
        try:
            pg = backend == "postgresql"
            env, type_table = ("mlmdenv", "type") if pg else ("MLMDEnv", "Type")
            with engine.connect() as conn:
                versions = conn.exec_driver_sql(f"SELECT schema_version FROM {env}").fetchall()
                simple = conn.execute(
                    sa.text(
                        f"SELECT name, COUNT(*) FROM {type_table} WHERE name LIKE :p GROUP BY name"
                    ),
                    {"p": "mlmd.%"},
                ).fetchall()
        finally:
            engine.dispose()
        assert [tuple(v) for v in versions] == [(10,)]
        assert len(simple) == 9, simple
        assert all(n == 1 for _name, n in simple), simple
        for n, port in enumerate(ports):
            client = Client(port)
            try:
                request = pb.PutArtifactTypeRequest(artifact_type=pb.ArtifactType(name=f"T{n}"))
                assert client.call("PutArtifactType", request).type_id > 0
            finally:
                client.close()
        client = Client(ports[0])
        try:
            names = client.call("GetArtifactTypes", pb.GetArtifactTypesRequest()).artifact_types
            assert sorted(t.name for t in names) == ["T0", "T1", "T2"]
        finally:
            client.close()
    finally:
        for s in servers:
            s.close()
