"""Schema migrations against the real ml-metadata 1.17.1 (run in .venv-mlmd with ``-m compat``).

Both directions, on SQLite, MariaDB and PostgreSQL:

* ml-metadata writes a database and downgrades it to vN; lineage upgrades it to v10; the schema
  is exactly the one ml-metadata creates (PostgreSQL: up to column order), ml-metadata opens it
  and reads the data back. On SQLite the rows are also compared with ml-metadata's own upgrade
  of a copy of the same file.
* lineage writes a database and downgrades it to vN; ml-metadata upgrades it
  (``enable_upgrade_migration=True``) and reads the data back.

ml_metadata is imported inside the tests, never at module level: this file is collected in the
main environment too (where the compat marker deselects it), and in .venv-mlmd a missing
ml_metadata must fail the tests, not skip them. An unreachable server fails when ``CI=true``.
"""

from __future__ import annotations

import gc
import os
import shutil
import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

pytestmark = pytest.mark.compat

SERVER_URLS = {
    "mysql": os.environ.get("LINEAGE_TEST_MYSQL_URL", "mysql+mysqldb://root@127.0.0.1:3306/test"),
    "postgresql": os.environ.get(
        "LINEAGE_TEST_POSTGRESQL_URL", "postgresql+psycopg://root@127.0.0.1:5432/test"
    ),
}


def _cases(postgresql: tuple[int, ...]) -> list[Any]:
    """(dialect, version): every version on SQLite, a spread on the servers."""
    return (
        [pytest.param("sqlite", v, id=f"sqlite-v{v}") for v in range(0, 10)]
        + [
            pytest.param("mysql", v, id=f"mysql-v{v}", marks=pytest.mark.mysql)
            for v in (0, 4, 7, 8)
        ]
        + [
            pytest.param("postgresql", v, id=f"postgresql-v{v}", marks=pytest.mark.postgresql)
            for v in postgresql
        ]
    )


#: ml-metadata has no PostgreSQL scheme for version 0.
LINEAGE_UPGRADES = _cases(postgresql=(1, 5, 8, 9))
#: ml-metadata's PostgreSQL upgrades from v5..v8 fail on any database holding nodes, its own
#: included: the temporary tables they copy through declare the times 32-bit ("integer out of
#: range" for a millisecond timestamp). So only versions it can upgrade are checked there.
MLMD_UPGRADES = _cases(postgresql=(1, 4, 9))


class Target:
    """One database, reachable both as a lineage URL and as an ml-metadata ConnectionConfig."""

    def __init__(self, dialect: str, url: str, config: Any, drop: Any = None) -> None:
        self.dialect = dialect
        self.url = url
        self.config = config
        self._drop = drop

    def shape(self) -> Any:
        from lineage.store._backend import Backend
        from lineage.store._config import target_from
        from lineage.store.migrations._catalog import read_shape

        backend = Backend(target_from(self.url))
        try:
            with backend.transaction(write=False) as tx:
                return read_shape(tx.cur, self.dialect)
        finally:
            backend.close()

    def close(self) -> None:
        gc.collect()  # ml-metadata stores have no close(): let go of their connections
        if self._drop is not None:
            self._drop()


def _new_target(dialect: str, tmp_path: Path) -> Target:
    from ml_metadata.proto import metadata_store_pb2 as pb

    config = pb.ConnectionConfig()
    if dialect == "sqlite":
        path = tmp_path / f"db-{uuid.uuid4().hex[:8]}.sqlite"
        config.sqlite.filename_uri = str(path)
        return Target("sqlite", f"sqlite:///{path}", config)
    url = sa.make_url(SERVER_URLS[dialect])
    name = f"lineage_cmig_{uuid.uuid4().hex[:12]}"
    admin_url = (
        url.set(database="postgres") if dialect == "postgresql" else url._replace(database=None)
    )
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
    if dialect == "mysql":
        config.mysql.host = url.host or "127.0.0.1"
        config.mysql.port = url.port or 3306
        config.mysql.user = url.username or "root"
        config.mysql.password = url.password or ""
        config.mysql.database = name
    else:
        config.postgresql.host = url.host or "127.0.0.1"
        config.postgresql.port = str(url.port or 5432)
        config.postgresql.user = url.username or "root"
        config.postgresql.password = url.password or ""
        config.postgresql.dbname = name

    def drop() -> None:
        force = " WITH (FORCE)" if dialect == "postgresql" else ""
        with admin.connect() as conn:
            conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {quote}{name}{quote}{force}")
        admin.dispose()

    return Target(
        dialect, url.set(database=name).render_as_string(hide_password=False), config, drop
    )


