"""Representative rows for the migration tests: written into an older schema, checked after.

Each step's ``setup_previous`` writes rows into the schema it upgrades from and its ``verify``
checks that they survived (MLMD's ``upgrade_verification`` idea). The base rows use only the
columns of MLMD v0.13.2, which every later version keeps, so they also survive whole chains.
"""

from __future__ import annotations

from typing import Any

from lineage.store._backend import Tx
from lineage.store.migrations._ops import column_names, execute, q, query

__all__ = ["check", "count", "insert", "seed_base", "verify_base"]

#: Ids of the base rows (kept clear of the 9 simple types that a store inserts on open).
ARTIFACT_TYPE = 101
EXECUTION_TYPE = 102
ARTIFACT = 201
EXECUTION = 301
EVENT = 401


def check(condition: bool, message: str) -> None:
    """Raise AssertionError with ``message`` unless ``condition`` holds."""
    if not condition:
        raise AssertionError(message)


def insert(tx: Tx, camel: str, **values: Any) -> None:
    """Insert one row; column names are the keyword names (our constants), values are bound."""
    cols = ", ".join(values)
    params = ", ".join(f":{c}" for c in values)
    execute(tx, f"INSERT INTO {q(tx, camel)} ({cols}) VALUES ({params})", values)


def count(tx: Tx, camel: str, where: str = "", params: dict[str, Any] | None = None) -> int:
    """``SELECT COUNT(*)`` over a table, with an optional condition of our own."""
    cond = f" WHERE {where}" if where else ""
    return int(query(tx, f"SELECT COUNT(*) FROM {q(tx, camel)}{cond}", params)[0][0])


def seed_base(tx: Tx, kind_column: str = "type_kind") -> None:
    """Insert an artifact type with a property, an execution type, an artifact with properties,
    an execution and an OUTPUT event with a two-step path, using only v0 columns.

    Args:
        tx: The transaction.
        kind_column: ``is_artifact_type`` before schema version 2, ``type_kind`` after.
    """
    insert(tx, "Type", id=ARTIFACT_TYPE, name="lineage.seed.Data", **{kind_column: 1})
    insert(tx, "Type", id=EXECUTION_TYPE, name="lineage.seed.Train", **{kind_column: 0})
    insert(tx, "TypeProperty", type_id=ARTIFACT_TYPE, name="rows", data_type=1)
    insert(tx, "Artifact", id=ARTIFACT, type_id=ARTIFACT_TYPE, uri="/data/seed")
    insert(
        tx,
        "ArtifactProperty",
        artifact_id=ARTIFACT,
        name="rows",
        is_custom_property=False,
        int_value=42,
    )
    insert(
        tx,
        "ArtifactProperty",
        artifact_id=ARTIFACT,
        name="note",
        is_custom_property=True,
        string_value="kept",
    )
    insert(tx, "Execution", id=EXECUTION, type_id=EXECUTION_TYPE)
    insert(
        tx,
        "ExecutionProperty",
        execution_id=EXECUTION,
        name="lr",
        is_custom_property=True,
        double_value=0.5,
    )
    insert(
        tx,
        "Event",
        id=EVENT,
        artifact_id=ARTIFACT,
        execution_id=EXECUTION,
        type=4,
        milliseconds_since_epoch=1_700_000_000_000,
    )
    insert(tx, "EventPath", event_id=EVENT, is_index_step=False, step_key="out")
    insert(tx, "EventPath", event_id=EVENT, is_index_step=True, step_index=3)


def verify_base(tx: Tx) -> None:
    """Check that the rows of :func:`seed_base` are all there, unchanged."""
    kind = "type_kind" if "type_kind" in column_names(tx, "Type") else "is_artifact_type"
    kinds = dict(
        query(
            tx,
            f"SELECT id, {kind} FROM {q(tx, 'Type')} WHERE id IN (:a, :e)",
            {"a": ARTIFACT_TYPE, "e": EXECUTION_TYPE},
        )
    )
    check(
        {int(k): int(v) for k, v in kinds.items()} == {ARTIFACT_TYPE: 1, EXECUTION_TYPE: 0},
        f"types lost or changed: {kinds}",
    )
    check(count(tx, "TypeProperty", "type_id = :t", {"t": ARTIFACT_TYPE}) == 1, "type property")
    uri = query(tx, f"SELECT uri FROM {q(tx, 'Artifact')} WHERE id = :i", {"i": ARTIFACT})
    check([tuple(r) for r in uri] == [("/data/seed",)], f"artifact uri changed: {uri}")
    props = {
        str(r[0]): (bool(r[1]), r[2], r[3])
        for r in query(
            tx,
            f"SELECT name, is_custom_property, int_value, string_value FROM "
            f"{q(tx, 'ArtifactProperty')} WHERE artifact_id = :i",
            {"i": ARTIFACT},
        )
    }
    check(
        props == {"rows": (False, 42, None), "note": (True, None, "kept")},
        f"artifact properties changed: {props}",
    )
    lr = query(
        tx,
        f"SELECT double_value FROM {q(tx, 'ExecutionProperty')} WHERE execution_id = :i",
        {"i": EXECUTION},
    )
    check([float(r[0]) for r in lr] == [0.5], f"execution property changed: {lr}")
    events = query(
        tx,
        f"SELECT artifact_id, execution_id, type, milliseconds_since_epoch FROM "
        f"{q(tx, 'Event')} WHERE id = :i",
        {"i": EVENT},
    )
    check(
        [tuple(int(x) for x in r) for r in events] == [(ARTIFACT, EXECUTION, 4, 1_700_000_000_000)],
        f"event changed: {events}",
    )
    steps = query(
        tx,
        f"SELECT is_index_step, step_index, step_key FROM {q(tx, 'EventPath')} WHERE event_id = :i",
        {"i": EVENT},
    )
    check(
        sorted((bool(r[0]), r[1], r[2]) for r in steps) == [(False, None, "out"), (True, 3, None)],
        f"event path changed: {steps}",
    )
