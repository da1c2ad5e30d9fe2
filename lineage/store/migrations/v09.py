"""Step 9: ``external_id`` — a unique, optional client key on types, artifacts, executions and
contexts.

Each of ``Type``, ``Artifact``, ``Execution`` and ``Context`` gains ``external_id
VARCHAR(255) UNIQUE`` and an index ``idx_<table>_external_id``. Downgrade drops them (the
external ids are lost). ml-metadata's PostgreSQL downgrades keep ``external_id`` in older
versions; this step accepts such a database (the column is then already there).
"""

from __future__ import annotations

from lineage.store._backend import Tx
from lineage.store.migrations._ops import (
    add_column,
    create_index,
    drop_column,
    drop_index,
    sqlite_sync,
    unique_keys,
)
from lineage.store.migrations._seed import check, count, insert, seed_base, verify_base

VERSION = 9
SUMMARY = "external_id UNIQUE + idx_*_external_id on Type, Artifact, Execution, Context"

#: table -> the column external_id follows in ml-metadata's schema
TABLES = {"Type": "output_type", "Artifact": "name", "Execution": "name", "Context": "name"}


def upgrade(tx: Tx) -> None:
    """Add ``external_id``, its unique key and its index to the four tables."""
    if tx.dialect == "sqlite":
        sqlite_sync(tx, VERSION, rebuild=tuple(TABLES))
        return
    mysql = tx.dialect == "mysql"
    for camel, after in TABLES.items():
        add_column(
            tx, camel, "external_id", "VARCHAR(255) NULL" if mysql else "VARCHAR(255)", after
        )
        if ("external_id",) not in unique_keys(tx, camel).values():
            key = "external_id" if mysql else f"{camel.lower()}_external_id_key"
            create_index(tx, key, camel, "external_id", unique=True)
        create_index(tx, f"idx_{camel.lower()}_external_id", camel, "external_id")


def downgrade(tx: Tx) -> None:
    """Drop the index, the unique key and the column from the four tables."""
    if tx.dialect == "sqlite":
        sqlite_sync(tx, VERSION - 1, rebuild=tuple(TABLES))
        return
    for camel in TABLES:
        drop_index(tx, camel, f"idx_{camel.lower()}_external_id")
        drop_column(tx, camel, "external_id")


def setup_previous(tx: Tx) -> None:
    """Write the base rows and a named context into a v8 database."""
    seed_base(tx)
    insert(tx, "Type", id=103, name="lineage.seed.Pipeline", type_kind=2)
    insert(tx, "Context", id=501, type_id=103, name="run-1", create_time_since_epoch=5)


def verify(tx: Tx) -> None:
    """Check the rows survived with NULL external ids."""
    verify_base(tx)
    check(count(tx, "Context", "id = 501 AND create_time_since_epoch = 5") == 1, "context lost")
    for camel in TABLES:
        check(count(tx, camel, "external_id IS NOT NULL") == 0, f"{camel}.external_id set")
