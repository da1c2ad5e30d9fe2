"""Deleting nodes and types (beyond MLMD, which cannot delete at all).

A node others depend on is refused, naming the dependents, unless the caller asks for the cascade:
an artifact that executions read, an execution whose outputs exist, a context with child contexts,
a type with nodes (or types built on it). The cascade deletes the dependents too (for nodes: the
whole downstream lineage). Everything goes in the caller's transaction: all or nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa

from lineage.errors import DependentsError, NotFoundError
from lineage.store._backend import Tx
from lineage.store._kinds import ARTIFACT, CONTEXT, EXECUTION, Kind, TypeKind
from lineage.store._traverse import DOWNSTREAM, INPUT_TYPES, OUTPUT_TYPES, traverse

__all__ = ["Deleted", "DependentsError", "delete_nodes", "delete_types"]


@dataclass(frozen=True)
class Deleted:
    """What a delete removed (ids), so callers can report it."""

    artifacts: tuple[int, ...] = ()
    executions: tuple[int, ...] = ()
    contexts: tuple[int, ...] = ()
    events: int = 0
    types: tuple[int, ...] = ()
    details: dict[str, int] = field(default_factory=dict)


def _existing(tx: Tx, kind: Kind, ids: Sequence[int]) -> set[int]:
    from lineage.store._edges import existing_ids

    return existing_ids(tx, kind, ids)


def _events_of(tx: Tx, column: str, ids: Sequence[int]) -> list[tuple[int, int, int, int]]:
    """(event_id, artifact_id, execution_id, type) of the events whose ``column`` is in ids."""
    sql = tx.backend.sql(
        ("delete_events_of", column),
        lambda t: sa.select(
            t.event.c.id, t.event.c.artifact_id, t.event.c.execution_id, t.event.c.type
        ).where(t.event.c[column].in_(sa.bindparam("ids", expanding=True))),
    )
    return [
        (int(a), int(b), int(c), int(d)) for a, b, c, d in tx.rows_chunked(sql, "ids", list(ids))
    ]


def _delete_where_in(tx: Tx, key: str, table: str, column: str, ids: Iterable[int]) -> int:
    values = sorted(set(ids))
    if not values:
        return 0
    sql = tx.backend.sql(
        ("delete_in", key, table, column),
        lambda t: sa.delete(getattr(t, table)).where(
            getattr(t, table).c[column].in_(sa.bindparam("ids", expanding=True))
        ),
    )
    removed = 0
    for start in range(0, len(values), 500):
        removed += int(tx.run(sql, {"ids": values[start : start + 500]}).rowcount or 0)
    return removed


def _label(tx: Tx, kind: Kind, ids: Sequence[int], limit: int = 5) -> list[str]:
    from lineage.store._nodes import get_nodes_by_ids

    nodes = get_nodes_by_ids(tx, kind, list(ids)[:limit])
    out = []
    for node in nodes:
        name = node.name if node.HasField("name") and node.name else getattr(node, "uri", "")
        out.append(f"{kind.name}:{node.id} ({node.type} {name})".replace(" )", ")"))
    return out


def _dependents(tx: Tx, artifacts: set[int], executions: set[int], contexts: set[int]) -> list[str]:
    """Who depends on the nodes to delete (and is not itself being deleted)."""
    found: list[str] = []
    readers = {
        x for _, _, x, t in _events_of(tx, "artifact_id", sorted(artifacts)) if t in INPUT_TYPES
    }
    readers -= executions
    if readers:
        found += [f"read by {label}" for label in _label(tx, EXECUTION, sorted(readers))]
    outputs = {
        a for _, a, _, t in _events_of(tx, "execution_id", sorted(executions)) if t in OUTPUT_TYPES
    }
    outputs -= artifacts
    if outputs:
        found += [f"output {label}" for label in _label(tx, ARTIFACT, sorted(outputs))]
    if contexts:
        from lineage.store._edges import get_children_contexts

        children = {
            c.id for kids in get_children_contexts(tx, sorted(contexts)).values() for c in kids
        }
        children -= contexts
        found += [f"child context:{c}" for c in sorted(children)[:5]]
    return found


def delete_nodes(
    tx: Tx,
    *,
    artifacts: Sequence[int] = (),
    executions: Sequence[int] = (),
    contexts: Sequence[int] = (),
    cascade: bool = False,
    detach: bool = False,
) -> Deleted:
    """Delete nodes with their properties, events, paths and links (see the module docstring).

    ``detach`` deletes the nodes even when others depend on them, removing the events that tie
    them together (the dependents stay, disconnected); ``cascade`` deletes the dependents.

    Raises:
        NotFoundError: An id names no node.
        DependentsError: Nodes depend on them and ``cascade`` is False.
    """
    a_ids, x_ids, c_ids = (
        set(map(int, artifacts)),
        set(map(int, executions)),
        set(map(int, contexts)),
    )
    for kind, ids in ((ARTIFACT, a_ids), (EXECUTION, x_ids), (CONTEXT, c_ids)):
        missing = sorted(ids - _existing(tx, kind, sorted(ids)))
        if missing:
            raise NotFoundError(f"cannot delete {kind.name}:{missing[0]}: no such {kind.name}")
    if cascade:
        if a_ids or x_ids:
            walk = traverse(
                tx,
                start_artifacts=sorted(a_ids),
                start_executions=sorted(x_ids),
                direction=DOWNSTREAM,
                with_events=False,
            )
            a_ids |= set(walk.artifacts)
            x_ids |= set(walk.executions)
        if c_ids:
            c_ids |= _descendant_contexts(tx, c_ids)
    elif not detach:
        dependents = _dependents(tx, a_ids, x_ids, c_ids)
        if dependents:
            raise DependentsError(
                "refusing to delete: other nodes depend on them ("
                + "; ".join(dependents[:8])
                + (f"; and {len(dependents) - 8} more" if len(dependents) > 8 else "")
                + "); pass cascade=True to delete the dependents too",
                dependents,
            )
    events = {e[0] for e in _events_of(tx, "artifact_id", sorted(a_ids))}
    events |= {e[0] for e in _events_of(tx, "execution_id", sorted(x_ids))}
    details = {
        "event_paths": _delete_where_in(tx, "d", "event_path", "event_id", events),
        "events": _delete_where_in(tx, "d", "event", "id", events),
        "attributions": _delete_where_in(tx, "a", "attribution", "artifact_id", a_ids)
        + _delete_where_in(tx, "c", "attribution", "context_id", c_ids),
        "associations": _delete_where_in(tx, "x", "association", "execution_id", x_ids)
        + _delete_where_in(tx, "c", "association", "context_id", c_ids),
        "parent_contexts": _delete_where_in(tx, "c", "parent_context", "context_id", c_ids)
        + _delete_where_in(tx, "p", "parent_context", "parent_context_id", c_ids),
    }
    for kind, ids in ((ARTIFACT, a_ids), (EXECUTION, x_ids), (CONTEXT, c_ids)):
        details[f"{kind.name}_properties"] = _delete_where_in(
            tx, "p", f"{kind.name}_property", kind.owner, ids
        )
        details[f"{kind.name}s"] = _delete_where_in(tx, "n", kind.name, "id", ids)
    return Deleted(
        artifacts=tuple(sorted(a_ids)),
        executions=tuple(sorted(x_ids)),
        contexts=tuple(sorted(c_ids)),
        events=details["events"],
        details=details,
    )


def _descendant_contexts(tx: Tx, roots: set[int]) -> set[int]:
    from lineage.store._edges import get_children_contexts

    found: set[int] = set()
    frontier = set(roots)
    while frontier:
        children = {
            c.id for kids in get_children_contexts(tx, sorted(frontier)).values() for c in kids
        }
        frontier = children - found - roots
        found |= frontier
    return found


def delete_types(
    tx: Tx, kind: TypeKind, node_kind: Kind, type_ids: Sequence[int], *, cascade: bool
) -> Deleted:
    """Delete types; with ``cascade`` also their nodes (and those nodes' dependents).

    Raises:
        NotFoundError: An id names no type of this kind.
        DependentsError: Nodes or types use them and ``cascade`` is False.
    """
    from lineage.store._types import get_types_by_id

    ids = sorted(set(map(int, type_ids)))
    tx.backend.type_cache.clear()
    found = {t.id for t in get_types_by_id(tx, kind, ids)}
    missing = [i for i in ids if i not in found]
    if missing:
        raise NotFoundError(f"cannot delete {kind.title} {missing[0]}: no such type")
    node_table = node_kind.name
    sql = tx.backend.sql(
        ("nodes_of_types", node_table),
        lambda t: sa.select(getattr(t, node_table).c.id).where(
            getattr(t, node_table).c.type_id.in_(sa.bindparam("ids", expanding=True))
        ),
    )
    nodes = [int(r[0]) for r in tx.rows_chunked(sql, "ids", ids)]
    children_sql = tx.backend.sql(
        "child_types",
        lambda t: sa.select(t.parent_type.c.type_id).where(
            t.parent_type.c.parent_type_id.in_(sa.bindparam("ids", expanding=True))
        ),
    )
    child_types = sorted({int(r[0]) for r in tx.rows_chunked(children_sql, "ids", ids)} - set(ids))
    if not cascade and (nodes or child_types):
        what = []
        if nodes:
            what.append(
                f"{len(nodes)} {node_kind.name}(s), e.g. "
                + ", ".join(f"{node_kind.name}:{n}" for n in nodes[:5])
            )
        if child_types:
            what.append("types " + ", ".join(map(str, child_types[:5])) + " are based on them")
        raise DependentsError(
            f"refusing to delete {kind.title} {ids}: still in use ({'; '.join(what)}); "
            "pass cascade=True to delete what uses them too",
            [f"{node_kind.name}:{n}" for n in nodes],
        )
    deleted = Deleted()
    if nodes:
        deleted = delete_nodes(
            tx,
            artifacts=nodes if node_kind is ARTIFACT else (),
            executions=nodes if node_kind is EXECUTION else (),
            contexts=nodes if node_kind is CONTEXT else (),
            cascade=True,
        )
    details = dict(deleted.details)
    details["type_properties"] = _delete_where_in(tx, "t", "type_property", "type_id", ids)
    details["parent_types"] = _delete_where_in(
        tx, "t", "parent_type", "type_id", ids
    ) + _delete_where_in(tx, "p", "parent_type", "parent_type_id", ids)
    details["types"] = _delete_where_in(tx, "t", "type", "id", ids)
    return Deleted(
        artifacts=deleted.artifacts,
        executions=deleted.executions,
        contexts=deleted.contexts,
        events=deleted.events,
        types=tuple(ids),
        details=details,
    )
