"""Step 6: type versions and descriptions, type and context parents, secondary indices.

* ``Type`` gains ``version`` (after ``name``) and ``description`` (after ``type_kind``);
* new tables ``ParentType(type_id, parent_type_id)`` and
  ``ParentContext(context_id, parent_context_id)`` (+ ``idx_parentcontext_parent_context_id``);
* indices ``idx_artifact_uri``, ``idx_{artifact,execution,context}_{create,last_update}_time_since
  _epoch``, ``idx_event_artifact_id``, ``idx_event_execution_id``, ``idx_type_name``.

Downgrade drops all of it (type versions, descriptions and parent links are lost).
"""

from __future__ import annotations

from lineage.store._backend import Tx
from lineage.store.migrations._ops import (
    add_column,
    create_index,
    drop_column,
    drop_index,
    drop_table,
    execute,
    int_types,
    q,
    query,
    sqlite_sync,
    table_names,
)
from lineage.store.migrations._seed import check, count, verify_base
from lineage.store.migrations.v05 import setup_previous as _setup_v4

VERSION = 6
SUMMARY = "Type.version/description, ParentType, ParentContext, secondary indices"

#: (index, table, columns); MySQL indexes a 255-character prefix of ``uri``.
INDEXES = (
    ("idx_artifact_uri", "Artifact", ("uri",)),
    ("idx_artifact_create_time_since_epoch", "Artifact", ("create_time_since_epoch",)),
    ("idx_artifact_last_update_time_since_epoch", "Artifact", ("last_update_time_since_epoch",)),
    ("idx_event_artifact_id", "Event", ("artifact_id",)),
    ("idx_event_execution_id", "Event", ("execution_id",)),
    ("idx_execution_create_time_since_epoch", "Execution", ("create_time_since_epoch",)),
    (
        "idx_execution_last_update_time_since_epoch",
        "Execution",
        ("last_update_time_since_epoch",),
    ),
    ("idx_context_create_time_since_epoch", "Context", ("create_time_since_epoch",)),
    ("idx_context_last_update_time_since_epoch", "Context", ("last_update_time_since_epoch",)),
    ("idx_type_name", "Type", ("name",)),
)
_PARENTS = (
    ("ParentType", "type_id", "parent_type_id"),
    ("ParentContext", "context_id", "parent_context_id"),
)


def _cols(tx: Tx, columns: tuple[str, ...]) -> str:
    if tx.dialect == "mysql":
        return ", ".join("`uri`(255)" if c == "uri" else f"`{c}`" for c in columns)
    return ", ".join(columns)


def upgrade(tx: Tx) -> None:
    """Add the Type columns, the parent tables and the indices."""
    if tx.dialect == "sqlite":
        sqlite_sync(tx, VERSION, rebuild=("Type",))
        return
    mysql = tx.dialect == "mysql"
    add_column(tx, "Type", "version", "VARCHAR(255) NULL" if mysql else "VARCHAR(255)", "name")
    add_column(tx, "Type", "description", "TEXT NULL" if mysql else "TEXT", "type_kind")
    id_type, _ = int_types(tx)
    tables = table_names(tx)
    for camel, child, parent in _PARENTS:
        if camel.lower() in tables:
            continue
        if mysql:
            execute(
                tx,
                f"CREATE TABLE `{camel}` (`{child}` {id_type} NOT NULL, "
                f"`{parent}` {id_type} NOT NULL, PRIMARY KEY (`{child}`, `{parent}`)) "
                "ENGINE=InnoDB",
            )
        else:
            execute(
                tx,
                f"CREATE TABLE {camel.lower()} ({child} {id_type} NOT NULL, "
                f"{parent} {id_type} NOT NULL, "
                f"CONSTRAINT {camel.lower()}_pkey PRIMARY KEY ({child}, {parent}))",
            )
    create_index(
        tx,
        "idx_parentcontext_parent_context_id",
        "ParentContext",
        _cols(tx, ("parent_context_id",)),
    )
    for index, camel, columns in INDEXES:
        create_index(tx, index, camel, _cols(tx, columns))


def downgrade(tx: Tx) -> None:
    """Drop the indices, the parent tables and the Type columns."""
    if tx.dialect == "sqlite":
        sqlite_sync(tx, VERSION - 1, rebuild=("Type",))
        return
    for index, camel, _ in INDEXES:
        drop_index(tx, camel, index)
    drop_table(tx, "ParentContext")
    drop_table(tx, "ParentType")
    drop_column(tx, "Type", "description")
    drop_column(tx, "Type", "version")


def setup_previous(tx: Tx) -> None:
    """Write the base rows, a context and links into a v5 database (v4 rows + names/times)."""
    _setup_v4(tx)
    execute(
        tx, f"UPDATE {q(tx, 'Artifact')} SET name = 'a', state = 2, create_time_since_epoch = 7"
    )
    execute(tx, f"UPDATE {q(tx, 'Execution')} SET name = 'e', last_known_state = 3")


def verify(tx: Tx) -> None:
    """Check the v5 values survived and the new columns and tables are empty."""
    verify_base(tx)
    rows = query(tx, f"SELECT name, state, create_time_since_epoch FROM {q(tx, 'Artifact')}")
    check([(str(r[0]), int(r[1]), int(r[2])) for r in rows] == [("a", 2, 7)], f"artifact {rows}")
    check(count(tx, "Execution", "name = 'e' AND last_known_state = 3") == 1, "execution")
    check(
        count(tx, "Type", "id IN (101, 102) AND version IS NULL AND description IS NULL") == 2,
        "type",
    )
    check(count(tx, "ParentType") == 0 and count(tx, "ParentContext") == 0, "parent tables")
