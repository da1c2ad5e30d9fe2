"""lineage creates the same tables, columns, constraints and index names as ml-metadata 1.17.1.

The one deliberate difference: on MySQL/MariaDB and PostgreSQL, lineage declares ids, foreign ids,
``int_value`` and ``step_index`` as 64-bit BIGINT where ml-metadata uses 32-bit INT (see
docs/mlmd-differences.md); the comparison folds INT and BIGINT together and a separate assertion
pins the difference down.
"""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

import lineage
from tests.conftest import SERVER_URLS, unreachable

pytestmark = pytest.mark.compat


def _structure(url: str) -> dict[str, Any]:
    """Tables: columns (name, folded type, nullable), keys, unique constraints, indexes."""
    with warnings.catch_warnings():
        # SQLite reflection cannot size MLMD's TINYINT(1) declarations; the type name suffices.
        warnings.simplefilter("ignore", sa.exc.SAWarning)
        return _reflect(url)


def _reflect(url: str) -> dict[str, Any]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    out: dict[str, Any] = {}
    try:
        inspector = sa.inspect(engine)
        for table in sorted(inspector.get_table_names()):
            if table.startswith("sqlite_"):
                continue
            columns = []
            for col in inspector.get_columns(table):
                kind = type(col["type"]).__name__.upper()
                if kind in ("INTEGER", "BIGINTEGER", "BIGINT", "INT", "SMALLINTEGER", "SMALLINT"):
                    kind = "INT"
                columns.append((col["name"], kind, bool(col["nullable"])))
            pk = tuple(inspector.get_pk_constraint(table)["constrained_columns"])
            uniques = sorted(
                tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)
            )
            indexes = sorted(
                (i["name"], tuple(c for c in i["column_names"] if c))
                for i in inspector.get_indexes(table)
                if not i.get("unique")
            )
            out[table.lower()] = {
                "columns": columns,
                "pk": pk,
                "uniques": uniques,
                "indexes": indexes,
            }
    finally:
        engine.dispose()
    return out


def _raw_types(url: str, table: str) -> dict[str, str]:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sa.exc.SAWarning)
        try:
            return {c["name"]: str(c["type"]) for c in sa.inspect(engine).get_columns(table)}
        finally:
            engine.dispose()


def _mlmd_config(kind: str, target: str) -> Any:
    from ml_metadata.proto import metadata_store_pb2 as mpb

    config = mpb.ConnectionConfig()
    if kind == "sqlite":
        config.sqlite.filename_uri = target
        config.sqlite.connection_mode = mpb.SqliteMetadataSourceConfig.READWRITE_OPENCREATE
        return config
    url = sa.make_url(SERVER_URLS[kind])
    if kind == "mysql":
        config.mysql.host = url.host or "127.0.0.1"
        config.mysql.port = url.port or 3306
        config.mysql.user = url.username or "root"
        config.mysql.database = target
    else:
        config.postgresql.host = url.host or "127.0.0.1"
        config.postgresql.port = str(url.port or 5432)
        config.postgresql.user = url.username or "root"
        config.postgresql.dbname = target
    return config


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("mysql", marks=pytest.mark.mysql),
        pytest.param("postgresql", marks=pytest.mark.postgresql),
    ]
)
def twin_databases(request: Any, tmp_path: Path) -> Iterator[tuple[str, str, str]]:
    """(kind, URL of a database ml-metadata created, URL of one lineage created)."""
    import ml_metadata

    kind = request.param
    if kind == "sqlite":
        mlmd_path, ours = tmp_path / "mlmd.db", tmp_path / "lineage.db"
        ml_metadata.MetadataStore(_mlmd_config("sqlite", str(mlmd_path)))
        lineage.MetadataStore(f"sqlite:///{ours}").close()
        yield kind, f"sqlite:///{mlmd_path}", f"sqlite:///{ours}"
        return
    base = sa.make_url(SERVER_URLS[kind])
    admin_url = (
        base.set(database="postgres") if kind == "postgresql" else base._replace(database=None)
    )
    try:
        admin = sa.create_engine(
            admin_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool
        )
        admin.connect().close()
    except Exception as exc:
        unreachable(kind, exc)
    names = [f"lineage_cmp_{uuid.uuid4().hex[:8]}" for _ in range(2)]
    quote = '"' if kind == "postgresql" else "`"
    try:
        if kind == "postgresql":
            with admin.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{names[0]}"')
        ml_metadata.MetadataStore(_mlmd_config(kind, names[0]))
        ours = base.set(database=names[1]).render_as_string(hide_password=False)
        lineage.MetadataStore(ours).close()
        yield kind, base.set(database=names[0]).render_as_string(hide_password=False), ours
    finally:
        with admin.connect() as conn:
            for name in names:
                conn.exec_driver_sql(f"DROP DATABASE IF EXISTS {quote}{name}{quote}")
        admin.dispose()


def test_same_tables_columns_keys_and_index_names(twin_databases: tuple[str, str, str]) -> None:
    kind, mlmd_url, lineage_url = twin_databases
    theirs, ours = _structure(mlmd_url), _structure(lineage_url)
    assert sorted(ours) == sorted(theirs)
    for table in theirs:
        assert ours[table] == theirs[table], f"{kind}: table {table} differs"


def test_ids_are_64_bit_where_mlmd_uses_32_bit(twin_databases: tuple[str, str, str]) -> None:
    kind, mlmd_url, lineage_url = twin_databases
    prop_table = "artifactproperty" if kind == "postgresql" else "ArtifactProperty"
    artifact = "artifact" if kind == "postgresql" else "Artifact"
    theirs_p, ours_p = _raw_types(mlmd_url, prop_table), _raw_types(lineage_url, prop_table)
    theirs_a, ours_a = _raw_types(mlmd_url, artifact), _raw_types(lineage_url, artifact)
    if kind == "sqlite":
        # SQLite integers are 64-bit whatever the declaration: both keep MLMD's declarations.
        assert ours_p["int_value"] == theirs_p["int_value"] == "INTEGER"
        return
    assert theirs_p["int_value"] == "INTEGER"
    assert ours_p["int_value"] == "BIGINT"
    assert theirs_a["id"] == "INTEGER"
    assert ours_a["id"] == "BIGINT"