@pytest.fixture
def targets(tmp_path: Path) -> Iterator[list[Target]]:
    """Databases made by the test (closed and dropped afterwards)."""
    made: list[Target] = []
    yield made
    for target in made:
        target.close()


def _populate(store: Any, with_bool: bool = True) -> dict[str, int]:
    """The same graph through either API (ml-metadata's or lineage's store).

    ``with_bool=False`` leaves out the boolean property: ml-metadata's own downgrade below v10
    keeps its row with every value NULL, and ml-metadata then cannot read the artifact.
    """
    from ml_metadata.proto import metadata_store_pb2 as pb

    at = pb.ArtifactType(name="Data", version="1", description="d", external_id="x-at")
    at.properties["rows"] = pb.INT
    at_id = store.put_artifact_type(at)
    et_id = store.put_execution_type(pb.ExecutionType(name="Train"))
    ct_id = store.put_context_type(pb.ContextType(name="Run"))
    a = pb.Artifact(type_id=at_id, uri="/d", name="a", external_id="x-a", state=pb.Artifact.LIVE)
    a.properties["rows"].int_value = 7
    if with_bool:
        a.custom_properties["flag"].bool_value = True
    a.custom_properties["tag"].string_value = "t"
    a2 = pb.Artifact(type_id=at_id, uri="/d2")
    a_id, a2_id = store.put_artifacts([a, a2])
    e = pb.Execution(type_id=et_id, name="e", last_known_state=pb.Execution.COMPLETE)
    e.custom_properties["lr"].double_value = 0.5
    [e_id] = store.put_executions([e])
    c_id, c2_id = store.put_contexts(
        [pb.Context(type_id=ct_id, name="c"), pb.Context(type_id=ct_id, name="c2")]
    )
    events = []
    for artifact_id, kind in ((a_id, pb.Event.INPUT), (a2_id, pb.Event.OUTPUT)):
        event = pb.Event(artifact_id=artifact_id, execution_id=e_id, type=kind)
        event.path.steps.add().key = "k"
        event.path.steps.add().index = 1
        events.append(event)
    store.put_events(events)
    store.put_attributions_and_associations(
        [pb.Attribution(context_id=c_id, artifact_id=a_id)],
        [pb.Association(context_id=c_id, execution_id=e_id)],
    )
    store.put_parent_contexts([pb.ParentContext(child_id=c2_id, parent_id=c_id)])
    return {"a": a_id, "a2": a2_id, "e": e_id, "c": c_id, "c2": c2_id, "at": at_id}


def _check_reads(
    store: Any, ids: dict[str, int], version: int, external_ids_kept: bool = False
) -> None:
    """What survives a downgrade to ``version`` and an upgrade back, read through ``store``.

    ``external_ids_kept``: ml-metadata's PostgreSQL downgrades never drop ``external_id``.
    """
    from ml_metadata.proto import metadata_store_pb2 as pb

    a, a2 = sorted(store.get_artifacts_by_id([ids["a"], ids["a2"]]), key=lambda x: x.id)
    assert (a.uri, a2.uri) == ("/d", "/d2")
    assert a.properties["rows"].int_value == 7
    assert a.custom_properties["tag"].string_value == "t"
    assert "flag" not in a.custom_properties  # lost below v10 (or never written)
    assert a.name == ("a" if version >= 5 else "")
    assert a.external_id == ("x-a" if version >= 9 or external_ids_kept else "")
    [e] = store.get_executions_by_id([ids["e"]])
    assert e.custom_properties["lr"].double_value == 0.5
    assert e.last_known_state == (pb.Execution.COMPLETE if version >= 5 else 0)
    events = sorted(store.get_events_by_execution_ids([ids["e"]]), key=lambda ev: ev.artifact_id)
    assert [(ev.artifact_id, ev.type) for ev in events] == [
        (ids["a"], pb.Event.INPUT),
        (ids["a2"], pb.Event.OUTPUT),
    ]
    for ev in events:
        assert [(s.key, s.index) for s in ev.path.steps] == [("k", 0), ("", 1)]
    assert len(store.get_contexts()) == (2 if version >= 3 else 0)
    if version >= 4:
        assert [x.id for x in store.get_artifacts_by_context(ids["c"])] == [ids["a"]]
        assert [x.id for x in store.get_executions_by_context(ids["c"])] == [ids["e"]]
    if version >= 6:
        assert [p.id for p in store.get_parent_contexts_by_context(ids["c2"])] == [ids["c"]]
    [at] = store.get_artifact_types_by_id([ids["at"]])
    assert at.version == ("1" if version >= 6 else "")
    assert at.properties["rows"] == pb.INT


