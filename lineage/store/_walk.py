"""``MetadataStore.walk``: the lineage traversal the graph layer builds on.

One recursive statement finds what is reachable (``_traverse``); optional result filters, an
``as_of`` cut and a node budget are applied to the ids; then one batched hydration builds an MLMD
``LineageGraph`` of what is kept. Nothing is cut silently: a walk that hits the budget says so and
reports the full counts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from lineage.errors import InvalidArgumentError
from lineage.store._backend import CHUNK, Tx
from lineage.store._subgraph import assemble
from lineage.store._traverse import BOTH, DOWNSTREAM, UPSTREAM, Traversal, traverse

__all__ = ["EventEdge", "Walk", "run_walk"]

#: (artifact_id, execution_id, event type, milliseconds_since_epoch, event id)
EventEdge = tuple[int, int, int, "int | None", int]
DIRECTIONS = {
    UPSTREAM: UPSTREAM,
    DOWNSTREAM: DOWNSTREAM,
    BOTH: BOTH,
    "up": UPSTREAM,
    "down": DOWNSTREAM,
}


@dataclass(frozen=True)
class Walk:
    """The result of a lineage walk.

    Attributes:
        artifacts: Artifact id → hops from the nearest start node (kept nodes only).
        executions: Execution id → hops.
        events: The events crossed between kept nodes, as :data:`EventEdge` tuples.
        graph: The kept nodes hydrated as an MLMD ``LineageGraph`` (None when not asked for).
        truncated: True when the node budget cut the result.
        total_artifacts: Artifacts reached before the budget (after filters).
        total_executions: Executions reached before the budget (after filters).
        start_artifacts: The artifact ids the walk started from.
        start_executions: The execution ids the walk started from.
    """

    artifacts: Mapping[int, int]
    executions: Mapping[int, int]
    events: tuple[EventEdge, ...]
    graph: Any | None
    truncated: bool
    total_artifacts: int
    total_executions: int
    start_artifacts: tuple[int, ...] = ()
    start_executions: tuple[int, ...] = ()
    stopped_at: frozenset[str] = field(default_factory=frozenset)


def _filter_select(tx: Tx, kind: str, query: Any) -> Any:
    from lineage.store._filters import filter_node_ids

    return filter_node_ids(query, kind, tx.backend.tables)


def _matching(tx: Tx, kind: str, query: Any, ids: Sequence[int]) -> set[int]:
    """The ids among ``ids`` whose node matches ``query`` (filter text or AST)."""
    compiled = _filter_select(tx, kind, query)
    out: set[int] = set()
    for start in range(0, len(ids), CHUNK):
        chunk = list(ids[start : start + CHUNK])
        stmt = compiled.select.where(compiled.node.c.id.in_(chunk))
        out.update(int(r[0]) for r in tx.adhoc(stmt))
    return out


def _stop_select(tx: Tx, kind: str, query: Any, starts: Sequence[int]) -> Any:
    """The ids where the walk stops: matches of ``query``, never the start nodes themselves."""
    if not query:
        return None
    compiled = _filter_select(tx, kind, query)
    if starts:
        return compiled.select.where(compiled.node.c.id.not_in(list(starts)))
    return compiled.select


def _created_by(tx: Tx, kind: str, ids: Sequence[int], as_of: int) -> set[int]:
    table = getattr(tx.backend.tables, kind)
    sql = tx.backend.sql(
        ("created_by", kind),
        lambda t: sa.select(table.c.id).where(
            table.c.id.in_(sa.bindparam("ids", expanding=True)),
            table.c.create_time_since_epoch <= sa.bindparam("as_of"),
        ),
    )
    return {int(r[0]) for r in tx.rows_chunked(sql, "ids", list(ids), {"as_of": int(as_of)})}


def run_walk(
    tx: Tx,
    *,
    artifacts: Sequence[int],
    executions: Sequence[int],
    direction: str,
    max_hops: int | None,
    stop_artifacts: Any,
    stop_executions: Any,
    include_stop: bool,
    where_artifacts: Any,
    where_executions: Any,
    as_of: int | None,
    limit: int | None,
    hydrate: bool,
    fields: Sequence[str],
) -> Walk:
    """Run a walk in the caller's read transaction (see ``MetadataStore.walk``)."""
    walk_direction = DIRECTIONS.get(direction)
    if walk_direction is None:
        raise InvalidArgumentError(
            f"direction must be 'upstream', 'downstream' or 'both', got {direction!r}"
        )
    if max_hops is not None and max_hops < 0:
        raise InvalidArgumentError(f"max_hops cannot be negative, got {max_hops}")
    if limit is not None and limit < 1:
        raise InvalidArgumentError(f"limit must be at least 1, got {limit}")
    start_a = sorted({int(i) for i in artifacts})
    start_x = sorted({int(i) for i in executions})
    if not start_a and not start_x:
        raise InvalidArgumentError("a walk needs at least one artifact or execution to start from")
    if as_of is not None:
        start_a = sorted(_created_by(tx, "artifact", start_a, as_of)) if start_a else []
        start_x = sorted(_created_by(tx, "execution", start_x, as_of)) if start_x else []
    ending_a = _stop_select(tx, "artifact", stop_artifacts, start_a)
    ending_x = _stop_select(tx, "execution", stop_executions, start_x)
    result = (
        traverse(
            tx,
            start_artifacts=start_a,
            start_executions=start_x,
            direction=walk_direction,
            max_hops=max_hops,
            ending_artifacts=ending_a,
            ending_executions=ending_x,
            include_ending_artifacts=include_stop,
            include_ending_executions=include_stop,
            as_of=as_of,
            with_events=hydrate or limit is not None or bool(fields),
        )
        if start_a or start_x
        else Traversal()
    )
    kept_a = dict(result.artifacts)
    kept_x = dict(result.executions)
    if as_of is not None:
        created_a = _created_by(tx, "artifact", list(kept_a), as_of) if kept_a else set()
        created_x = _created_by(tx, "execution", list(kept_x), as_of) if kept_x else set()
        kept_a = {k: v for k, v in kept_a.items() if k in created_a}
        kept_x = {k: v for k, v in kept_x.items() if k in created_x}
    if where_artifacts:
        keep = _matching(tx, "artifact", where_artifacts, list(kept_a)) | set(start_a)
        kept_a = {k: v for k, v in kept_a.items() if k in keep}
    if where_executions:
        keep = _matching(tx, "execution", where_executions, list(kept_x)) | set(start_x)
        kept_x = {k: v for k, v in kept_x.items() if k in keep}
    total_a, total_x = len(kept_a), len(kept_x)
    truncated = False
    if limit is not None and total_a + total_x > limit:
        truncated = True
        order = sorted(
            [(d, 0, i) for i, d in kept_a.items()] + [(d, 1, i) for i, d in kept_x.items()],
            key=lambda r: (r[2] not in (start_a if r[1] == 0 else start_x), r[0], r[1], r[2]),
        )[:limit]
        kept_a = {i: d for d, k, i in order if k == 0}
        kept_x = {i: d for d, k, i in order if k == 1}
    events = tuple(e for e in result.events if e[0] in kept_a and e[1] in kept_x)
    stopped = frozenset(
        [f"artifact:{i}" for i in result.ending_artifacts]
        + [f"execution:{i}" for i in result.ending_executions]
    )
    graph = None
    if hydrate:
        graph = assemble(
            tx, Traversal(artifacts=kept_a, executions=kept_x, events=list(events)), fields
        )
    return Walk(
        artifacts=kept_a,
        executions=kept_x,
        events=events,
        graph=graph,
        truncated=truncated,
        total_artifacts=total_a,
        total_executions=total_x,
        start_artifacts=tuple(start_a),
        start_executions=tuple(start_x),
        stopped_at=stopped,
    )
