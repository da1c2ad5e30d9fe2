"""Opt-in indexes on the node side of Attribution and Association (``lineage db optimize``).

ml-metadata's schema indexes the two link tables by ``(context_id, node_id)`` only, so finding
the contexts of given artifacts or executions (the default field mask of
``get_lineage_subgraph``, ``provenance``, ``impact``, deleting nodes) scans the whole table, in
ml-metadata and in lineage alike. Two plain secondary indexes turn those scans into lookups.
They are not part of MLMD's schema, so lineage never creates them on its own: a user adds them
to a store, and ml-metadata keeps reading and writing it (it does not check indexes; its own
schema migrations may rebuild a table without them, which costs speed, not data).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.schema import CreateIndex, DropIndex

from lineage.store._backend import Backend

__all__ = ["LINK_INDEXES", "LinkIndex", "link_indexes", "set_link_indexes"]


@dataclass(frozen=True)
class LinkIndex:
    """One opt-in index: its name, the table attribute in ``Tables`` and the indexed column."""

    name: str
    table: str
    column: str


LINK_INDEXES = (
    LinkIndex("idx_attribution_artifact_id", "attribution", "artifact_id"),
    LinkIndex("idx_association_execution_id", "association", "execution_id"),
)


def link_indexes(backend: Backend) -> dict[str, bool]:
    """Each opt-in index's name and whether the store has it."""
    names = [i.name for i in LINK_INDEXES]
    marks = ", ".join(["?" if backend.dialect == "sqlite" else "%s"] * len(names))
    if backend.dialect == "sqlite":
        sql = f"SELECT name FROM sqlite_master WHERE type = 'index' AND name IN ({marks})"
    elif backend.dialect == "mysql":
        sql = (
            "SELECT DISTINCT index_name FROM information_schema.statistics "
            f"WHERE table_schema = DATABASE() AND index_name IN ({marks})"
        )
    else:
        sql = (
            "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() "
            f"AND indexname IN ({marks})"
        )
    with backend.transaction(write=False) as tx:
        tx.cur.execute(sql, names)
        present = {str(r[0]) for r in tx.cur.fetchall()}
    return {name: name in present for name in names}


def _index(backend: Backend, spec: LinkIndex) -> sa.Index:
    """The index on a one-column stand-in of its table.

    Not on the store's own table model, which describes MLMD's schema and creates new stores:
    an index added there would be created in every new store.
    """
    table: Any = getattr(backend.tables, spec.table)
    stand_in = sa.Table(
        table.name, sa.MetaData(), sa.Column(spec.column, table.c[spec.column].type)
    )
    return sa.Index(spec.name, stand_in.c[spec.column])


def set_link_indexes(backend: Backend, present: bool) -> list[str]:
    """Create (``present``) or drop the opt-in indexes; return the names that changed.

    Idempotent: indexes already in the wanted state are left alone. On MySQL each statement
    commits on its own (DDL), so an interrupted call can leave one of the two; running it
    again finishes the job.
    """
    have = link_indexes(backend)
    changed = []
    dialect = backend._compiler
    for spec in LINK_INDEXES:
        if have[spec.name] == present:
            continue
        index = _index(backend, spec)
        ddl = CreateIndex(index) if present else DropIndex(index)
        with backend.transaction(write=True) as tx:
            tx.cur.execute(str(ddl.compile(dialect=dialect)))
        changed.append(spec.name)
    return changed