def _sqlite_rows(path: str) -> dict[str, list[Any]]:
    con = sqlite3.connect(path)
    try:
        names = [
            r[0]
            for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'sqlite_sequence'"
            )
        ]
        return {n: sorted(map(tuple, con.execute(f'SELECT * FROM "{n}"')), key=repr) for n in names}
    finally:
        con.close()


def _same_shape(dialect: str, got: Any, want: Any, *, int_width: bool = False) -> None:
    from lineage.store.migrations._catalog import normalized

    kwargs = {"int_width": int_width, "column_order": dialect != "postgresql"}
    a, b = normalized(got, **kwargs), normalized(want, **kwargs)
    diff = {t: (a.get(t), b.get(t)) for t in sorted(set(a) | set(b)) if a.get(t) != b.get(t)}
    assert not diff, diff


@pytest.mark.parametrize(("dialect", "version"), LINEAGE_UPGRADES)
def test_lineage_upgrades_a_database_mlmd_downgraded(
    dialect: str, version: int, targets: list[Target], tmp_path: Path
) -> None:
    import ml_metadata as mlmd

    import lineage

    target = _new_target(dialect, tmp_path)
    targets.append(target)
    ids = _populate(mlmd.MetadataStore(target.config), with_bool=False)
    mlmd.downgrade_schema(target.config, version)
    twin = None
    if dialect == "sqlite":
        twin = str(tmp_path / "twin.sqlite")
        shutil.copy(target.config.sqlite.filename_uri, twin)

    lineage.MetadataStore(target.url, enable_upgrade_migration=True).close()

    reference = _new_target(dialect, tmp_path)  # what ml-metadata creates at v10
    targets.append(reference)
    mlmd.MetadataStore(reference.config)
    _same_shape(dialect, target.shape(), reference.shape())
    _check_reads(
        mlmd.MetadataStore(target.config), ids, version, external_ids_kept=dialect == "postgresql"
    )
    if twin is not None:
        from ml_metadata.proto import metadata_store_pb2 as pb

        config = pb.ConnectionConfig()
        config.sqlite.filename_uri = twin
        mlmd.MetadataStore(config, enable_upgrade_migration=True)
        assert _sqlite_rows(target.config.sqlite.filename_uri) == _sqlite_rows(twin)


@pytest.mark.parametrize(("dialect", "version"), MLMD_UPGRADES)
def test_mlmd_upgrades_a_database_lineage_downgraded(
    dialect: str, version: int, targets: list[Target], tmp_path: Path
) -> None:
    import ml_metadata as mlmd

    import lineage

    target = _new_target(dialect, tmp_path)
    targets.append(target)
    store = lineage.MetadataStore(target.url)
    ids = _populate(store)
    store.close()
    lineage.downgrade_schema(target.url, version)
    upgraded = mlmd.MetadataStore(target.config, enable_upgrade_migration=True)
    _check_reads(upgraded, ids, version)
    # and lineage still reads what ml-metadata upgraded
    store = lineage.MetadataStore(target.url)
    try:
        _check_reads(store, ids, version)
    finally:
        store.close()


@pytest.mark.parametrize(
    "dialect",
    ["sqlite", pytest.param("mysql", marks=pytest.mark.mysql)],
)
def test_lineage_downgrade_matches_mlmd_downgrade(
    dialect: str, targets: list[Target], tmp_path: Path
) -> None:
    """Each lineage downgrade of an ml-metadata database gives ml-metadata's own schema."""
    import ml_metadata as mlmd

    import lineage

    ours, theirs = _new_target(dialect, tmp_path), _new_target(dialect, tmp_path)
    targets.extend([ours, theirs])
    mlmd.MetadataStore(ours.config)
    mlmd.MetadataStore(theirs.config)
    for version in range(9, -1, -1):
        lineage.downgrade_schema(ours.url, version)
        mlmd.downgrade_schema(theirs.config, version)
        _same_shape(dialect, ours.shape(), theirs.shape())
