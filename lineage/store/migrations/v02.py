"""Step 2: ``Type.is_artifact_type`` becomes ``Type.type_kind`` (room for context types).

The codes carry over unchanged (1 = artifact type, 0 = execution type; 2 = context type is new).
Downgrade deletes the context types (and their properties), which version 1 cannot represent,
then renames the column back.
"""

from __future__ import annotations

from lineage.store._backend import Tx
from lineage.store.migrations._ops import column_names, delete, execute, q, query, sqlite_sync
from lineage.store.migrations._seed import check, insert, seed_base, verify_base

VERSION = 2
SUMMARY = "Type.is_artifact_type -> Type.type_kind"


def _rename(tx: Tx, old: str, new: str, version: int) -> None:
    if old not in column_names(tx, "Type"):
        return
    if tx.dialect == "sqlite":
        sqlite_sync(tx, version, rebuild=("Type",), renames={new: old})
    elif tx.dialect == "mysql":
        execute(tx, f"ALTER TABLE `Type` CHANGE COLUMN `{old}` `{new}` TINYINT(1) NOT NULL")
    else:
        execute(tx, f"ALTER TABLE type RENAME COLUMN {old} TO {new}")


def upgrade(tx: Tx) -> None:
    """Rename ``is_artifact_type`` to ``type_kind``."""
    _rename(tx, "is_artifact_type", "type_kind", VERSION)


def downgrade(tx: Tx) -> None:
    """Delete context types, then rename ``type_kind`` back to ``is_artifact_type``."""
    if "type_kind" in column_names(tx, "Type"):
        delete(
            tx,
            f"DELETE FROM {q(tx, 'TypeProperty')} WHERE type_id IN "
            f"(SELECT id FROM {q(tx, 'Type')} WHERE type_kind = 2)",
        )
        delete(tx, f"DELETE FROM {q(tx, 'Type')} WHERE type_kind = 2")
    _rename(tx, "type_kind", "is_artifact_type", VERSION - 1)


def setup_previous(tx: Tx) -> None:
    """Write the base rows and one more type of each kind into a v1 database."""
    seed_base(tx, kind_column="is_artifact_type")
    insert(tx, "Type", id=111, name="lineage.seed.Model", is_artifact_type=1)
    insert(tx, "Type", id=112, name="lineage.seed.Eval", is_artifact_type=0)


def verify(tx: Tx) -> None:
    """Check ``type_kind`` carries the old flag."""
    verify_base(tx)
    rows = query(tx, f"SELECT id, type_kind FROM {q(tx, 'Type')} WHERE id IN (111, 112)")
    check(sorted((int(a), int(b)) for a, b in rows) == [(111, 1), (112, 0)], f"kinds {rows}")
