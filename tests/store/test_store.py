"""MetadataStore behaviour beyond what ml-metadata's own suite checks, on every backend."""

from __future__ import annotations

import math
import threading
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import lineage
from lineage import errors
from lineage.proto import metadata_store_pb2 as pb
from lineage.store import schema_version
from tests.conftest import FILE_BACKENDS, fresh_url, server_database
from tests.store.helpers import EVERY_KIND, record_pipeline, snapshot

#: Every backend test here runs through a lineage serve server too (tests/conftest.py).
pytestmark = pytest.mark.remote_too


def test_round_trip_of_every_property_kind(store: Any) -> None:
    type_id = store.put_artifact_type(
        pb.ArtifactType(
            name="Everything",
            properties=dict(EVERY_KIND),
        )
    )
    a = pb.Artifact(type_id=type_id, uri="/x", state=pb.Artifact.REFERENCE, external_id="ext-1")
    a.properties["i"].int_value = -(2**62)
    a.properties["d"].double_value = 1.23456789012345
    a.properties["s"].string_value = "naïve ünïcode ✓"
    a.properties["st"].struct_value.update({"lr": 0.1, "layers": [1, 2, {"k": "v"}], "on": True})
    a.properties["p"].proto_value.Pack(pb.Artifact(uri="packed"))
    a.properties["b"].bool_value = True
    a.custom_properties["tiny"].double_value = 1e-9
    a.custom_properties["big"].int_value = 2**63 - 1
    [a_id] = store.put_artifacts([a])
    [got] = store.get_artifacts_by_id([a_id])
    assert got.properties == a.properties
    assert got.custom_properties == a.custom_properties
    assert got.uri == "/x"
    assert got.state == pb.Artifact.REFERENCE
    assert got.external_id == "ext-1"
    assert got.type == "Everything"
    unpacked = pb.Artifact()
    assert got.properties["p"].proto_value.Unpack(unpacked)
    assert unpacked.uri == "packed"


def test_doubles_are_stored_exactly_unlike_mlmd(store: Any) -> None:
    """ml-metadata writes doubles with 6 decimals (1.23456789 -> 1.234568, 1e-9 -> 0)."""
    type_id = store.put_execution_type(pb.ExecutionType(name="T", properties={"lr": pb.DOUBLE}))
    e = pb.Execution(type_id=type_id)
    e.properties["lr"].double_value = 1.23456789
    e.custom_properties["eps"].double_value = 1e-9
    [e_id] = store.put_executions([e])
    [got] = store.get_executions_by_id([e_id])
    assert got.properties["lr"].double_value == 1.23456789
    assert got.custom_properties["eps"].double_value == 1e-9


def test_string_that_looks_like_a_struct_reads_back_as_a_string(store: Any) -> None:
    """ml-metadata reads any string starting with 'mlmd-struct::' as a struct and fails."""
    type_id = store.put_artifact_type(pb.ArtifactType(name="T"))
    a = pb.Artifact(type_id=type_id)
    a.custom_properties["note"].string_value = "mlmd-struct::not base64!"
    [a_id] = store.put_artifacts([a])
    assert (
        store.get_artifacts_by_id([a_id])[0].custom_properties["note"].string_value
        == "mlmd-struct::not base64!"
    )


@pytest.mark.local_only  # reads the database's internals
def test_ids_and_int_values_are_64_bit_on_every_backend(store: Any) -> None:
    """ml-metadata declares ids and int_value as 32-bit INT on MySQL and PostgreSQL."""
    type_id = store.put_artifact_type(pb.ArtifactType(name="Big", properties={"n": pb.INT}))
    start = 2**40
    backend = store._backend
    with backend.transaction(write=True) as tx:
        if tx.dialect == "sqlite":
            tx.cur.execute(
                "INSERT OR REPLACE INTO sqlite_sequence(name, seq) VALUES ('Artifact', :s)",
                {"s": start},
            )
        elif tx.dialect == "mysql":
            tx.cur.execute(f"ALTER TABLE `Artifact` AUTO_INCREMENT = {start + 1}")
        else:
            tx.cur.execute(f"ALTER SEQUENCE artifact_id_seq RESTART WITH {start + 1}")
    a = pb.Artifact(type_id=type_id)
    a.properties["n"].int_value = 2**53 + 1
    [a_id] = store.put_artifacts([a])
    assert a_id > 2**40
    [got] = store.get_artifacts_by_id([a_id])
    assert got.id == a_id
    assert got.properties["n"].int_value == 2**53 + 1


