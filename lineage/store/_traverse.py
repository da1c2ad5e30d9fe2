"""Lineage traversal in one recursive SQL statement.

The walk follows MLMD's direction rules (``LineageSubgraphQueryOptions``):

* DOWNSTREAM: artifact → execution over input-like events (DECLARED_INPUT, INPUT, INTERNAL_INPUT),
  execution → artifact over output-like events (DECLARED_OUTPUT, OUTPUT, INTERNAL_OUTPUT,
  PENDING_OUTPUT);
* UPSTREAM: the reverse; BIDIRECTIONAL: every event both ways (UNKNOWN events only here).

The recursive CTE walks artifacts two hops at a time (artifact → event → execution → event →
artifact), so its recursive term references the CTE once, as PostgreSQL and MySQL require, and
every join is an index lookup on ``Event``. Without a hop limit the CTE carries node ids only
(``UNION`` keeps each node once, so the walk is linear and terminates on cycles); with a hop limit
it carries (id, depth) pairs bounded by the limit, and the minimum depth is kept. The same
statement then derives the executions reached and the candidate events, and returns the three as
one row set; this module applies MLMD's rules for ending nodes and event inclusion to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from lineage.store._backend import Tx

__all__ = ["DOWNSTREAM", "UPSTREAM", "BOTH", "Traversal", "traverse"]

INPUT_TYPES = (2, 3, 5)  # DECLARED_INPUT, INPUT, INTERNAL_INPUT
OUTPUT_TYPES = (1, 4, 6, 7)  # DECLARED_OUTPUT, OUTPUT, INTERNAL_OUTPUT, PENDING_OUTPUT
ALL_TYPES = (0, 1, 2, 3, 4, 5, 6, 7)

#: Hop limits from which ``traverse`` first tries the walk without a limit (see there).
UNLIMITED_FIRST = 32

UPSTREAM = "upstream"
DOWNSTREAM = "downstream"
BOTH = "both"


def edge_types(direction: str) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """(event types followed from an artifact, event types followed from an execution)."""
    if direction == DOWNSTREAM:
        return INPUT_TYPES, OUTPUT_TYPES
    if direction == UPSTREAM:
        return OUTPUT_TYPES, INPUT_TYPES
    return ALL_TYPES, ALL_TYPES


@dataclass
class Traversal:
    """What a walk reached.

    Attributes:
        artifacts: Artifact id → hop distance from the start (ending artifacts included only
            when asked for).
        executions: Execution id → hop distance.
        events: (artifact_id, execution_id, type, milliseconds_since_epoch, event_id) of the
            events the walk crossed, by MLMD's inclusion rules.
        ending_artifacts / ending_executions: Reached nodes that matched a stop condition.
    """

    artifacts: dict[int, int] = field(default_factory=dict)
    executions: dict[int, int] = field(default_factory=dict)
    events: list[tuple[int, int, int, int | None, int]] = field(default_factory=list)
    ending_artifacts: set[int] = field(default_factory=set)
    ending_executions: set[int] = field(default_factory=set)


def _not_in(column: Any, subquery: Any | None) -> Any:
    return sa.true() if subquery is None else column.not_in(subquery)


def _in(column: Any, subquery: Any | None) -> Any:
    return sa.false() if subquery is None else column.in_(subquery)


def _lit(value: int | str) -> Any:
    """A constant of ours rendered into the SQL text (only ints and one-letter tags)."""
    return sa.literal_column(repr(value) if isinstance(value, str) else str(int(value)))


def _types_in(column: Any, types: tuple[int, ...]) -> Any:
    return column.in_([_lit(v) for v in types])


def _statement(
    t: Any,
    *,
    direction: str,
    limited: bool,
    has_a: bool,
    has_x: bool,
    hops_zero: bool,
    as_of: bool,
    with_events: bool,
    ending_a: Any | None,
    ending_x: Any | None,
) -> Any:
    """The walk as one statement returning tagged rows (see ``traverse``).

    Bound parameters: ``start_a`` / ``start_x`` (lists), ``max_hops``, ``as_of``. Everything
    else is structure, so the statement compiles once per shape and is cached.
    """
    from_a, from_x = edge_types(direction)
    ev = t.event

    def time_ok(e: Any) -> Any:
        if not as_of:
            return sa.true()
        ms = e.c.milliseconds_since_epoch
        return sa.or_(ms.is_(None), ms <= sa.bindparam("as_of"))

    seed_parts = []
    if has_a:
        cols = [t.artifact.c.id.label("id")] + ([_lit(0).label("depth")] if limited else [])
        seed_parts.append(
            sa.select(*cols)
            .where(t.artifact.c.id.in_(sa.bindparam("start_a", expanding=True)))
            .where(_not_in(t.artifact.c.id, ending_a))
        )
    if has_x and not (limited and hops_zero):
        e0 = ev.alias("e0")
        cols = [e0.c.artifact_id.label("id")] + ([_lit(1).label("depth")] if limited else [])
        seed_parts.append(
            sa.select(*cols)
            .where(e0.c.execution_id.in_(sa.bindparam("start_x", expanding=True)))
            .where(_types_in(e0.c.type, from_x), time_ok(e0))
            .where(_not_in(e0.c.execution_id, ending_x))
        )
    seed = seed_parts[0] if len(seed_parts) == 1 else sa.union(*seed_parts)
    walk = seed.cte("walk", recursive=True)
    e1, e2 = ev.alias("e1"), ev.alias("e2")
    step_cols: list[Any] = [e2.c.artifact_id]
    if limited:
        step_cols.append(walk.c.depth + _lit(2))
    step = (
        sa.select(*step_cols)
        .select_from(walk)
        .join(e1, e1.c.artifact_id == walk.c.id)
        .join(e2, e2.c.execution_id == e1.c.execution_id)
        .where(_types_in(e1.c.type, from_a), _types_in(e2.c.type, from_x))
        .where(time_ok(e1), time_ok(e2))
        .where(_not_in(walk.c.id, ending_a), _not_in(e1.c.execution_id, ending_x))
    )
    if limited:
        step = step.where(walk.c.depth + _lit(2) <= sa.bindparam("max_hops"))
    walk = walk.union(step)

    if limited:
        reached_a = (
            sa.select(walk.c.id, sa.func.min(walk.c.depth).label("depth"))
            .group_by(walk.c.id)
            .cte("reached_a")
        )
    else:
        reached_a = sa.select(walk.c.id, _lit(0).label("depth")).cte("reached_a")
    # Artifacts the walk expands: reached, not ending, nearer than the hop limit.
    e3 = ev.alias("e3")
    expand_a = [_not_in(reached_a.c.id, ending_a), _types_in(e3.c.type, from_a), time_ok(e3)]
    if limited:
        expand_a.append(reached_a.c.depth < sa.bindparam("max_hops"))
    # Group by an expression, not the bare column: otherwise SQLite's planner prefers scanning
    # all of Event in idx_event_execution_id order (to skip a sort) over probing the reached
    # artifacts, an O(|Event|) plan.
    x_id = e3.c.execution_id + _lit(0)
    # Limited: each execution's least depth; unlimited: every depth is 0, each execution once.
    x_depth = sa.func.min(reached_a.c.depth) + _lit(1) if limited else _lit(0)
    reached_x_select = (
        sa.select(x_id.label("id"), x_depth.label("depth"))
        .select_from(reached_a)
        .join(e3, e3.c.artifact_id == reached_a.c.id)
        .where(*expand_a)
    )
    once = reached_x_select.group_by(x_id) if limited else reached_x_select.distinct()
    reached_x = once.cte("reached_x")
    null = sa.cast(sa.null(), sa.BigInteger())
    zero = sa.cast(_lit(0), sa.BigInteger())
    # Without events the rows are (tag, id, depth); with them, four event columns follow.
    pad = [null, null, null, null] if with_events else []
    parts = [
        sa.select(_lit("a").label("tag"), reached_a.c.id, reached_a.c.depth, *pad),
        sa.select(_lit("x"), reached_x.c.id, reached_x.c.depth, *pad),
    ]
    if with_events:
        # Candidate events: followed from expanded artifacts ...
        e4 = ev.alias("e4")
        cand_a = (
            sa.select(
                _lit("e"),
                e4.c.id,
                zero,
                e4.c.artifact_id,
                e4.c.execution_id,
                e4.c.type,
                e4.c.milliseconds_since_epoch,
            )
            .select_from(reached_a)
            .join(e4, e4.c.artifact_id == reached_a.c.id)
            .where(_not_in(reached_a.c.id, ending_a), _types_in(e4.c.type, from_a), time_ok(e4))
        )
        if limited:
            cand_a = cand_a.where(reached_a.c.depth < sa.bindparam("max_hops"))
        # ... and from expanded executions (reached ones and the start executions).
        e5 = ev.alias("e5")
        x_ids: Any = sa.select(reached_x.c.id).where(_not_in(reached_x.c.id, ending_x))
        if limited:
            x_ids = x_ids.where(reached_x.c.depth < sa.bindparam("max_hops"))
        if has_x:
            x_ids = sa.union(
                x_ids,
                sa.select(t.execution.c.id).where(
                    t.execution.c.id.in_(sa.bindparam("start_x", expanding=True)),
                    _not_in(t.execution.c.id, ending_x),
                ),
            )
        cand_x = sa.select(
            _lit("f"),
            e5.c.id,
            zero,
            e5.c.artifact_id,
            e5.c.execution_id,
            e5.c.type,
            e5.c.milliseconds_since_epoch,
        ).where(e5.c.execution_id.in_(x_ids), _types_in(e5.c.type, from_x), time_ok(e5))
        if limited and hops_zero:
            cand_x = cand_x.where(sa.false())
        parts += [cand_a, cand_x]
    if ending_a is not None:
        parts.append(
            sa.select(_lit("A"), reached_a.c.id, null, *pad).where(_in(reached_a.c.id, ending_a))
        )
    if ending_x is not None:
        parts.append(
            sa.select(_lit("X"), reached_x.c.id, null, *pad).where(_in(reached_x.c.id, ending_x))
        )
    return sa.union_all(*parts)


def traverse(
    tx: Tx,
    *,
    start_artifacts: Sequence[int] = (),
    start_executions: Sequence[int] = (),
    direction: str = BOTH,
    max_hops: int | None = None,
    ending_artifacts: Any | None = None,
    ending_executions: Any | None = None,
    include_ending_artifacts: bool = False,
    include_ending_executions: bool = False,
    as_of: int | None = None,
    with_events: bool = True,
    distances: bool = True,
) -> Traversal:
    """Walk the lineage graph from the start nodes (see the module docstring).

    Args:
        tx: The read transaction.
        start_artifacts: Artifact ids to start from.
        start_executions: Execution ids to start from.
        direction: UPSTREAM, DOWNSTREAM or BOTH.
        max_hops: The most node → event → node hops; None walks to the end.
        ending_artifacts: A SELECT of artifact ids where the walk stops (or None).
        ending_executions: A SELECT of execution ids where the walk stops (or None).
        include_ending_artifacts: Return the ending artifacts reached (and their events).
        include_ending_executions: Return the ending executions reached (and their events).
        as_of: Only events recorded at or before this time (ms since the epoch) are crossed.
        with_events: Also return the events crossed (and hop distances on unlimited walks).
        distances: Compute hop distances on unlimited walks (a breadth-first pass in Python);
            False leaves them 0 (``get_lineage_subgraph`` does not return them).
    """
    limited = max_hops is not None
    hops = int(max_hops) if max_hops is not None else 0
    start_a = sorted({int(i) for i in start_artifacts})
    start_x = sorted({int(i) for i in start_executions})
    ending = (
        ending_artifacts,
        ending_executions,
        include_ending_artifacts,
        include_ending_executions,
    )
    if not start_a and not (start_x and not (limited and hops == 0)):
        result = Traversal()
        _finish_starts(result, start_a, start_x, tx, *ending)
        return result
    if limited and hops >= UNLIMITED_FIRST and with_events:
        # A deep hop limit is usually no limit: walk without one first (node ids only, far fewer
        # rows than the (id, depth) pairs a limited walk carries). When no node lies beyond the
        # limit, the hop distances (a breadth-first pass over the walk's edges) give the limited
        # answer: candidate events from nodes at the limit are dropped, then MLMD's rules apply.
        found = _walk(tx, start_a, start_x, direction, None, as_of, True, *ending)
        depth_a, depth_x = _bfs_depths(found, start_a, start_x)
        if max([*depth_a.values(), *depth_x.values()]) <= hops:
            found.from_artifact = [e for e in found.from_artifact if depth_a[e[0]] < hops]
            found.from_execution = [e for e in found.from_execution if depth_x[e[1]] < hops]
            return _result(found, depth_a, depth_x, direction, limited=True, ending=ending)
    found = _walk(tx, start_a, start_x, direction, max_hops, as_of, with_events, *ending)
    depth_a, depth_x = found.depth_a, found.depth_x
    if not limited and with_events and distances:
        depth_a, depth_x = _bfs_depths(found, start_a, start_x)
    return _result(found, depth_a, depth_x, direction, limited=limited, ending=ending)


@dataclass
class _Found:
    """What the walk statement returned: reached nodes, candidate events and ending nodes."""

    depth_a: dict[int, int]
    depth_x: dict[int, int]
    from_artifact: list[tuple[int, int, int, Any, int]]
    from_execution: list[tuple[int, int, int, Any, int]]
    ending_artifacts: set[int]
    ending_executions: set[int]


def _walk(
    tx: Tx,
    start_a: list[int],
    start_x: list[int],
    direction: str,
    max_hops: int | None,
    as_of: int | None,
    with_events: bool,
    ending_artifacts: Any,
    ending_executions: Any,
    include_a: bool,
    include_x: bool,
) -> _Found:
    """Run the walk statement and sort its tagged rows (start nodes get depth 0)."""
    limited = max_hops is not None
    hops = int(max_hops) if max_hops is not None else 0
    params: dict[str, Any] = {}
    if start_a:
        params["start_a"] = start_a
    if start_x:
        params["start_x"] = start_x
    if as_of is not None:
        params["as_of"] = int(as_of)
    if limited:
        params["max_hops"] = hops
    shape: dict[str, Any] = {
        "direction": direction,
        "limited": limited,
        "has_a": bool(start_a),
        "has_x": bool(start_x),
        "hops_zero": limited and hops == 0,
        "as_of": as_of is not None,
        "with_events": with_events,
    }
    if ending_artifacts is None and ending_executions is None:
        sql = tx.backend.sql(
            ("walk", *shape.values()),
            lambda t: _statement(t, ending_a=None, ending_x=None, **shape),
        )
        # Streamed on SQLite (a downstream walk returns ~10,000 rows); the server drivers hold
        # the whole result client-side anyway, and fetchall reads it faster than row by row.
        cursor = tx.run(sql, params)
        rows = iter(cursor) if tx.dialect == "sqlite" else cursor.fetchall()
    else:
        stmt = _statement(
            tx.backend.tables, ending_a=ending_artifacts, ending_x=ending_executions, **shape
        )
        rows = tx.adhoc(stmt.params(params))

    found = _Found({}, {}, [], [], set(), set())
    depth_a, depth_x = found.depth_a, found.depth_x
    for row in rows:  # (tag, id, depth) and, with events, (artifact, execution, type, ms)
        tag, ident = row[0], int(row[1])
        if tag == "a":
            depth_a[ident] = int(row[2]) if limited else 0
        elif tag == "x":
            depth_x[ident] = int(row[2]) if limited else 0
        elif tag == "e":
            found.from_artifact.append((int(row[3]), int(row[4]), int(row[5]), row[6], ident))
        elif tag == "f":
            found.from_execution.append((int(row[3]), int(row[4]), int(row[5]), row[6], ident))
        elif tag == "A":
            found.ending_artifacts.add(ident)
        else:
            found.ending_executions.add(ident)
    for x in start_x:
        depth_x[x] = 0
    holder = Traversal(
        ending_artifacts=found.ending_artifacts, ending_executions=found.ending_executions
    )
    _finish_starts(
        holder,
        start_a,
        start_x,
        tx,
        ending_artifacts,
        ending_executions,
        include_a,
        include_x,
        depth_a,
        depth_x,
    )
    return found


def _result(
    found: _Found,
    depth_a: dict[int, int],
    depth_x: dict[int, int],
    direction: str,
    *,
    limited: bool,
    ending: tuple[Any, Any, bool, bool],
) -> Traversal:
    """Apply MLMD's rules for ending nodes and events to what the walk found."""
    result = Traversal(
        ending_artifacts=found.ending_artifacts, ending_executions=found.ending_executions
    )
    _apply_rules(
        result,
        depth_a,
        depth_x,
        found.from_artifact,
        found.from_execution,
        ending[2],
        ending[3],
        directional=direction != BOTH,
        limited=limited,
    )
    return result


