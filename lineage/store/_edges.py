"""Events (with paths), attributions, associations and parent contexts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from lineage.errors import AlreadyExistsError, InvalidArgumentError, NotFoundError
from lineage.proto import metadata_store_pb2 as pb
from lineage.store._backend import Tx
from lineage.store._convert import now_ms
from lineage.store._kinds import ARTIFACT, CONTEXT, EXECUTION, Kind
from lineage.store._limits import check_step_key
from lineage.store._nodes import insert_many, node_select, read_nodes

__all__ = [
    "existing_ids",
    "get_children_contexts",
    "get_contexts_of",
    "get_events",
    "get_parent_contexts",
    "path_rows",
    "put_attributions_and_associations",
    "put_events",
    "put_parent_contexts",
]


def _event_type_name(value: int) -> str:
    return pb.Event.Type.Name(value)  # type: ignore[arg-type]


def existing_ids(tx: Tx, kind: Kind, ids: Sequence[int]) -> set[int]:
    """The subset of ``ids`` that name stored nodes of ``kind``."""
    if not ids:
        return set()

    def build(t: Any) -> Any:
        node = kind.table(t)
        return sa.select(node.c.id).where(node.c.id.in_(sa.bindparam("ids", expanding=True)))

    sql = tx.backend.sql(("existing_ids", kind.name), build)
    return {int(r[0]) for r in tx.rows_chunked(sql, "ids", sorted({int(i) for i in ids}))}


def _require(tx: Tx, kind: Kind, ids: Sequence[int], what: str) -> None:
    missing = sorted({int(i) for i in ids} - existing_ids(tx, kind, ids))
    if missing:
        raise InvalidArgumentError(f"{what}: no {kind.name} with id {missing[0]} exists")


# --------------------------------------------------------------------------- events
def put_events(
    tx: Tx, events: Sequence[Any], *, check_nodes: bool = True, new_executions: Collection[int] = ()
) -> None:
    """Insert events with their paths (insert only: a duplicate raises AlreadyExistsError).

    ``new_executions`` are executions created in this transaction: they have no stored events,
    so the duplicate check skips the database for them.
    """
    if not events:
        return
    seen: set[tuple[int, int, int]] = set()
    for i, event in enumerate(events):
        where = f"Event[{i}]"
        if not event.HasField("artifact_id"):
            raise InvalidArgumentError(f"{where}.artifact_id: the event has no artifact id")
        if not event.HasField("execution_id"):
            raise InvalidArgumentError(f"{where}.execution_id: the event has no execution id")
        if not event.HasField("type"):
            raise InvalidArgumentError(f"{where}.type: the event has no type")
        key = (int(event.artifact_id), int(event.execution_id), int(event.type))
        if key in seen:
            raise AlreadyExistsError(
                f"{where}: the event (artifact {key[0]}, execution {key[1]}, type "
                f"{_event_type_name(key[2])}) appears twice in one request"
            )
        seen.add(key)
        for j, step in enumerate(event.path.steps):
            if not step.HasField("index"):
                check_step_key(step.key, i, j, tx.dialect, tx.backend._utf8_over_latin1)
    if check_nodes:
        _require(tx, ARTIFACT, [e.artifact_id for e in events], "Event.artifact_id")
        _require(tx, EXECUTION, [e.execution_id for e in events], "Event.execution_id")
    _refuse_existing_events(tx, {k for k in seen if k[1] not in new_executions})
    now = now_ms()
    rows = [
        {
            "artifact_id": int(e.artifact_id),
            "execution_id": int(e.execution_id),
            "type": int(e.type),
            "milliseconds_since_epoch": int(e.milliseconds_since_epoch)
            if e.HasField("milliseconds_since_epoch")
            else now,
        }
        for e in events
    ]
    ids = insert_many(tx, "event", lambda t: t.event, rows)
    steps = []
    for event_id, event in zip(ids, events, strict=True):
        for step in event.path.steps:
            if step.HasField("index"):
                steps.append(
                    {"eid": event_id, "is_index": True, "idx": int(step.index), "key": None}
                )
            else:
                steps.append({"eid": event_id, "is_index": False, "idx": None, "key": step.key})
    if steps:
        sql = tx.backend.sql(
            "insert_event_path",
            lambda t: sa.insert(t.event_path).values(
                event_id=sa.bindparam("eid"),
                is_index_step=sa.bindparam("is_index"),
                step_index=sa.bindparam("idx"),
                step_key=sa.bindparam("key"),
            ),
        )
        tx.many(sql, steps)


def _refuse_existing_events(tx: Tx, keys: set[tuple[int, int, int]]) -> None:
    if not keys:
        return
    executions = sorted({k[1] for k in keys})
    sql = tx.backend.sql(
        "event_keys_by_execution",
        lambda t: sa.select(t.event.c.artifact_id, t.event.c.execution_id, t.event.c.type).where(
            t.event.c.execution_id.in_(sa.bindparam("ids", expanding=True))
        ),
    )
    for row in tx.rows_chunked(sql, "ids", executions):
        key = (int(row[0]), int(row[1]), int(row[2]))
        if key in keys:
            raise AlreadyExistsError(
                f"Event (artifact {key[0]}, execution {key[1]}, type {_event_type_name(key[2])}) "
                "already exists; events are insert-only"
            )


_EVENT_ORDER = {
    "execution_id": ("execution_id", "id"),
    "artifact_id": ("artifact_id", "execution_id", "type"),
}


def get_events(tx: Tx, by: str, ids: Sequence[int]) -> list[Any]:
    """Events whose ``by`` column ('artifact_id' or 'execution_id') is in ``ids``, with paths.

    One statement: each event joined to its path steps, so a call is one round trip and one
    scan of the ids (ml-metadata sends two).
    """
    if not ids:
        return []
    dialect = tx.dialect

    def build(t: Any) -> Any:
        e, p = t.event, t.event_path
        stmt = (
            sa.select(
                e.c.id,
                e.c.artifact_id,
                e.c.execution_id,
                e.c.type,
                e.c.milliseconds_since_epoch,
                p.c.is_index_step,
                p.c.step_index,
                p.c.step_key,
            )
            .select_from(e.outerjoin(p, p.c.event_id == e.c.id))
            .where(e.c[by].in_(sa.bindparam("ids", expanding=True)))
        )
        if dialect == "mysql":
            # No stored step order to name: InnoDB reads one event's steps through the
            # event_id index in row-id order; the events are put in order below (stable).
            return stmt
        # ml-metadata's order: the index it reads (execution id, event id) or
        # UNIQUE(artifact_id, execution_id, type); then each event's steps as stored.
        return stmt.order_by(*(e.c[name] for name in _EVENT_ORDER[by]), _row_order(dialect, p))

    rows = tx.rows_chunked(
        tx.backend.sql(("events_with_paths_by", by), build), "ids", sorted({int(i) for i in ids})
    )
    if dialect == "mysql":
        key = (lambda r: (r[2], r[0])) if by == "execution_id" else (lambda r: (r[1], r[2], r[3]))
        rows.sort(key=key)
    return _events_from_joined(rows)


def _row_order(dialect: str, table: sa.Table) -> Any:
    return sa.literal_column(f"{table.name}.{'rowid' if dialect == 'sqlite' else 'ctid'}")


def _events_from_joined(rows: Sequence[Any]) -> list[Any]:
    """Event protos from (event columns..., is_index, index, key) rows, an event's rows adjacent."""
    out: list[Any] = []
    make = pb.Event
    append = out.append
    path_of = _PathCache()
    current = -1
    kw: dict[str, Any] = {}
    steps: list[tuple[Any, Any, Any]] = []
    for event_id, artifact_id, execution_id, etype, ms, is_index, index, key in rows:
        if event_id != current:
            if current != -1:
                if steps:
                    kw["path"] = path_of(steps)
                append(make(**kw))
            current = event_id
            kw = {"artifact_id": artifact_id, "execution_id": execution_id, "type": etype}
            if ms is not None:
                kw["milliseconds_since_epoch"] = ms
            steps = []
        if is_index is not None:
            steps.append((is_index, index, key))
    if current != -1:
        if steps:
            kw["path"] = path_of(steps)
        append(make(**kw))
    return out


