"""Tombstoning artifacts and scrubbing the database files (the store side of erasure).

A tombstone keeps the artifact's row, id, type and events (so lineage stays connected) and
removes what identifies content or people: its URI, external id, (optionally) name and every
property. On SQLite the change runs with ``secure_delete`` on, and ``compact`` checkpoints and
truncates the WAL and vacuums the file, so the removed bytes are gone from disk.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Collection, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from lineage.errors import NotFoundError
from lineage.store._backend import Backend, Tx
from lineage.store._convert import encode_value, now_ms
from lineage.store._kinds import ARTIFACT, CONTEXT, Kind
from lineage.store._nodes import _insert_props, _load_stored, _Row

__all__ = ["clear_names", "compact", "tombstone"]

DELETED = 4  # Artifact.State.DELETED


def _digest(row: _Row) -> str:
    """sha256 of what a tombstone removes from one artifact (a commitment, not the content)."""
    content = {
        "uri": row.columns.get("uri"),
        "name": row.columns.get("name"),
        "external_id": row.columns.get("external_id"),
        "properties": {
            f"{'c' if custom else 'p'}:{name}": repr(value)
            for (name, custom), value in sorted(row.props.items())
        },
    }
    return "sha256:" + hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def tombstone(
    tx: Tx,
    artifact_ids: Sequence[int],
    *,
    scrub_names: Collection[int],
    marker: Mapping[str, Any],
    keep: Mapping[int, Collection[str]] | None = None,
) -> dict[int, str]:
    """Tombstone artifacts in the caller's transaction; return artifact id → digest of what went.

    Args:
        tx: A write transaction.
        artifact_ids: The artifacts to tombstone.
        scrub_names: The ids among them whose names are removed too.
        marker: Custom properties (name → ``ml_metadata.Value``) written on each tombstone.
        keep: Artifact id → names of custom properties to keep as they are (e.g. the data
            subject tags of other people, so their own requests still find the node).

    Raises:
        NotFoundError: An id names no artifact.
    """
    ids = sorted({int(i) for i in artifact_ids})
    if not ids:
        return {}
    if tx.dialect == "sqlite":
        tx.cur.execute("PRAGMA secure_delete = ON")
    stored = _load_stored(tx, ARTIFACT, ids)
    missing = [i for i in ids if i not in stored]
    if missing:
        raise NotFoundError(f"cannot tombstone artifact:{missing[0]}: no such artifact")
    digests = {i: _digest(stored[i]) for i in ids}
    now = now_ms()

    def update(t: Any) -> Any:
        a = t.artifact
        return (
            sa.update(a)
            .where(a.c.id == sa.bindparam("node_id"))
            .values(
                uri=sa.bindparam("v_uri"),
                name=sa.bindparam("v_name"),
                external_id=sa.bindparam("v_ext"),
                state=sa.bindparam("v_state"),
                last_update_time_since_epoch=sa.bindparam("v_now"),
            )
        )

    tx.many(
        tx.backend.sql("tombstone_artifact", update),
        (
            {
                "node_id": i,
                "v_uri": "",
                "v_name": None if i in scrub_names else stored[i].columns.get("name"),
                "v_ext": None,
                "v_state": DELETED,
                "v_now": now,
            }
            for i in ids
        ),
    )
    sql = tx.backend.sql(
        "tombstone_props",
        lambda t: sa.delete(t.artifact_property).where(
            t.artifact_property.c.artifact_id.in_(sa.bindparam("ids", expanding=True))
        ),
    )
    for start in range(0, len(ids), 500):
        tx.run(sql, {"ids": ids[start : start + 500]})
    encoded = {
        (name, True): encode_value(value, tx.dialect, f"marker['{name}']", tx.backend.int32_values)
        for name, value in marker.items()
    }
    rows = []
    for i in ids:
        props = dict(encoded)
        for name in (keep or {}).get(i, ()):
            if (name, True) in stored[i].props:
                props[(name, True)] = stored[i].props[(name, True)]
        rows.append(_Row(id=i, type_id=stored[i].type_id, columns={}, props=props))
    _insert_props(tx, ARTIFACT, rows)
    return digests


def clear_names(tx: Tx, kind: Kind, ids: Sequence[int]) -> None:
    """Remove names that identify people: NULL for artifacts and executions; a context's name is
    required, so it becomes ``erased-<id>``. (MLMD itself never renames artifacts/executions.)"""
    if not ids:
        return
    if tx.dialect == "sqlite":
        tx.cur.execute("PRAGMA secure_delete = ON")

    def build(t: Any) -> Any:
        table = kind.table(t)
        return (
            sa.update(table)
            .where(table.c.id == sa.bindparam("node_id"))
            .values(name=sa.bindparam("v_name"), last_update_time_since_epoch=sa.bindparam("v_now"))
        )

    now = now_ms()
    tx.many(
        tx.backend.sql(("clear_names", kind.name), build),
        (
            {
                "node_id": int(i),
                "v_name": f"erased-{int(i)}" if kind is CONTEXT else None,
                "v_now": now,
            }
            for i in sorted(set(ids))
        ),
    )


def compact(backend: Backend) -> None:
    """Make removed data unrecoverable from the database files where the engine allows it.

    SQLite: checkpoint the WAL into the main file and truncate it, then VACUUM (rewrites the file
    without free pages). PostgreSQL: VACUUM the lineage tables (dead row versions are dropped
    from the table files; WAL segments and backups are outside our reach). MySQL/MariaDB:
    OPTIMIZE TABLE rebuilds the tables (binary logs and backups are outside our reach).
    """
    conn = backend._connection()
    cur = conn.cursor()
    try:
        if backend.dialect == "sqlite":
            cur.execute("PRAGMA secure_delete = ON")
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cur.execute("VACUUM")
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        elif backend.dialect == "postgresql":
            conn.commit()
            conn.autocommit = True
            try:
                for table in backend.tables.all():
                    cur.execute(f"VACUUM {table.name}")  # our table names, never user text
            finally:
                conn.autocommit = False
        else:
            for table in backend.tables.all():
                cur.execute(f"OPTIMIZE TABLE `{table.name}`")  # our table names
                cur.fetchall()
            conn.commit()
    except backend.dbapi.Error as exc:
        raise backend.translate(exc) from exc
    finally:
        cur.close()
