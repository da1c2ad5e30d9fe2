"""Opening a database: create the schema, check its version, upgrade or downgrade it.

``MLMDEnv.schema_version`` is the only version record. An empty database is created at the
library's version; the same version opens; a newer one is refused; an older one is refused unless
upgrade migration is enabled, and is then migrated one numbered step at a time.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.schema import CreateIndex, CreateTable

from lineage.errors import (
    AbortedError,
    DataLossError,
    InvalidArgumentError,
    SchemaVersionError,
)
from lineage.store._backend import Backend, Tx
from lineage.store._schema import SCHEMA_VERSION
from lineage.store._types import ensure_simple_types

__all__ = ["create_schema", "current_version", "downgrade", "existing_tables", "open_schema"]

#: Tables of MLMD v0.13.2, the schema before MLMDEnv existed (version 0).
_V0_TABLES = {
    "type",
    "typeproperty",
    "artifact",
    "artifactproperty",
    "execution",
    "executionproperty",
    "event",
    "eventpath",
}
_LOCK_NAME = "lineage_schema_init"


def existing_tables(tx: Tx) -> set[str]:
    """Lower-cased names of the tables in the database."""
    if tx.dialect == "sqlite":
        sql = "SELECT name FROM sqlite_master WHERE type = 'table'"
    elif tx.dialect == "mysql":
        sql = "SELECT table_name FROM information_schema.tables WHERE table_schema = DATABASE()"
    else:
        sql = "SELECT tablename FROM pg_tables WHERE schemaname = current_schema()"
    tx.cur.execute(sql)
    return {str(r[0]).lower() for r in tx.cur.fetchall()}


def current_version(tx: Tx) -> int | None:
    """The schema version of the database, or None when it is empty.

    Raises:
        AbortedError: MLMDEnv exists but is empty (another process is creating the schema).
        DataLossError: MLMDEnv holds more than one row.
    """
    tables = existing_tables(tx)
    if "mlmdenv" not in tables:
        if tables >= _V0_TABLES:
            return 0
        mlmd_tables = {t.name.lower() for t in tx.backend.tables.all()}
        if tables & mlmd_tables:
            raise AbortedError(
                "the database holds a subset of MLMD's tables and no MLMDEnv row; another process "
                f"may be creating the schema (found {sorted(tables & mlmd_tables)})"
            )
        return None
    env = tx.backend.tables.mlmd_env
    rows = tx.rows(tx.backend.sql("schema_version", lambda t: sa.select(env.c.schema_version)))
    if not rows:
        raise AbortedError(
            "MLMDEnv has no schema_version row; another process may be creating the schema"
        )
    if len(rows) > 1:
        raise DataLossError(
            f"MLMDEnv has {len(rows)} rows; it must hold exactly one schema_version"
        )
    return int(rows[0][0])


@contextmanager
def _init_lock(backend: Backend) -> Iterator[Tx]:
    """A write transaction that also holds a server-wide lock on schema changes."""
    with backend.transaction(write=True) as tx:
        tx.named_lock(_LOCK_NAME)
        yield tx


def create_schema(tx: Tx) -> None:
    """Create every table and index of the current schema and record its version."""
    dialect = tx.backend._compiler
    tables = tx.backend.tables
    for table in tables.all():
        tx.cur.execute(str(CreateTable(table).compile(dialect=dialect)))
    for table in tables.all():
        for index in sorted(table.indexes, key=lambda i: str(i.name)):
            tx.cur.execute(str(CreateIndex(index).compile(dialect=dialect)))
    env = tables.mlmd_env
    tx.run(
        tx.backend.sql(
            "insert_schema_version",
            lambda t: sa.insert(env).values(schema_version=sa.bindparam("v")),
        ),
        {"v": SCHEMA_VERSION},
    )


def open_schema(backend: Backend, enable_upgrade_migration: bool = False) -> None:
    """Make the database usable at the library's schema version (see the module docstring).

    Raises:
        SchemaVersionError: The database is newer, or older with upgrade migration disabled.
    """
    if backend.target.read_only:
        with backend.transaction(write=False) as tx:
            _check(
                current_version(tx), enable_upgrade_migration=False, display=backend.target.display
            )
        return
    with _init_lock(backend) as tx:
        version = current_version(tx)
        if version is None:
            create_schema(tx)
        elif version != SCHEMA_VERSION:
            _check(version, enable_upgrade_migration, backend.target.display)
    if version is not None and version < SCHEMA_VERSION:
        from lineage.store import migrations

        migrations.upgrade(backend, version, SCHEMA_VERSION)
    # Under the same lock: openers that race to add missing simple types deadlock on InnoDB
    # (SELECT ... FOR UPDATE of absent rows, then INSERT), seen with servers starting together.
    with _init_lock(backend) as tx:
        ensure_simple_types(tx)
        backend.int32_values = _int_value_is_32_bit(tx)


def _int_value_is_32_bit(tx: Tx) -> bool:
    """Whether ArtifactProperty.int_value is a 32-bit INT (databases ml-metadata created)."""
    if tx.dialect == "sqlite":
        return False
    table = "artifactproperty" if tx.dialect == "postgresql" else "ArtifactProperty"
    schema = "current_schema()" if tx.dialect == "postgresql" else "DATABASE()"
    tx.cur.execute(
        "SELECT data_type FROM information_schema.columns WHERE table_schema = "
        + schema
        + " AND table_name = %(t)s AND column_name = 'int_value'",
        {"t": table},
    )
    row = tx.cur.fetchone()
    return row is not None and str(row[0]).lower() in ("int", "integer")


def _check(version: int | None, enable_upgrade_migration: bool, display: str) -> None:
    if version is None or version == SCHEMA_VERSION:
        return
    if version > SCHEMA_VERSION:
        raise SchemaVersionError(
            f"MLMD database version {version} is greater than library version {SCHEMA_VERSION} "
            f"({display}); use a newer lineage, or downgrade the database with the library that "
            "created it"
        )
    if not enable_upgrade_migration:
        raise SchemaVersionError(
            f"MLMD database version {version} is older than library version {SCHEMA_VERSION}. "
            "Schema migration is disabled. Back up the database, then upgrade it with "
            f"`lineage db upgrade --db {display}` or MetadataStore(config, "
            "enable_upgrade_migration=True)."
        )


def downgrade(backend: Backend, to_version: int) -> None:
    """Migrate the database down to ``to_version``, one step at a time.

    Raises:
        InvalidArgumentError: A negative or too-high version, or an empty database.
    """
    if to_version < 0:
        raise InvalidArgumentError("downgrade_to_schema_version not specified")
    if to_version > SCHEMA_VERSION:
        raise InvalidArgumentError(
            f"MLMD cannot be downgraded to schema_version {to_version}: the library's version is "
            f"{SCHEMA_VERSION}"
        )
    with backend.transaction(write=False) as tx:
        version = current_version(tx)
    if version is None:
        raise InvalidArgumentError("the database is empty: there is no schema to downgrade")
    if version > SCHEMA_VERSION:
        _check(version, False, backend.target.display)
    if to_version >= version:
        return
    from lineage.store import migrations

    migrations.downgrade(backend, version, to_version)


def ddl_statements(backend: Backend) -> list[str]:
    """The CREATE statements of the current schema for this backend (for dumps and docs)."""
    dialect: Any = backend._compiler
    out = []
    for table in backend.tables.all():
        out.append(str(CreateTable(table).compile(dialect=dialect)).strip())
        for index in sorted(table.indexes, key=lambda i: str(i.name)):
            out.append(str(CreateIndex(index).compile(dialect=dialect)).strip())
    return out