#: Most distinct paths ``_PathCache`` keeps (the rest are built each time, so memory is bounded).
_PATHS_KEPT = 1024


class _PathCache:
    """One ``Event.Path`` message per distinct list of steps, for the events of one read.

    Paths repeat (a pipeline's events mostly carry the same few, such as ``["examples", 0]``):
    handing the message a built path copies it in C, several times faster than converting
    the steps from Python values for every event.
    """

    __slots__ = ("_paths",)

    def __init__(self) -> None:
        self._paths: dict[tuple[tuple[Any, Any, Any], ...], Any] = {}

    def __call__(self, steps: Sequence[tuple[Any, Any, Any]]) -> Any:
        found = tuple(steps)
        path = self._paths.get(found)
        if path is None:
            made: list[Any] = [
                {"index": int(index)} if is_index else {"key": key if key is not None else ""}
                for is_index, index, key in found
            ]
            path = pb.Event.Path(steps=made)
            if len(self._paths) < _PATHS_KEPT:
                self._paths[found] = path
        return path


def events_from_rows(
    tx: Tx, rows: Sequence[Any], make: Any = pb.Event, collect: bool = True
) -> list[Any]:
    """Build Event protos from (id, artifact_id, execution_id, type, ms) rows, with their paths.

    ``make`` creates one message from keyword arguments (the class, or a repeated field's
    ``add`` to build in place); each event is made in one call, path included. Returns the
    messages, or nothing when ``collect`` is False (a caller building in place needs no list).
    """
    if not rows:
        return []
    # Steps are kept as (is_index, index, key) tuples until their event is made: a dict per
    # step held for every event of a big walk was most of its peak memory.
    steps: dict[int, list[tuple[Any, Any, Any]]] = {}
    for event_id, is_index, index, key in path_rows(tx, [r[0] for r in rows]):
        found = steps.get(event_id)
        if found is None:
            steps[event_id] = [(is_index, index, key)]
        else:
            found.append((is_index, index, key))
    out = []
    pop = steps.pop
    path_of = _PathCache()
    for event_id, artifact_id, execution_id, etype, ms in rows:
        kw = {"artifact_id": artifact_id, "execution_id": execution_id, "type": etype}
        if ms is not None:
            kw["milliseconds_since_epoch"] = ms
        path = pop(event_id, None)
        if path is not None:
            kw["path"] = path_of(path)
        made = make(**kw)
        if collect:
            out.append(made)
    return out


