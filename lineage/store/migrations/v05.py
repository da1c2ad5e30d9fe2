"""Step 5: node names, states and timestamps.

* ``Artifact`` gains ``state``, ``name``, ``create_time_since_epoch`` and
  ``last_update_time_since_epoch`` (NOT NULL DEFAULT 0) and UNIQUE(type_id, name);
* ``Execution`` gains ``last_known_state``, ``name``, the two times and UNIQUE(type_id, name);
* ``Context`` gains the two times.

Existing rows get NULL states and names and 0 times, as with ml-metadata. Downgrade drops the
columns and the unique keys (the names, states and times are lost).
"""

from __future__ import annotations

from lineage.store._backend import Tx
from lineage.store.migrations._ops import (
    add_column,
    create_index,
    drop_column,
    drop_unique_on,
    sqlite_sync,
)
from lineage.store.migrations._seed import (
    ARTIFACT,
    EXECUTION,
    check,
    count,
    insert,
    seed_base,
    verify_base,
)

VERSION = 5
SUMMARY = "Artifact/Execution: state, name, times, UNIQUE(type_id, name); Context: times"

_TIMES = ("create_time_since_epoch", "last_update_time_since_epoch")
#: table -> (state column, unique key name on MySQL, on PostgreSQL); Context has only times.
_NODES = {
    "Artifact": ("state", "UniqueArtifactTypeName", "uniqueartifacttypename"),
    "Execution": ("last_known_state", "UniqueExecutionTypeName", "uniqueexecutiontypename"),
}


def _spec(tx: Tx, what: str) -> str:
    mysql = tx.dialect == "mysql"
    if what == "state":
        return "INT NULL" if mysql else "INTEGER"
    if what == "name":
        return "VARCHAR(255) NULL" if mysql else "VARCHAR(255)"
    return "BIGINT NOT NULL DEFAULT 0"


def upgrade(tx: Tx) -> None:
    """Add the columns (in ml-metadata's order) and the unique keys."""
    if tx.dialect == "sqlite":
        sqlite_sync(tx, VERSION, rebuild=("Artifact", "Execution", "Context"))
        return
    for camel, (state, mysql_key, pg_key) in _NODES.items():
        add_column(tx, camel, state, _spec(tx, "state"))
        add_column(tx, camel, "name", _spec(tx, "name"), after=state)
        previous = "name"
        for column in _TIMES:
            add_column(tx, camel, column, _spec(tx, "time"), after=previous)
            previous = column
        key = mysql_key if tx.dialect == "mysql" else pg_key
        create_index(tx, key, camel, "type_id, name", unique=True)
    previous = "name"
    for column in _TIMES:
        add_column(tx, "Context", column, _spec(tx, "time"), after=previous)
        previous = column


def downgrade(tx: Tx) -> None:
    """Drop the unique keys and the columns added by this step."""
    if tx.dialect == "sqlite":
        sqlite_sync(tx, VERSION - 1, rebuild=("Artifact", "Execution", "Context"))
        return
    for camel, (state, _, _) in _NODES.items():
        drop_unique_on(tx, camel, ("type_id", "name"))
        for column in (state, "name", *_TIMES):
            drop_column(tx, camel, column)
    for column in _TIMES:
        drop_column(tx, "Context", column)


def setup_previous(tx: Tx) -> None:
    """Write the base rows, a context and an association and attribution (v4)."""
    seed_base(tx)
    insert(tx, "Type", id=103, name="lineage.seed.Pipeline", type_kind=2)
    insert(tx, "Context", id=501, type_id=103, name="run-1")
    insert(tx, "Association", id=601, context_id=501, execution_id=EXECUTION)
    insert(tx, "Attribution", id=701, context_id=501, artifact_id=ARTIFACT)


def verify(tx: Tx) -> None:
    """Check the old rows got NULL names and states and 0 times; links survived."""
    verify_base(tx)
    check(
        count(tx, "Artifact", "id = :i AND state IS NULL AND name IS NULL", {"i": ARTIFACT}) == 1,
        "artifact state/name not NULL",
    )
    check(
        count(tx, "Execution", "id = :i AND last_known_state IS NULL", {"i": EXECUTION}) == 1,
        "execution state not NULL",
    )
    for camel in ("Artifact", "Execution", "Context"):
        check(
            count(tx, camel, "create_time_since_epoch = 0 AND last_update_time_since_epoch = 0")
            == count(tx, camel),
            f"{camel} times not 0",
        )
    check(count(tx, "Context", "id = 501") == 1, "context lost")
    check(count(tx, "Association", "id = 601 AND context_id = 501") == 1, "association lost")
    check(count(tx, "Attribution", "id = 701 AND artifact_id = :a", {"a": ARTIFACT}) == 1, "attr")