def test_event_path_steps_keep_their_order(store: Any) -> None:
    p = record_pipeline(store)
    event = pb.Event(artifact_id=p.metrics, execution_id=p.train, type=pb.Event.INTERNAL_OUTPUT)
    for i in range(12):
        step = event.path.steps.add()
        if i % 3:
            step.key = f"k{i}"
        else:
            step.index = 11 - i
    store.put_events([event])
    [got] = [
        e
        for e in store.get_events_by_artifact_ids([p.metrics])
        if e.type == pb.Event.INTERNAL_OUTPUT
    ]
    assert got.path == event.path


def test_update_without_mask_replaces_properties_but_keeps_the_name(store: Any) -> None:
    p = record_pipeline(store)
    update = pb.Artifact(id=p.data, type_id=p.dataset_type, uri="/data/v2.csv", name="renamed")
    update.properties["span"].int_value = 2
    store.put_artifacts([update])
    [got] = store.get_artifacts_by_id([p.data])
    assert got.uri == "/data/v2.csv"
    assert dict(got.properties) == {"span": update.properties["span"]}  # 'split' is gone
    assert got.name == "train"  # MLMD never renames artifacts
    assert not got.HasField("state")  # unset in the update, so cleared


def test_masked_update_touches_only_the_listed_fields(store: Any) -> None:
    p = record_pipeline(store)
    before = store.get_artifacts_by_id([p.data])[0]
    update = pb.Artifact(id=p.data, uri="/ignored", state=pb.Artifact.DELETED)
    update.properties["span"].int_value = 7
    store.put_artifacts([update], field_mask_paths=["state", "properties.span", "properties.split"])
    [got] = store.get_artifacts_by_id([p.data])
    assert got.uri == before.uri
    assert got.state == pb.Artifact.DELETED
    assert got.properties["span"].int_value == 7
    assert "split" not in got.properties  # masked and absent from the request: removed
    assert got.last_update_time_since_epoch >= before.last_update_time_since_epoch


def test_identical_update_is_a_no_op(store: Any) -> None:
    p = record_pipeline(store)
    [stored] = store.get_artifacts_by_id([p.data])
    before = snapshot(store)
    same = pb.Artifact()
    same.CopyFrom(stored)
    store.put_artifacts([same])
    assert snapshot(store) == before


def test_put_types_is_one_transaction(store: Any) -> None:
    ids = store.put_types(
        artifact_types=[pb.ArtifactType(name="A1"), pb.ArtifactType(name="A2")],
        execution_types=[pb.ExecutionType(name="E1")],
        context_types=[pb.ContextType(name="C1")],
    )
    assert [len(x) for x in ids] == [2, 1, 1]
    assert store.get_artifact_type("A2").id == ids[0][1]
    before = snapshot(store)
    with pytest.raises(errors.InvalidArgumentError):
        store.put_types(
            artifact_types=[pb.ArtifactType(name="A3")], context_types=[pb.ContextType()]
        )
    assert snapshot(store) == before


def test_batch_parent_and_child_context_getters(store: Any) -> None:
    ctype = store.put_context_type(pb.ContextType(name="C"))
    a, b, c = store.put_contexts([pb.Context(type_id=ctype, name=n) for n in "abc"])
    store.put_parent_contexts(
        [
            pb.ParentContext(child_id=b, parent_id=a),
            pb.ParentContext(child_id=c, parent_id=a),
            pb.ParentContext(child_id=c, parent_id=b),
        ]
    )
    parents = store.get_parent_contexts_by_contexts([a, b, c])
    assert {k: [x.name for x in v] for k, v in parents.items()} == {a: [], b: ["a"], c: ["a", "b"]}
    children = store.get_children_contexts_by_contexts([a, c])
    assert {k: [x.name for x in v] for k, v in children.items()} == {a: ["b", "c"], c: []}