def _bfs_depths(
    found: _Found, start_a: list[int], start_x: list[int]
) -> tuple[dict[int, int], dict[int, int]]:
    """Hop distances of the reached nodes: a breadth-first pass over the walk's own edges.

    The candidate events are exactly the edges the walk expanded, each from its source node
    (ending nodes are never sources), so this gives the least depth at which the walk reaches
    every node, as the limited statement computes it.
    """
    next_a: dict[int, list[int]] = {}
    next_x: dict[int, list[int]] = {}
    for a, x, _, _, _ in found.from_artifact:
        next_a.setdefault(a, []).append(x)
    for a, x, _, _, _ in found.from_execution:
        next_x.setdefault(x, []).append(a)
    depth_a = dict.fromkeys(start_a, 0)
    depth_x = dict.fromkeys(start_x, 0)
    frontier_a, frontier_x = list(start_a), list(start_x)
    depth = 0
    while frontier_a or frontier_x:
        depth += 1
        new_x: list[int] = []
        for a in frontier_a:
            for x in next_a.get(a, ()):
                if x not in depth_x:
                    depth_x[x] = depth
                    new_x.append(x)
        new_a: list[int] = []
        for x in frontier_x:
            for a in next_x.get(x, ()):
                if a not in depth_a:
                    depth_a[a] = depth
                    new_a.append(a)
        frontier_a, frontier_x = new_a, new_x
    # Reached nodes no edge leads to (only possible when a write races the walk) keep 0.
    for a in found.depth_a:
        depth_a.setdefault(a, 0)
    for x in found.depth_x:
        depth_x.setdefault(x, 0)
    return depth_a, depth_x


