"""Schema migrations: every step on every dialect, chains, round trips, refusals and errors.

Older databases are built from the frozen DDL in ``lineage/store/migrations/sql`` (the shapes
ml-metadata 1.17.1 produces with ``downgrade_schema``). Each test gets its own database: a SQLite
file, or a uniquely named database on MariaDB / PostgreSQL (``LINEAGE_TEST_MYSQL_URL`` /
``LINEAGE_TEST_POSTGRESQL_URL``), dropped afterwards. An unreachable server fails the test when
``CI=true`` and skips it with the reason otherwise.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import lineage
from lineage.errors import InvalidArgumentError, SchemaVersionError
from lineage.proto import metadata_store_pb2 as pb
from lineage.store import migrations
from lineage.store._backend import Backend, Tx
from lineage.store._config import target_from
from lineage.store.migrations import STEPS, set_version
from lineage.store.migrations._catalog import Shape, normalized, read_shape
from lineage.store.migrations._ops import frozen_ddl
from lineage.store.migrations._seed import verify_base

SERVER_URLS = {
    "mysql": os.environ.get("LINEAGE_TEST_MYSQL_URL", "mysql+mysqldb://root@127.0.0.1:3306/test"),
    "postgresql": os.environ.get(
        "LINEAGE_TEST_POSTGRESQL_URL", "postgresql+psycopg://root@127.0.0.1:5432/test"
    ),
}
DIALECTS = [
    pytest.param("sqlite", id="sqlite"),
    pytest.param("mysql", id="mysql", marks=pytest.mark.mysql),
    pytest.param("postgresql", id="postgresql", marks=pytest.mark.postgresql),
]
CURRENT = 10


class Database:
    """One empty database for one test."""

    def __init__(self, dialect: str, url: str, drop: Callable[[], None] | None = None) -> None:
        self.dialect = dialect
        self.url = url
        self._drop = drop
        self._backend: Backend | None = None

    def run(self, fn: Callable[[Tx], Any]) -> Any:
        """Run ``fn`` in one write transaction (on one backend kept for the test)."""
        if self._backend is None:
            self._backend = Backend(target_from(self.url))
        with self._backend.transaction(write=True) as tx:
            return fn(tx)

    def backend(self) -> Backend:
        return Backend(target_from(self.url))

    def build(self, version: int) -> None:
        """Create the frozen ml-metadata schema of ``version`` with its MLMDEnv row."""

        def create(tx: Tx) -> None:
            for statement in frozen_ddl(self.dialect, version):
                tx.cur.execute(statement)
            if version >= 1:
                set_version(tx, version)

        self.run(create)

    def shape(self) -> Shape:
        return dict(self.run(lambda tx: read_shape(tx.cur, self.dialect)))

    def version(self) -> int | None:
        from lineage.store._open import current_version

        return self.run(current_version)  # type: ignore[no-any-return]

    def close(self) -> None:
        if self._backend is not None:
            self._backend.close()
        if self._drop is not None:
            self._drop()


def _server_database(dialect: str) -> Database:
    url = sa.make_url(SERVER_URLS[dialect])
    admin_url = (
        url.set(database="postgres") if dialect == "postgresql" else url._replace(database=None)
    )
    name = f"lineage_mig_{uuid.uuid4().hex[:12]}"
    quote = '"' if dialect == "postgresql" else "`"
    try:
        admin = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.exec_driver_sql(f"CREATE DATABASE {quote}{name}{quote}")
    except Exception as exc:  # any driver error: the server is not usable
        message = f"{dialect} server unreachable ({SERVER_URLS[dialect]}): {exc}"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(message)
        pytest.skip(message)

    def drop() -> None:
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {quote}{name}{quote}")
        admin.dispose()

    return Database(dialect, url.set(database=name).render_as_string(hide_password=False), drop)


@pytest.fixture(params=DIALECTS)
def db(request: Any, tmp_path: Path) -> Iterator[Database]:
    dialect = str(request.param)
    if dialect == "sqlite":
        database = Database("sqlite", f"sqlite:///{tmp_path / 'mig.db'}")
    else:
        database = _server_database(dialect)
    try:
        yield database
    finally:
        database.close()


_shapes: dict[tuple[str, int], Shape] = {}


def _frozen_shape(db: Database, version: int) -> Shape:
    """The shape the frozen DDL of ``version`` gives on a scratch database of the same kind."""
    key = (db.dialect, version)
    if key not in _shapes:
        _shapes[key] = _build_frozen_shape(db, version)
    return _shapes[key]


def _build_frozen_shape(db: Database, version: int) -> Shape:
    if db.dialect == "sqlite":
        other = Database("sqlite", "sqlite://")
        backend = other.backend()
        try:
            with backend.transaction(write=True) as tx:
                for statement in frozen_ddl("sqlite", version):
                    tx.cur.execute(statement)
                return read_shape(tx.cur, "sqlite")
        finally:
            backend.close()
    other = _server_database(db.dialect)
    try:
        other.build(version)
        return other.shape()
    finally:
        other.close()


def _fresh_shape(db: Database) -> Shape:
    """The shape of a database lineage creates now, on the same kind of database."""
    key = (db.dialect, -1)
    if key not in _shapes:
        _shapes[key] = _build_fresh_shape(db)
    return _shapes[key]


def _build_fresh_shape(db: Database) -> Shape:
    if db.dialect == "sqlite":
        store = lineage.MetadataStore("sqlite://")
        backend = store._backend
        with backend.transaction(write=False) as tx:
            shape = read_shape(tx.cur, "sqlite")
        store.close()
        return shape
    other = _server_database(db.dialect)
    try:
        lineage.MetadataStore(other.url).close()
        return other.shape()
    finally:
        other.close()


def _same_schema(db: Database, got: Shape, want: Shape, *, int_width: bool) -> None:
    """Assert equal shapes; PostgreSQL cannot insert columns in the middle, so order is free."""
    kwargs = {"int_width": int_width, "column_order": db.dialect != "postgresql"}
    a, b = normalized(got, **kwargs), normalized(want, **kwargs)
    diff = {t: (a.get(t), b.get(t)) for t in sorted(set(a) | set(b)) if a.get(t) != b.get(t)}
    assert not diff, diff


# --------------------------------------------------------------------------- each step
@pytest.mark.parametrize("version", range(1, CURRENT + 1))
def test_each_step_upgrades_and_keeps_data(db: Database, version: int) -> None:
    db.build(version - 1)
    db.run(STEPS[version].setup_previous)
    backend = db.backend()
    try:
        migrations.upgrade(backend, version - 1, version)
    finally:
        backend.close()
    assert db.version() == version
    db.run(STEPS[version].verify)
    # Then the normal way: open with upgrade enabled; the rows still check out at v10.
    lineage.MetadataStore(db.url, enable_upgrade_migration=True).close()
    assert db.version() == CURRENT
    db.run(STEPS[version].verify)


def test_upgraded_schema_equals_mlmd_v10(db: Database) -> None:
    """From the oldest version ml-metadata can produce on this dialect, through every step."""
    oldest = 1 if db.dialect == "postgresql" else 0
    db.build(oldest)
    lineage.MetadataStore(db.url, enable_upgrade_migration=True).close()
    assert db.version() == CURRENT
    _same_schema(db, db.shape(), _frozen_shape(db, CURRENT), int_width=False)
    _same_schema(db, db.shape(), _fresh_shape(db), int_width=True)


def test_full_chain_from_v0_keeps_data(db: Database) -> None:
    db.build(0)
    db.run(STEPS[1].setup_previous)
    assert db.version() == 0
    store = lineage.MetadataStore(db.url, enable_upgrade_migration=True)
    try:
        [artifact] = store.get_artifacts_by_id([201])
        assert artifact.uri == "/data/seed"
        assert artifact.properties["rows"].int_value == 42
        assert artifact.custom_properties["note"].string_value == "kept"
        [event] = store.get_events_by_artifact_ids([201])
        assert event.type == pb.Event.OUTPUT
        assert [s.key or s.index for s in event.path.steps] == ["out", 3]
    finally:
        store.close()
    db.run(verify_base)


# --------------------------------------------------------------------------- round trips
def _populate(store: Any) -> dict[str, int]:
    at = pb.ArtifactType(name="Data", version="1", description="d", external_id="x-at")
    at.properties["rows"] = pb.INT
    at_id = store.put_artifact_type(at)
    et_id = store.put_execution_type(pb.ExecutionType(name="Train"))
    ct_id = store.put_context_type(pb.ContextType(name="Run"))
    a = pb.Artifact(type_id=at_id, uri="/d", name="a", external_id="x-a", state=pb.Artifact.LIVE)
    a.properties["rows"].int_value = 7
    a.custom_properties["flag"].bool_value = True
    a.custom_properties["tag"].string_value = "t"
    [a_id] = store.put_artifacts([a])
    [e_id] = store.put_executions([pb.Execution(type_id=et_id, name="e")])
    [c_id, c2_id] = store.put_contexts(
        [pb.Context(type_id=ct_id, name="c"), pb.Context(type_id=ct_id, name="c2")]
    )
    event = pb.Event(artifact_id=a_id, execution_id=e_id, type=pb.Event.INPUT)
    event.path.steps.add().key = "k"
    store.put_events([event])
    store.put_attributions_and_associations(
        [pb.Attribution(context_id=c_id, artifact_id=a_id)],
        [pb.Association(context_id=c_id, execution_id=e_id)],
    )
    store.put_parent_contexts([pb.ParentContext(child_id=c2_id, parent_id=c_id)])
    return {"artifact": a_id, "execution": e_id, "context": c_id, "artifact_type": at_id}


@pytest.mark.parametrize("version", [0, 5, 8])
# Every version below 10 loses bool_value; each listed one also loses what its step added.
def test_round_trip_keeps_what_the_old_schema_holds(db: Database, version: int) -> None:
    store = lineage.MetadataStore(db.url)
    ids = _populate(store)
    store.close()
    fresh = db.shape()
    lineage.downgrade_schema(db.url, version)
    assert db.version() == version
    if db.dialect != "postgresql":  # ml-metadata's PostgreSQL downgrades keep stray columns
        _same_schema(db, db.shape(), _frozen_shape(db, version), int_width=True)
    store = lineage.MetadataStore(db.url, enable_upgrade_migration=True)
    try:
        [a] = store.get_artifacts_by_id([ids["artifact"]])
        assert a.uri == "/d"
        assert a.properties["rows"].int_value == 7
        assert a.custom_properties["tag"].string_value == "t"
        # A property whose only value column is dropped goes with it (ml-metadata keeps an
        # empty row that it then cannot read).
        assert "flag" not in a.custom_properties
        assert (a.name == "a") == (version >= 5)
        assert (a.external_id == "x-a") == (version >= 9)
        [event] = store.get_events_by_artifact_ids([ids["artifact"]])
        assert event.type == pb.Event.INPUT
        assert [s.key for s in event.path.steps] == ["k"]
        contexts = store.get_contexts()
        assert len(contexts) == (2 if version >= 3 else 0)
        linked = store.get_artifacts_by_context(ids["context"]) if version >= 4 else []
        assert [x.id for x in linked] == ([ids["artifact"]] if version >= 4 else [])
        parents = store.get_parent_contexts_by_context(ids["context"] + 1) if version >= 6 else []
        assert [p.id for p in parents] == ([ids["context"]] if version >= 6 else [])
        [at] = store.get_artifact_types_by_id([ids["artifact_type"]])
        assert at.version == ("1" if version >= 6 else "")
        assert at.external_id == ("x-at" if version >= 9 else "")
    finally:
        store.close()
    # lineage's 64-bit ids survive the round trip.
    _same_schema(db, db.shape(), fresh, int_width=False)


def test_downgrade_one_step_at_a_time_then_back(db: Database) -> None:
    store = lineage.MetadataStore(db.url)
    _populate(store)
    store.close()
    for version in range(CURRENT - 1, -1, -1):
        lineage.downgrade_schema(db.url, version)
        assert db.version() == version
    for version in range(1, CURRENT + 1):
        backend = db.backend()
        try:
            migrations.upgrade(backend, version - 1, version)
        finally:
            backend.close()
        assert db.version() == version
    store = lineage.MetadataStore(db.url)
    try:
        assert [a.uri for a in store.get_artifacts()] == ["/d"]
    finally:
        store.close()


# --------------------------------------------------------------------------- refusals
def test_older_version_is_refused_without_upgrade_migration(db: Database) -> None:
    db.build(7)
    before = db.shape()
    with pytest.raises(SchemaVersionError) as info:
        lineage.MetadataStore(db.url)
    assert isinstance(info.value, RuntimeError)
    message = str(info.value)
    assert "older than library version 10" in message
    assert "Schema migration is disabled" in message
    assert "enable_upgrade_migration=True" in message
    assert "lineage db upgrade" in message
    assert db.version() == 7
    assert db.shape() == before


def test_newer_version_is_refused(db: Database) -> None:
    lineage.MetadataStore(db.url).close()
    db.run(lambda tx: set_version(tx, CURRENT + 1))
    for upgrade in (False, True):
        with pytest.raises(SchemaVersionError, match="greater than library version 10"):
            lineage.MetadataStore(db.url, enable_upgrade_migration=upgrade)
    with pytest.raises(SchemaVersionError):
        lineage.downgrade_schema(db.url, 5)
    assert db.version() == CURRENT + 1


def test_downgrade_argument_errors(db: Database) -> None:
    with pytest.raises(InvalidArgumentError, match="empty"):
        lineage.downgrade_schema(db.url, 3)
    lineage.MetadataStore(db.url).close()
    with pytest.raises(InvalidArgumentError, match="downgrade_to_schema_version not specified"):
        lineage.downgrade_schema(db.url, -1)
    with pytest.raises(InvalidArgumentError, match="MLMD cannot be downgraded to schema_version"):
        lineage.downgrade_schema(db.url, CURRENT + 1)
    assert db.version() == CURRENT
    lineage.downgrade_schema(db.url, CURRENT)  # a no-op
    assert db.version() == CURRENT


def test_migration_function_argument_errors(db: Database) -> None:
    lineage.MetadataStore(db.url).close()
    backend = db.backend()
    try:
        with pytest.raises(InvalidArgumentError):
            migrations.upgrade(backend, 5, 3)
        with pytest.raises(InvalidArgumentError):
            migrations.downgrade(backend, 3, 5)
        with pytest.raises(InvalidArgumentError):
            migrations.upgrade(backend, -1, 10)
        migrations.upgrade(backend, 9, 10)  # already at 10: the step is skipped
    finally:
        backend.close()
    assert db.version() == CURRENT


def test_v0_database_opens_only_with_upgrade_enabled(db: Database) -> None:
    lineage.MetadataStore(db.url).close()
    lineage.downgrade_schema(db.url, 0)
    assert db.version() == 0
    with pytest.raises(RuntimeError, match="chema migration is disabled"):
        lineage.MetadataStore(db.url)
    lineage.MetadataStore(db.url, enable_upgrade_migration=True).close()
    assert db.version() == CURRENT


def test_steps_are_numbered_and_documented() -> None:
    assert sorted(STEPS) == list(range(1, CURRENT + 1))
    for version, step in STEPS.items():
        assert version == step.VERSION
        assert step.SUMMARY
        for name in ("upgrade", "downgrade", "setup_previous", "verify"):
            assert callable(getattr(step, name))