def test_lineage_subgraph_is_not_cut_at_100_hops(store: Any) -> None:
    """ml-metadata clamps max_num_hops to 100 and silently returns a partial chain."""
    atype = store.put_artifact_type(pb.ArtifactType(name="D"))
    etype = store.put_execution_type(pb.ExecutionType(name="Step"))
    n = 80
    artifacts = [pb.Artifact(type_id=atype, uri=f"/d/{i}") for i in range(n + 1)]
    executions = [pb.Execution(type_id=etype) for _ in range(n)]
    edges = []
    for i in range(n):
        edges.append((i, i, pb.Event(type=pb.Event.INPUT)))
        edges.append((i, i + 1, pb.Event(type=pb.Event.OUTPUT)))
    store.put_lineage_subgraph(executions, artifacts, [], edges)
    options = pb.LineageSubgraphQueryOptions(direction=pb.LineageSubgraphQueryOptions.DOWNSTREAM)
    options.starting_artifacts.filter_query = "uri = '/d/0'"
    graph = store.get_lineage_subgraph(options, ["artifacts", "executions", "events"])
    assert len(graph.artifacts) == n + 1
    assert len(graph.executions) == n
    assert len(graph.events) == 2 * n
    options.max_num_hops = 150
    graph = store.get_lineage_subgraph(options, ["artifacts"])
    assert len(graph.artifacts) == 76  # hops 0, 2, ..., 150
    for hops, artifacts, events in ((159, 80, 159), (160, 81, 160), (161, 81, 160)):
        options.max_num_hops = hops
        graph = store.get_lineage_subgraph(options, ["artifacts", "events"])
        assert (len(graph.artifacts), len(graph.events)) == (artifacts, events), hops


def test_unset_config_is_a_runtime_error_naming_the_problem() -> None:
    with pytest.raises(RuntimeError, match="Unset") as raised:
        lineage.MetadataStore(pb.ConnectionConfig())
    assert isinstance(raised.value, errors.ConfigurationError)


@pytest.mark.parametrize(
    ("config", "error", "fragment"),
    [
        (
            "oracle://scott@db/x",
            errors.ConfigurationError,
            "Unsupported database URL scheme 'oracle'",
        ),
        ("mysql://root@127.0.0.1:1/x", errors.ConnectionFailedError, "cannot connect"),
        (
            pb.MetadataStoreClientConfig(host="127.0.0.1", port=1),
            errors.ConnectionFailedError,
            "cannot reach the metadata server grpc://127.0.0.1:1",
        ),
        ("grpc://127.0.0.1", errors.ConfigurationError, "expected grpc://HOST:PORT"),
        ("grpc://127.0.0.1:1?tls=1", errors.ConfigurationError, "unknown parameter 'tls'"),
        (42, errors.ConfigurationError, "got int"),
    ],
    ids=["scheme", "unreachable", "grpc", "grpc-no-port", "grpc-parameter", "type"],
)
def test_bad_configs(config: Any, error: type[Exception], fragment: str) -> None:
    with pytest.raises(error, match=fragment):
        lineage.MetadataStore(config)


def test_a_file_that_is_not_a_database_is_a_connection_error(tmp_path: Path) -> None:
    path = tmp_path / "garbage.db"
    path.write_text("garbage\n")
    with pytest.raises(errors.ConnectionFailedError, match="file is not a database"):
        lineage.MetadataStore(str(path))


def test_counts(store: Any) -> None:
    record_pipeline(store)
    assert store.counts() == {
        "types": 7,
        "artifacts": 3,
        "executions": 2,
        "contexts": 2,
        "events": 4,
    }