def _finish_starts(
    result: Traversal,
    start_a: list[int],
    start_x: list[int],
    tx: Tx,
    ending_artifacts: Any,
    ending_executions: Any,
    include_a: bool,
    include_x: bool,
    depth_a: dict[int, int] | None = None,
    depth_x: dict[int, int] | None = None,
) -> None:
    """Start nodes that match a stop condition are ending nodes (MLMD drops them from the walk)."""
    t = tx.backend.tables
    for ids, kind_table, sub, target in (
        (start_a, t.artifact, ending_artifacts, result.ending_artifacts),
        (start_x, t.execution, ending_executions, result.ending_executions),
    ):
        if ids and sub is not None:
            stmt = sa.select(kind_table.c.id).where(
                kind_table.c.id.in_(ids), kind_table.c.id.in_(sub)
            )
            target.update(int(r[0]) for r in tx.adhoc(stmt))
    if depth_a is None or depth_x is None:
        # No walk ran (hop limit 0 from executions only): the starts alone.
        for a in start_a:
            if a not in result.ending_artifacts or include_a:
                result.artifacts[a] = 0
        for x in start_x:
            if x not in result.ending_executions or include_x:
                result.executions[x] = 0
        return
    for x in result.ending_executions & set(start_x):
        depth_x[x] = 0
    for a in result.ending_artifacts & set(start_a):
        depth_a[a] = 0