def path_rows(tx: Tx, event_ids: list[int]) -> Iterable[Any]:
    """EventPath rows in insertion order per event (the table has no ordinal column).

    A stream on SQLite and PostgreSQL: consume it before the next statement.
    """
    dialect = tx.dialect

    def build(t: Any) -> Any:
        p = t.event_path
        stmt = sa.select(p.c.event_id, p.c.is_index_step, p.c.step_index, p.c.step_key).where(
            p.c.event_id.in_(sa.bindparam("ids", expanding=True))
        )
        if dialect == "sqlite":
            return stmt.order_by(p.c.event_id, sa.literal_column("rowid"))
        if dialect == "postgresql":
            return stmt.order_by(p.c.event_id, sa.literal_column("ctid"))
        return stmt  # InnoDB returns rows of one event in their hidden row-id order

    sql = tx.backend.sql("event_paths", build)
    if dialect == "mysql":
        rows = tx.rows_chunked(sql, "ids", event_ids)
        rows.sort(key=lambda r: r[0])  # stable: keeps each event's steps in stored order
        return rows
    return tx.iter_chunked(sql, "ids", event_ids)


# --------------------------------------------------------------------------- contexts
def put_attributions_and_associations(
    tx: Tx, attributions: Sequence[Any], associations: Sequence[Any]
) -> None:
    """Link artifacts and executions to contexts; existing links are left as they are."""
    for name, items, node_field, kind in (
        ("Attribution", attributions, "artifact_id", ARTIFACT),
        ("Association", associations, "execution_id", EXECUTION),
    ):
        if not items:
            continue
        for i, item in enumerate(items):
            for f in ("context_id", node_field):
                if not item.HasField(f):
                    raise InvalidArgumentError(f"{name}[{i}].{f} is not set")
        _require(tx, CONTEXT, [x.context_id for x in items], f"{name}.context_id")
        _require(tx, kind, [getattr(x, node_field) for x in items], f"{name}.{node_field}")
    link_contexts(
        tx,
        [(int(a.context_id), int(a.artifact_id)) for a in attributions],
        [(int(a.context_id), int(a.execution_id)) for a in associations],
    )