@pytest.mark.parametrize("backend", FILE_BACKENDS)
def test_schema_version_reads_without_creating(backend: str, store_url: str) -> None:
    if backend != "sqlite-file":
        server_database(backend).drop_tables()
    assert schema_version(store_url) is None
    lineage.MetadataStore(store_url).close()
    assert schema_version(store_url) == 10


def test_schema_version_of_an_empty_database(tmp_path: Path) -> None:
    assert schema_version(str(tmp_path / "empty.db")) is None


def test_sqlite_file_runs_in_wal_mode_with_a_busy_timeout(tmp_path: Path) -> None:
    path = tmp_path / "wal.db"
    with lineage.MetadataStore(str(path)) as store:
        record_pipeline(store)
    import sqlite3

    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    conn.close()
    with (
        lineage.MetadataStore(f"sqlite:///{path}") as store,
        store._backend.transaction(write=False) as tx,
    ):
        assert tx.cur.execute("PRAGMA busy_timeout").fetchone()[0] >= 10_000


def test_connection_config_and_url_open_the_same_file(tmp_path: Path) -> None:
    path = tmp_path / "same.db"
    config = pb.ConnectionConfig()
    config.sqlite.filename_uri = str(path)
    with lineage.MetadataStore(config) as store:
        ids = record_pipeline(store)
    with lineage.MetadataStore(f"sqlite:///{path}") as store:
        assert store.get_artifacts_by_id([ids.model])[0].name == "m1"


def test_read_only_sqlite_refuses_writes_and_writes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "ro.db"
    with lineage.MetadataStore(str(path)) as store:
        p = record_pipeline(store)
    config = pb.ConnectionConfig()
    config.sqlite.filename_uri = str(path)
    config.sqlite.connection_mode = pb.SqliteMetadataSourceConfig.READONLY
    with lineage.MetadataStore(config) as store:
        assert store.get_artifacts_by_id([p.data])[0].uri == "/data/train.csv"
        with pytest.raises(errors.InvalidArgumentError, match="read-only"):
            store.put_artifact_type(pb.ArtifactType(name="New"))


def test_closed_store_refuses_calls(tmp_path: Path) -> None:
    store = lineage.MetadataStore(str(tmp_path / "c.db"))
    store.close()
    with pytest.raises(errors.UnavailableError, match="closed"):
        store.get_artifact_types()


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    lineage.MetadataStore(str(path)).close()
    engine = sa.create_engine(f"sqlite:///{path}")
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE MLMDEnv SET schema_version = 11")
    engine.dispose()
    with pytest.raises(errors.SchemaVersionError, match="greater than library version 10"):
        lineage.MetadataStore(str(path))


def test_threads_share_a_store_without_losing_writes(store: Any) -> None:
    etype = store.put_execution_type(pb.ExecutionType(name="Job"))
    ctype = store.put_context_type(pb.ContextType(name="Pipeline"))
    failures: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            for i in range(10):
                store.put_execution(
                    pb.Execution(type_id=etype, name=f"w{worker}-{i}"),
                    [],
                    [pb.Context(type_id=ctype, name="shared")],
                    reuse_context_if_already_exist=True,
                )
        except BaseException as exc:  # collected and asserted below
            failures.append(exc)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert failures == []
    assert len(store.get_executions()) == 40
    [context] = store.get_contexts()
    assert len(store.get_executions_by_context(context.id)) == 40


@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan], ids=["inf", "-inf", "nan"])
def test_non_finite_doubles_are_stored_or_refused_by_what_the_backend_can_hold(
    store: Any, value: float
) -> None:
    type_id = store.put_artifact_type(pb.ArtifactType(name="F"))
    a = pb.Artifact(type_id=type_id)
    a.custom_properties["x"].double_value = value
    storable = store.dialect == "postgresql" or (
        store.dialect == "sqlite" and not math.isnan(value)
    )
    if not storable:
        before = snapshot(store)
        with pytest.raises(errors.InvalidArgumentError, match=r"custom_properties\['x'\]"):
            store.put_artifacts([a])
        assert snapshot(store) == before
        return
    [a_id] = store.put_artifacts([a])
    got = store.get_artifacts_by_id([a_id])[0].custom_properties["x"].double_value
    assert got == value or (math.isnan(got) and math.isnan(value))


