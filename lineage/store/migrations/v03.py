"""Step 3: add ``Context`` and ``ContextProperty``.

Downgrade drops both tables, and with them every context and context property.
"""

from __future__ import annotations

from lineage.store._backend import Tx
from lineage.store.migrations._ops import drop_table, execute, int_types, sqlite_sync, table_names
from lineage.store.migrations._seed import check, count, seed_base, verify_base

VERSION = 3
SUMMARY = "add Context, ContextProperty"


def upgrade(tx: Tx) -> None:
    """Create ``Context(id, type_id, name, UNIQUE(type_id, name))`` and ``ContextProperty``."""
    if tx.dialect == "sqlite":
        sqlite_sync(tx, VERSION)
        return
    id_type, serial = int_types(tx)
    tables = table_names(tx)
    if tx.dialect == "mysql":
        if "context" not in tables:
            execute(
                tx,
                f"CREATE TABLE `Context` (`id` {serial}, `type_id` {id_type} NOT NULL, "
                "`name` VARCHAR(255) NOT NULL, PRIMARY KEY (`id`), "
                "UNIQUE KEY `type_id` (`type_id`, `name`)) ENGINE=InnoDB",
            )
        if "contextproperty" not in tables:
            execute(
                tx,
                f"CREATE TABLE `ContextProperty` (`context_id` {id_type} NOT NULL, "
                "`name` VARCHAR(255) NOT NULL, `is_custom_property` TINYINT(1) NOT NULL, "
                f"`int_value` {id_type} NULL, `double_value` DOUBLE NULL, "
                "`string_value` TEXT NULL, "
                "PRIMARY KEY (`context_id`, `name`, `is_custom_property`)) ENGINE=InnoDB",
            )
        return
    execute(
        tx,
        f"CREATE TABLE IF NOT EXISTS context (id {serial} NOT NULL, type_id {id_type} NOT NULL, "
        "name VARCHAR(255) NOT NULL, CONSTRAINT context_pkey PRIMARY KEY (id), "
        "CONSTRAINT context_type_id_name_key UNIQUE (type_id, name))",
    )
    execute(
        tx,
        f"CREATE TABLE IF NOT EXISTS contextproperty (context_id {id_type} NOT NULL, "
        "name VARCHAR(255) NOT NULL, is_custom_property BOOLEAN NOT NULL, "
        f"int_value {id_type}, double_value DOUBLE PRECISION, string_value TEXT, "
        "CONSTRAINT contextproperty_pkey PRIMARY KEY (context_id, name, is_custom_property))",
    )


def downgrade(tx: Tx) -> None:
    """Drop ``ContextProperty`` and ``Context``."""
    drop_table(tx, "ContextProperty")
    drop_table(tx, "Context")


def setup_previous(tx: Tx) -> None:
    """Write the base rows into a v2 database."""
    seed_base(tx)


def verify(tx: Tx) -> None:
    """Check the base rows survived and the new tables are there."""
    verify_base(tx)
    check(count(tx, "Context") >= 0 and count(tx, "ContextProperty") >= 0, "context tables")