def link_contexts(
    tx: Tx, attributions: Sequence[tuple[int, int]], associations: Sequence[tuple[int, int]]
) -> None:
    """Insert (context, artifact) and (context, execution) pairs, ignoring existing ones."""
    for table_name, node_col, pairs in (
        ("attribution", "artifact_id", attributions),
        ("association", "execution_id", associations),
    ):
        unique = sorted(set(pairs))
        if not unique:
            continue

        def build(t: Any, n: str = table_name, c: str = node_col) -> Any:
            return _insert_ignore(tx, getattr(t, n), c)

        sql = tx.backend.sql(("link", table_name), build)
        tx.many(sql, ({"cid": c, "nid": n} for c, n in unique))


def _insert_ignore(tx: Tx, table: sa.Table, node_col: str) -> Any:
    values: dict[str, Any] = {"context_id": sa.bindparam("cid"), node_col: sa.bindparam("nid")}
    if tx.dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(table).values(values).on_conflict_do_nothing()
    prefix = "OR IGNORE" if tx.dialect == "sqlite" else "IGNORE"
    return sa.insert(table).values(values).prefix_with(prefix)


def get_contexts_of(tx: Tx, kind: Kind, node_id: int) -> list[Any]:
    """Contexts an artifact is attributed to / an execution is associated with.

    Raises:
        NotFoundError: There are none (MLMD's behaviour, even for an existing node).
    """
    link, col = (
        ("attribution", "artifact_id") if kind is ARTIFACT else ("association", "execution_id")
    )

    def build(t: Any) -> Any:
        lt = getattr(t, link)
        sub = sa.select(lt.c.context_id).where(lt.c[col] == sa.bindparam("nid"))
        return node_select(t, CONTEXT).where(t.context.c.id.in_(sub)).order_by(t.context.c.id)

    rows = tx.rows(tx.backend.sql(("contexts_of", kind.name), build), {"nid": int(node_id)})
    if not rows:
        raise NotFoundError(f"No contexts found for {kind.name} id {node_id}")
    return read_nodes(tx, CONTEXT, rows)


def put_parent_contexts(tx: Tx, links: Sequence[Any]) -> None:
    """Insert (child, parent) context links; refuse duplicates, self-links and cycles."""
    if not links:
        return
    pairs: list[tuple[int, int]] = []
    for i, link in enumerate(links):
        where = f"ParentContext[{i}]"
        if not link.HasField("child_id") or not link.HasField("parent_id"):
            raise InvalidArgumentError(f"{where}: child_id and parent_id must both be set")
        child, parent = int(link.child_id), int(link.parent_id)
        if child == parent:
            raise InvalidArgumentError(f"{where}: a context cannot be its own parent (id {child})")
        pairs.append((child, parent))
    _require(tx, CONTEXT, [c for pair in pairs for c in pair], "ParentContext")
    existing = _parent_pairs(tx, sorted({c for c, _ in pairs}))
    for child, parent in pairs:
        if (child, parent) in existing:
            raise AlreadyExistsError(
                f"ParentContext (child {child}, parent {parent}) already exists"
            )
    graph: dict[int, set[int]] = defaultdict(set)  # child -> parents, including the new links
    for child, parent in pairs:
        if child in _ancestors(tx, parent, graph):
            raise InvalidArgumentError(
                f"There is a cycle detected: context {child} is already an ancestor of "
                f"context {parent}"
            )
        graph[child].add(parent)
        existing.add((child, parent))
    sql = tx.backend.sql(
        "insert_parent_context",
        lambda t: sa.insert(t.parent_context).values(
            context_id=sa.bindparam("child"), parent_context_id=sa.bindparam("parent")
        ),
    )
    tx.many(sql, ({"child": c, "parent": p} for c, p in pairs))