def test_lineage_subgraph_uses_every_starting_node(store: Any) -> None:
    """ml-metadata silently uses only the first 101 starting nodes."""
    atype = store.put_artifact_type(pb.ArtifactType(name="Shard"))
    etype = store.put_execution_type(pb.ExecutionType(name="Merge"))
    shards = [pb.Artifact(type_id=atype, uri=f"/shard/{i}") for i in range(150)]
    edges = [(0, i, pb.Event(type=pb.Event.INPUT)) for i in range(150)]
    store.put_lineage_subgraph([pb.Execution(type_id=etype)], shards, [], edges)
    options = pb.LineageSubgraphQueryOptions(max_num_hops=0)
    options.starting_artifacts.filter_query = "uri LIKE '/shard/%'"
    assert len(store.get_lineage_subgraph(options, ["artifacts"]).artifacts) == 150


@pytest.mark.local_only  # reads the database's internals
def test_listing_spans_mlmd_page_size_in_one_query(store: Any, monkeypatch: Any) -> None:
    """ml-metadata pages 100 rows at a time; lineage returns the same rows from one statement."""
    from lineage.store._backend import Tx

    type_id = store.put_artifact_type(pb.ArtifactType(name="Row"))
    ids = store.put_artifacts([pb.Artifact(type_id=type_id, uri=f"/r/{i:03d}") for i in range(250)])
    statements: list[str] = []
    run = Tx.run

    def counting_run(self: Tx, sql: Any, params: Any = None) -> Any:
        statements.append(sql.text)
        return run(self, sql, params)

    monkeypatch.setattr(Tx, "run", counting_run)
    got = store.get_artifacts(
        list_options=lineage.ListOptions(
            limit=230, order_by=lineage.OrderByField.CREATE_TIME, is_asc=False
        )
    )
    assert [a.id for a in got] == list(reversed(ids))[:230]
    assert len(statements) == 2  # the nodes, then their properties


def test_pair_without_artifact_is_not_attributed(store: Any) -> None:
    """ml-metadata stores Attribution(context, -1) here and then fails to list the context."""
    p = record_pipeline(store)
    execution_id, artifact_ids, [context_id] = store.put_execution(
        pb.Execution(type_id=p.trainer_type), [(None,)], [pb.Context(type_id=p.run_type, name="r9")]
    )
    assert artifact_ids == [-1]
    assert store.get_artifacts_by_context(context_id) == []
    assert [e.id for e in store.get_executions_by_context(context_id)] == [execution_id]


def _race(store: Any, fn: Any, threads: int = 4, rounds: int = 5) -> list[BaseException]:
    failures: list[BaseException] = []
    for r in range(rounds):
        barrier = threading.Barrier(threads)

        def run(r: int = r, barrier: threading.Barrier = barrier) -> None:
            try:
                barrier.wait()
                fn(r)
            except BaseException as exc:  # collected and asserted by the caller
                failures.append(exc)

        workers = [threading.Thread(target=run) for _ in range(threads)]
        for w in workers:
            w.start()
        for w in workers:
            w.join()
    return failures


def test_concurrent_creation_of_one_type_makes_one_type(store: Any) -> None:
    """The Type table has no unique key on names; writers must not create duplicates."""
    failures = _race(store, lambda r: store.put_context_type(pb.ContextType(name=f"Same{r}")))
    assert failures == []
    names = [t.name for t in store.get_context_types()]
    assert sorted(names) == [f"Same{r}" for r in range(5)]


def test_concurrent_reuse_by_external_id_makes_one_artifact(store: Any) -> None:
    a_type = store.put_artifact_type(pb.ArtifactType(name="D"))
    x_type = store.put_execution_type(pb.ExecutionType(name="E"))

    def put(r: int) -> None:
        store.put_execution(
            pb.Execution(type_id=x_type),
            [
                (
                    pb.Artifact(type_id=a_type, external_id=f"content-{r}"),
                    pb.Event(type=pb.Event.INPUT),
                )
            ],
            [],
            reuse_artifact_if_already_exist_by_external_id=True,
        )

    assert _race(store, put) == []
    assert sorted(a.external_id for a in store.get_artifacts()) == [
        f"content-{r}" for r in range(5)
    ]
    assert len(store.get_executions()) == 20


