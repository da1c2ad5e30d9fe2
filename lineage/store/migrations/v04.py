"""Step 4: add ``Association`` (context–execution) and ``Attribution`` (context–artifact).

Downgrade drops both tables, and with them every association and attribution.
"""

from __future__ import annotations

from lineage.store._backend import Tx
from lineage.store.migrations._ops import drop_table, execute, int_types, sqlite_sync, table_names
from lineage.store.migrations._seed import check, count, insert, seed_base, verify_base

VERSION = 4
SUMMARY = "add Association, Attribution"

#: (table, node column, PostgreSQL unique constraint name); on MySQL the key is `context_id`.
_LINKS = (
    ("Association", "execution_id", "association_context_id_execution_id_key"),
    ("Attribution", "artifact_id", "attribution_context_id_artifact_id_key"),
)


def upgrade(tx: Tx) -> None:
    """Create ``Association`` and ``Attribution``, each with UNIQUE(context_id, node id)."""
    if tx.dialect == "sqlite":
        sqlite_sync(tx, VERSION)
        return
    id_type, serial = int_types(tx)
    tables = table_names(tx)
    for camel, node, pg_unique in _LINKS:
        if camel.lower() in tables:
            continue
        if tx.dialect == "mysql":
            execute(
                tx,
                f"CREATE TABLE `{camel}` (`id` {serial}, `context_id` {id_type} NOT NULL, "
                f"`{node}` {id_type} NOT NULL, PRIMARY KEY (`id`), "
                f"UNIQUE KEY `context_id` (`context_id`, `{node}`)) ENGINE=InnoDB",
            )
        else:
            table = camel.lower()
            execute(
                tx,
                f"CREATE TABLE {table} (id {serial} NOT NULL, context_id {id_type} NOT NULL, "
                f"{node} {id_type} NOT NULL, CONSTRAINT {table}_pkey PRIMARY KEY (id), "
                f"CONSTRAINT {pg_unique} UNIQUE (context_id, {node}))",
            )


def downgrade(tx: Tx) -> None:
    """Drop ``Attribution`` and ``Association``."""
    drop_table(tx, "Attribution")
    drop_table(tx, "Association")


def setup_previous(tx: Tx) -> None:
    """Write the base rows and a context type, context and context property (v3)."""
    seed_base(tx)
    insert(tx, "Type", id=103, name="lineage.seed.Pipeline", type_kind=2)
    insert(tx, "Context", id=501, type_id=103, name="run-1")
    insert(
        tx,
        "ContextProperty",
        context_id=501,
        name="owner",
        is_custom_property=True,
        string_value="ada",
    )


def verify(tx: Tx) -> None:
    """Check the base rows and the context survived; the link tables are there."""
    verify_base(tx)
    check(count(tx, "Context", "id = 501 AND name = 'run-1'") == 1, "context lost")
    check(count(tx, "ContextProperty", "context_id = 501") == 1, "context property lost")
    check(count(tx, "Association") >= 0 and count(tx, "Attribution") >= 0, "link tables")
