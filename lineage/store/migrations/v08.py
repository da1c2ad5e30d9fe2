"""Step 8: one event per (artifact, execution, type); indices for property filters.

* Duplicate events are removed, keeping the one with the highest id, then every ``EventPath`` row
  whose event no longer exists is deleted; ``Event`` gains UNIQUE(artifact_id, execution_id,
  type) (``UniqueEvent``) and loses ``idx_event_artifact_id`` (the unique key leads with it);
* ``idx_{artifact,execution,context}_property_{int,double,string}`` on
  (name, is_custom_property, <value>) — partial (``WHERE <value> IS NOT NULL``) on SQLite, a
  255-character prefix of ``string_value`` on MySQL.

Downgrade drops the unique key and the property indices and restores ``idx_event_artifact_id``;
the removed duplicate events do not come back.
"""

from __future__ import annotations

from lineage.store._backend import Tx
from lineage.store.migrations._ops import (
    create_index,
    delete,
    drop_index,
    drop_unique_on,
    q,
    query,
    sqlite_sync,
    unique_keys,
)
from lineage.store.migrations._seed import (
    ARTIFACT,
    EVENT,
    EXECUTION,
    check,
    count,
    insert,
    seed_base,
    verify_base,
)

VERSION = 8
SUMMARY = "dedup Event + UNIQUE(artifact_id, execution_id, type); property value indices"

PROPERTY_INDEXES = tuple(
    (f"idx_{kind}_property_{value}", f"{kind.capitalize()}Property", f"{value}_value")
    for kind in ("artifact", "execution", "context")
    for value in ("int", "double", "string")
)


def _dedup_events(tx: Tx) -> None:
    event, path = q(tx, "Event"), q(tx, "EventPath")
    if tx.dialect == "mysql":
        delete(
            tx,
            f"DELETE e FROM {event} e JOIN {event} f ON f.artifact_id = e.artifact_id "
            "AND f.execution_id = e.execution_id AND f.type = e.type AND f.id > e.id",
        )
        delete(
            tx,
            f"DELETE p FROM {path} p LEFT JOIN {event} e ON e.id = p.event_id WHERE e.id IS NULL",
        )
        return
    delete(
        tx,
        f"DELETE FROM {event} WHERE EXISTS (SELECT 1 FROM {event} f WHERE "
        f"f.artifact_id = {event}.artifact_id AND f.execution_id = {event}.execution_id "
        f"AND f.type = {event}.type AND f.id > {event}.id)",
    )
    delete(
        tx,
        f"DELETE FROM {path} WHERE NOT EXISTS (SELECT 1 FROM {event} e "
        f"WHERE e.id = {path}.event_id)",
    )


def upgrade(tx: Tx) -> None:
    """Deduplicate events, add ``UniqueEvent`` and the property indices."""
    _dedup_events(tx)
    if tx.dialect == "sqlite":
        sqlite_sync(tx, VERSION, rebuild=("Event",))
        return
    key = "UniqueEvent" if tx.dialect == "mysql" else "uniqueevent"
    if not any(
        cols == ("artifact_id", "execution_id", "type")
        for cols in unique_keys(tx, "Event").values()
    ):
        create_index(tx, key, "Event", "artifact_id, execution_id, type", unique=True)
    drop_index(tx, "Event", "idx_event_artifact_id")
    for index, camel, column in PROPERTY_INDEXES:
        value = f"`{column}`(255)" if tx.dialect == "mysql" and column == "string_value" else column
        create_index(tx, index, camel, f"name, is_custom_property, {value}")


def downgrade(tx: Tx) -> None:
    """Drop the property indices and ``UniqueEvent``; restore ``idx_event_artifact_id``."""
    if tx.dialect == "sqlite":
        sqlite_sync(tx, VERSION - 1, rebuild=("Event",))
        return
    for index, camel, _ in PROPERTY_INDEXES:
        drop_index(tx, camel, index)
    create_index(tx, "idx_event_artifact_id", "Event", "artifact_id")
    drop_unique_on(tx, "Event", ("artifact_id", "execution_id", "type"))


def setup_previous(tx: Tx) -> None:
    """Write the base rows plus duplicate events with paths and one orphan path (v7)."""
    seed_base(tx)
    for event_id in (411, 412, 413):  # three INPUT events for the same pair: 413 is kept
        insert(
            tx,
            "Event",
            id=event_id,
            artifact_id=ARTIFACT,
            execution_id=EXECUTION,
            type=3,
            milliseconds_since_epoch=event_id,
        )
        insert(tx, "EventPath", event_id=event_id, is_index_step=True, step_index=event_id)
    insert(tx, "EventPath", event_id=499, is_index_step=False, step_key="orphan")


def verify(tx: Tx) -> None:
    """Check that only the newest duplicate and its path are left, and the base rows."""
    verify_base(tx)
    ids = sorted(int(r[0]) for r in query(tx, f"SELECT id FROM {q(tx, 'Event')}"))
    check(ids == [EVENT, 413], f"events after dedup: {ids}")
    paths = sorted(int(r[0]) for r in query(tx, f"SELECT event_id FROM {q(tx, 'EventPath')}"))
    check(paths == [EVENT, EVENT, 413], f"event paths after dedup: {paths}")
    check(count(tx, "EventPath", "event_id = 413 AND step_index = 413") == 1, "kept path")