@pytest.mark.local_only  # reads the database's internals
def test_threads_that_end_release_their_connections(store_url: str) -> None:
    import gc

    store = lineage.MetadataStore(store_url)
    try:
        for _ in range(40):
            worker = threading.Thread(target=store.get_artifact_types)
            worker.start()
            worker.join()
        gc.collect()
        assert len(store._backend._held) <= 2  # this thread's, and possibly the shared one
    finally:
        store.close()


@pytest.mark.parametrize("backend", FILE_BACKENDS)
def test_type_changes_by_another_store_are_seen_at_once(backend: str, store_url: str) -> None:
    """Validation never uses stale type information (SQLite caches it per connection)."""
    first, second = lineage.MetadataStore(store_url), lineage.MetadataStore(store_url)
    try:
        type_id = first.put_artifact_type(pb.ArtifactType(name="T", properties={"a": pb.INT}))
        first.put_artifacts([pb.Artifact(type_id=type_id, properties={"a": pb.Value(int_value=1)})])
        second.put_artifact_type(
            pb.ArtifactType(name="T", properties={"a": pb.INT, "b": pb.STRING}), can_add_fields=True
        )
        [new] = first.put_artifacts(
            [pb.Artifact(type_id=type_id, properties={"b": pb.Value(string_value="x")})]
        )
        assert first.get_artifacts_by_id([new])[0].properties["b"].string_value == "x"
        other = first.put_artifact_type(pb.ArtifactType(name="Gone"))
        first.put_artifacts([pb.Artifact(type_id=other)])
        second.delete_artifact_types([other], cascade=True)
        with pytest.raises(errors.NotFoundError, match=f"Cannot find type for type_id {other}"):
            first.put_artifacts([pb.Artifact(type_id=other)])
    finally:
        first.close()
        second.close()


def test_postgresql_errors_that_are_not_lost_connections(tmp_path: Path) -> None:
    """A cancelled statement is DeadlineExceeded, and the connection stays in use."""
    store = lineage.MetadataStore(fresh_url("postgresql", tmp_path))
    try:
        backend = store._backend

        def slow_statement() -> None:
            with backend.transaction(write=False) as tx:
                tx.cur.execute("SET LOCAL statement_timeout = 20")
                tx.cur.execute("SELECT pg_sleep(5)")

        with pytest.raises(errors.DeadlineExceededError, match="cancel"):
            slow_statement()
        held = backend._local.held
        assert held is not None  # not discarded as if the server had gone
        assert store.get_artifact_types() == []
        assert backend._local.held is held
    finally:
        store.close()


def test_big_batches_leave_the_garbage_collector_as_they_found_it(tmp_path: Any) -> None:
    import gc

    store = lineage.MetadataStore(str(tmp_path / "gc.db"))
    type_id = store.put_artifact_type(pb.ArtifactType(name="Data", properties={"n": pb.INT}))

    def batch(tag: str) -> list[Any]:
        out = []
        for i in range(300):  # above the size from which the batch pauses the collector
            a = pb.Artifact(type_id=type_id, uri=f"/{tag}/{i}")
            a.properties["n"].int_value = i
            out.append(a)
        return out

    assert gc.isenabled()
    assert len(store.put_artifacts(batch("a"))) == 300
    assert gc.isenabled()
    gc.disable()
    try:
        assert len(store.put_artifacts(batch("b"))) == 300
        assert not gc.isenabled()  # the caller's choice stands
    finally:
        gc.enable()
    bad = batch("c")
    bad[-1].properties["unknown"].int_value = 1
    with pytest.raises(lineage.errors.InvalidArgumentError):
        store.put_artifacts(bad)
    assert gc.isenabled()  # also after a refused batch
    assert len(store.get_artifacts()) == 600
