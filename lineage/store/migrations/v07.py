"""Step 7: ``byte_value`` on the property tables, an index on ``EventPath.event_id``.

On MySQL ``string_value`` also widens from TEXT (64 KB) to MEDIUMTEXT (16 MB). Downgrade drops
``byte_value`` and the index and, on MySQL, narrows ``string_value`` back to TEXT: a string
longer than 65,535 bytes makes that downgrade fail (strict mode) rather than cut it silently.
"""

from __future__ import annotations

from lineage.store._backend import Tx
from lineage.store.migrations._ops import (
    add_column,
    create_index,
    drop_column,
    drop_index,
    execute,
    q,
    query,
    sqlite_sync,
)
from lineage.store.migrations._seed import check, count, insert, seed_base, verify_base

VERSION = 7
SUMMARY = "*Property.byte_value, idx_eventpath_event_id; MySQL string_value MEDIUMTEXT"

PROPERTY_TABLES = ("ArtifactProperty", "ExecutionProperty", "ContextProperty")


def _string_type(tx: Tx, camel: str) -> str:
    rows = query(
        tx,
        "SELECT data_type FROM information_schema.columns WHERE table_schema = DATABASE() "
        "AND table_name = :t AND column_name = 'string_value'",
        {"t": camel},
    )
    return str(rows[0][0]).lower() if rows else ""


def upgrade(tx: Tx) -> None:
    """Add ``byte_value`` and ``idx_eventpath_event_id``; widen MySQL ``string_value``."""
    if tx.dialect == "sqlite":
        for camel in PROPERTY_TABLES:
            add_column(tx, camel, "byte_value", "BLOB")
        sqlite_sync(tx, VERSION)
        return
    mysql = tx.dialect == "mysql"
    for camel in PROPERTY_TABLES:
        if mysql and _string_type(tx, camel) == "text":
            execute(tx, f"ALTER TABLE `{camel}` MODIFY COLUMN `string_value` MEDIUMTEXT NULL")
        add_column(tx, camel, "byte_value", "MEDIUMBLOB NULL" if mysql else "BYTEA")
    create_index(tx, "idx_eventpath_event_id", "EventPath", "event_id")


def downgrade(tx: Tx) -> None:
    """Drop ``byte_value`` and the index; narrow MySQL ``string_value`` to TEXT."""
    if tx.dialect == "sqlite":
        sqlite_sync(tx, VERSION - 1, rebuild=PROPERTY_TABLES)
        return
    drop_index(tx, "EventPath", "idx_eventpath_event_id")
    for camel in PROPERTY_TABLES:
        drop_column(tx, camel, "byte_value")
        if tx.dialect == "mysql" and _string_type(tx, camel) == "mediumtext":
            execute(tx, f"ALTER TABLE `{camel}` MODIFY COLUMN `string_value` TEXT NULL")


def setup_previous(tx: Tx) -> None:
    """Write the base rows and a context with a string property into a v6 database."""
    seed_base(tx)
    insert(tx, "Type", id=103, name="lineage.seed.Pipeline", type_kind=2, version="1")
    insert(tx, "ParentType", type_id=101, parent_type_id=103)
    insert(tx, "Context", id=501, type_id=103, name="run-1")
    insert(tx, "Context", id=502, type_id=103, name="run-2")
    insert(tx, "ParentContext", context_id=502, parent_context_id=501)
    insert(
        tx,
        "ContextProperty",
        context_id=501,
        name="owner",
        is_custom_property=True,
        string_value="x" * 1000,
    )


def verify(tx: Tx) -> None:
    """Check the v6 rows survived and ``byte_value`` is NULL everywhere."""
    verify_base(tx)
    check(count(tx, "Type", "id = 103 AND version = '1'") == 1, "type version lost")
    check(count(tx, "ParentType", "type_id = 101 AND parent_type_id = 103") == 1, "parent type")
    check(count(tx, "ParentContext", "context_id = 502") == 1, "parent context lost")
    rows = query(tx, f"SELECT string_value FROM {q(tx, 'ContextProperty')}")
    check([str(r[0]) for r in rows] == ["x" * 1000], "context property changed")
    for camel in PROPERTY_TABLES:
        check(count(tx, camel, "byte_value IS NOT NULL") == 0, f"{camel}.byte_value set")