def _apply_rules(
    result: Traversal,
    depth_a: dict[int, int],
    depth_x: dict[int, int],
    from_artifact_events: list[tuple[int, int, int, Any, int]],
    from_execution_events: list[tuple[int, int, int, Any, int]],
    include_a: bool,
    include_x: bool,
    *,
    directional: bool,
    limited: bool,
) -> None:
    """Keep the nodes and events MLMD's breadth-first walk would return."""
    end_a, end_x = result.ending_artifacts, result.ending_executions
    if include_a or not end_a:
        result.artifacts.update(depth_a)
    else:
        result.artifacts.update((a, d) for a, d in depth_a.items() if a not in end_a)
    if include_x or not end_x:
        result.executions.update(depth_x)
    else:
        result.executions.update((x, d) for x, d in depth_x.items() if x not in end_x)
    seen: set[int] = set()
    # An event crossed from expanded node u to v is kept when v is new at the next hop, when v is
    # an ending node that is returned, or (directional walks only) when v was reached earlier.
    for events, src_depth, dst_depth, dst_end, include, src_index, dst_index in (
        (from_artifact_events, depth_a, depth_x, end_x, include_x, 0, 1),
        (from_execution_events, depth_x, depth_a, end_a, include_a, 1, 0),
    ):
        for event in events:
            src, dst = event[src_index], event[dst_index]
            if src not in src_depth or dst not in dst_depth and dst not in dst_end:
                continue
            if dst in dst_end:
                keep = include
            elif not limited or dst_depth[dst] == src_depth[src] + 1:
                keep = True
            else:
                keep = directional
            if keep and event[4] not in seen:
                seen.add(event[4])
                result.events.append(event)
