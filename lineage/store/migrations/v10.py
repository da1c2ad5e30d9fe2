"""Step 10: ``proto_value`` and ``bool_value`` on the property tables (ml-metadata 1.11 – 1.17).

Downgrade drops both columns: proto and boolean property values are lost, as with ml-metadata.
Unlike ml-metadata, it also deletes the property rows that held only such a value: ml-metadata
keeps them with every value column NULL, and then fails to read the node ("Attempt to populate
property with null value in every known *_value column") after upgrading again.

On PostgreSQL the step also tidies what ml-metadata's own PostgreSQL downgrades leave behind, so
that the result matches a fresh version-10 database: primary keys named ``*temp_pkey`` get their
usual names, and partial property indices become the plain ones of the fresh schema.
"""

from __future__ import annotations

from lineage.store._backend import Tx
from lineage.store.migrations._ops import (
    add_column,
    create_index,
    delete,
    drop_column,
    drop_index,
    execute,
    q,
    query,
    sqlite_sync,
)
from lineage.store.migrations._seed import check, count, insert, seed_base, verify_base
from lineage.store.migrations.v07 import PROPERTY_TABLES
from lineage.store.migrations.v08 import PROPERTY_INDEXES

VERSION = 10
SUMMARY = "*Property.proto_value, *Property.bool_value"


def _tidy_postgresql(tx: Tx) -> None:
    for camel in PROPERTY_TABLES:
        table = camel.lower()
        temp = query(
            tx,
            "SELECT k.conname FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() "
            "AND c.relname = :t AND k.contype = 'p' AND k.conname = :n",
            {"t": table, "n": f"{table}temp_pkey"},
        )
        if temp:
            execute(tx, f"ALTER TABLE {table} RENAME CONSTRAINT {table}temp_pkey TO {table}_pkey")
    partial = {
        str(r[0])
        for r in query(
            tx,
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
            "AND indexdef LIKE '% WHERE %'",
        )
    }
    for index, camel, column in PROPERTY_INDEXES:
        if index in partial:
            drop_index(tx, camel, index)
            create_index(tx, index, camel, f"name, is_custom_property, {column}")


def upgrade(tx: Tx) -> None:
    """Add ``proto_value`` and ``bool_value`` to the three property tables."""
    if tx.dialect == "sqlite":
        blob, boolean = "BLOB", "BOOLEAN"
    elif tx.dialect == "mysql":
        blob, boolean = "MEDIUMBLOB NULL", "TINYINT(1) NULL"
    else:
        blob, boolean = "BYTEA", "BOOLEAN"
        _tidy_postgresql(tx)
    for camel in PROPERTY_TABLES:
        add_column(tx, camel, "proto_value", blob, after="byte_value")
        add_column(tx, camel, "bool_value", boolean, after="proto_value")


def downgrade(tx: Tx) -> None:
    """Delete the properties only they hold, then drop ``proto_value`` and ``bool_value``."""
    for camel in PROPERTY_TABLES:
        delete(
            tx,
            f"DELETE FROM {q(tx, camel)} WHERE int_value IS NULL AND double_value IS NULL "
            "AND string_value IS NULL AND byte_value IS NULL "
            "AND (proto_value IS NOT NULL OR bool_value IS NOT NULL)",
        )
    if tx.dialect == "sqlite":
        sqlite_sync(tx, VERSION - 1, rebuild=PROPERTY_TABLES)
        return
    for camel in PROPERTY_TABLES:
        drop_column(tx, camel, "bool_value")
        drop_column(tx, camel, "proto_value")


def setup_previous(tx: Tx) -> None:
    """Write the base rows and properties of every v9 value column."""
    seed_base(tx)
    insert(tx, "Type", id=103, name="lineage.seed.Pipeline", type_kind=2, external_id="t-103")
    insert(tx, "Context", id=501, type_id=103, name="run-1", external_id="c-501")
    insert(
        tx,
        "ContextProperty",
        context_id=501,
        name="blob",
        is_custom_property=True,
        byte_value=b"\x00\x01",
    )


def verify(tx: Tx) -> None:
    """Check the v9 rows survived and the new columns are NULL."""
    verify_base(tx)
    check(count(tx, "Type", "id = 103 AND external_id = 't-103'") == 1, "type external id")
    check(count(tx, "Context", "id = 501 AND external_id = 'c-501'") == 1, "context external id")
    rows = query(tx, f"SELECT byte_value FROM {q(tx, 'ContextProperty')}")
    check([bytes(r[0]) for r in rows] == [b"\x00\x01"], f"byte value changed: {rows}")
    for camel in PROPERTY_TABLES:
        check(
            count(tx, camel, "proto_value IS NOT NULL OR bool_value IS NOT NULL") == 0,
            f"{camel} new columns set",
        )