def _parent_pairs(tx: Tx, children: list[int]) -> set[tuple[int, int]]:
    sql = tx.backend.sql(
        "parent_pairs",
        lambda t: sa.select(
            t.parent_context.c.context_id, t.parent_context.c.parent_context_id
        ).where(t.parent_context.c.context_id.in_(sa.bindparam("ids", expanding=True))),
    )
    return {(int(c), int(p)) for c, p in tx.rows_chunked(sql, "ids", children)}


def _ancestors(tx: Tx, start: int, pending: dict[int, set[int]]) -> set[int]:
    """Every ancestor of ``start`` (stored links plus ``pending`` ones), one recursive query."""

    def build(t: Any) -> Any:
        pc = t.parent_context
        seed = sa.select(pc.c.parent_context_id.label("id")).where(
            pc.c.context_id == sa.bindparam("start")
        )
        cte = seed.cte("ancestors", recursive=True)
        step = sa.select(pc.c.parent_context_id).join(cte, pc.c.context_id == cte.c.id)
        cte = cte.union(step)
        return sa.select(cte.c.id)

    found: set[int] = set()
    expanded: set[int] = set()
    frontier = [start]
    sql = tx.backend.sql("context_ancestors", build)
    while frontier:
        node = frontier.pop()
        if node in expanded:
            continue
        expanded.add(node)
        found.update(int(r[0]) for r in tx.rows(sql, {"start": node}))
        for parent in pending.get(node, ()):
            found.add(parent)
            frontier.append(parent)
        frontier.extend(n for n in found if n in pending and n not in expanded)
    return found


def get_parent_contexts(tx: Tx, child_ids: Sequence[int]) -> dict[int, list[Any]]:
    """Parents of each context id."""
    return _related(tx, child_ids, "context_id", "parent_context_id")


def get_children_contexts(tx: Tx, parent_ids: Sequence[int]) -> dict[int, list[Any]]:
    """Children of each context id."""
    return _related(tx, parent_ids, "parent_context_id", "context_id")


def _related(tx: Tx, ids: Sequence[int], by: str, other: str) -> dict[int, list[Any]]:
    if not ids:
        return {}
    sql = tx.backend.sql(
        ("related_contexts", by),
        lambda t: sa.select(t.parent_context.c[by], t.parent_context.c[other]).where(
            t.parent_context.c[by].in_(sa.bindparam("ids", expanding=True))
        ),
    )
    links = tx.rows_chunked(sql, "ids", sorted({int(i) for i in ids}))

    def nodes(t: Any) -> Any:
        return (
            node_select(t, CONTEXT)
            .where(t.context.c.id.in_(sa.bindparam("ids", expanding=True)))
            .order_by(t.context.c.id)
        )

    wanted = sorted({int(o) for _, o in links})
    contexts = (
        {
            c.id: c
            for c in read_nodes(
                tx,
                CONTEXT,
                tx.rows_chunked(tx.backend.sql("contexts_by_id_plain", nodes), "ids", wanted),
            )
        }
        if wanted
        else {}
    )
    out: dict[int, list[Any]] = {int(i): [] for i in ids}
    for key, other_id in sorted(links, key=lambda r: (r[0], r[1])):
        if other_id in contexts:
            out[int(key)].append(contexts[other_id])
    return out
