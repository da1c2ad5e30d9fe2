"""The atomic multi-writes: ``put_execution`` and ``put_lineage_subgraph`` (MLMD §6.2)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from lineage.errors import (
    AbortedError,
    AlreadyExistsError,
    InvalidArgumentError,
    NotFoundError,
    OutOfRangeError,
)
from lineage.store._backend import Tx
from lineage.store._edges import existing_ids, link_contexts, put_events
from lineage.store._kinds import ARTIFACT, CONTEXT, EXECUTION
from lineage.store._nodes import TypeInfo, put_nodes
from lineage.store._types import load_type_info

__all__ = ["put_execution", "put_lineage_subgraph"]


def _preload_types(tx: Tx, *groups: Sequence[Any]) -> TypeInfo:
    ids = {
        int(m.type_id) for group in groups for m in group if m is not None and m.HasField("type_id")
    }
    return load_type_info(tx, sorted(ids))


def _reuse_artifacts_by_external_id(tx: Tx, artifacts: list[Any]) -> list[Any]:
    """Turn id-less artifacts with a stored external_id into updates of the stored row."""
    wanted = sorted(
        {
            a.external_id
            for a in artifacts
            if a is not None and not a.HasField("id") and a.external_id
        }
    )
    if not wanted:
        return artifacts
    sql = tx.backend.sql(
        "artifact_ids_by_external_id",
        lambda t: sa.select(t.artifact.c.external_id, t.artifact.c.id).where(
            t.artifact.c.external_id.in_(sa.bindparam("ids", expanding=True))
        ),
    )
    found = dict(tx.rows_chunked(sql, "ids", wanted))
    out = []
    for artifact in artifacts:
        if artifact is not None and not artifact.HasField("id") and artifact.external_id in found:
            copy = type(artifact)()
            copy.CopyFrom(artifact)
            copy.id = int(found[artifact.external_id])
            artifact = copy
        out.append(artifact)
    return out


def _put_artifacts(
    tx: Tx, artifacts: list[Any], types: TypeInfo, reuse_by_external_id: bool
) -> list[int]:
    """Upsert artifacts; with reuse by external id, losing a creation race means retry."""
    try:
        return put_nodes(tx, ARTIFACT, artifacts, types=types)
    except (tx.backend.dbapi.IntegrityError, AlreadyExistsError) as exc:
        if not reuse_by_external_id or "external_id" not in str(exc):
            raise
        # Another writer stored the same external id between our lookup and insert: retry the
        # whole call, which then finds it and updates it (as MLMD's ABORTED does).
        raise AbortedError(f"lost a race creating an artifact, retrying: {exc}") from exc


def _put_contexts(
    tx: Tx,
    contexts: Sequence[Any],
    types: TypeInfo,
    *,
    reuse_if_exists: bool,
    force_reuse: bool,
) -> list[int]:
    """Upsert the contexts of a multi-write with MLMD's reuse rules; ids aligned with the input."""
    ids: list[int | None] = [None] * len(contexts)
    forced = [(i, c) for i, c in enumerate(contexts) if force_reuse and c.HasField("id")]
    if forced:
        present = existing_ids(tx, CONTEXT, [c.id for _, c in forced])
        for i, context in forced:
            if int(context.id) not in present:
                raise NotFoundError(f"Context[{i}].id: no context with id {context.id} exists")
            ids[i] = int(context.id)
    if reuse_if_exists:
        lookups = [
            (i, c)
            for i, c in enumerate(contexts)
            if ids[i] is None and not c.HasField("id") and c.name
        ]
        if lookups:
            sql = tx.backend.sql(
                "context_id_by_type_and_name",
                lambda t: sa.select(t.context.c.id).where(
                    t.context.c.type_id == sa.bindparam("type_id"),
                    t.context.c.name == sa.bindparam("name"),
                ),
            )
            for i, context in lookups:
                found = tx.scalar(sql, {"type_id": int(context.type_id), "name": context.name})
                if found is not None:
                    ids[i] = int(found)
    todo = [(i, c) for i, c in enumerate(contexts) if ids[i] is None]
    if todo:
        try:
            new_ids = put_nodes(tx, CONTEXT, [c for _, c in todo], types=types)
        except (tx.backend.dbapi.IntegrityError, AlreadyExistsError) as exc:
            if not reuse_if_exists:
                raise
            # Another writer created the same context between our lookup and insert: retry the
            # whole call, which then finds and reuses it (MLMD returns ABORTED here too).
            raise AbortedError(f"lost a race creating a context, retrying: {exc}") from exc
        for (i, _), new_id in zip(todo, new_ids, strict=True):
            ids[i] = new_id
    return [int(i) for i in ids if i is not None]


def put_execution(
    tx: Tx,
    execution: Any,
    pairs: Sequence[tuple[Any, Any]],
    contexts: Sequence[Any],
    *,
    reuse_context_if_already_exist: bool,
    reuse_artifact_if_already_exist_by_external_id: bool,
    force_reuse_context: bool,
    force_update_time: bool,
) -> tuple[int, list[int], list[int]]:
    """Write an execution with its artifacts, events and contexts in the caller's transaction."""
    artifacts = [a for a, _ in pairs]
    types = _preload_types(tx, [a for a in artifacts if a is not None], [execution], contexts)
    if reuse_artifact_if_already_exist_by_external_id:
        artifacts = _reuse_artifacts_by_external_id(tx, artifacts)
    present = [a for a in artifacts if a is not None]
    written = iter(
        _put_artifacts(tx, present, types, reuse_artifact_if_already_exist_by_external_id)
    )
    artifact_ids: list[int | None] = [next(written) if a is not None else None for a in artifacts]
    execution_id = put_nodes(
        tx, EXECUTION, [execution], force_update_time=force_update_time, types=types
    )[0]

    events = []
    event_only: list[int] = []
    for i, (_, event) in enumerate(pairs):
        artifact_id = artifact_ids[i]
        if event is None:
            continue
        where = f"artifact_and_events[{i}].event"
        if event.HasField("execution_id") and int(event.execution_id) != execution_id:
            raise InvalidArgumentError(
                f"{where}.execution_id is {event.execution_id} but the execution's id is "
                f"{execution_id}"
            )
        if artifact_id is None:
            if not event.HasField("artifact_id"):
                raise InvalidArgumentError(
                    f"{where}: no artifact is given and the event has no artifact_id"
                )
            artifact_ids[i] = int(event.artifact_id)
            event_only.append(int(event.artifact_id))
        elif event.HasField("artifact_id") and int(event.artifact_id) != artifact_id:
            raise InvalidArgumentError(
                f"{where}.artifact_id is {event.artifact_id} but the paired artifact's id is "
                f"{artifact_id}"
            )
        copy = type(event)()
        copy.CopyFrom(event)
        copy.execution_id = execution_id
        copy.artifact_id = int(artifact_ids[i] or 0)
        events.append(copy)
    if event_only:
        missing = sorted(set(event_only) - existing_ids(tx, ARTIFACT, event_only))
        if missing:
            raise InvalidArgumentError(
                f"Event.artifact_id: no artifact with id {missing[0]} exists"
            )
    put_events(
        tx,
        events,
        check_nodes=False,
        new_executions=() if execution.HasField("id") else (execution_id,),
    )

    context_ids = _put_contexts(
        tx,
        contexts,
        types,
        reuse_if_exists=reuse_context_if_already_exist,
        force_reuse=force_reuse_context,
    )
    linked = [a for a in artifact_ids if a is not None]
    link_contexts(
        tx,
        [(c, a) for c in context_ids for a in linked],
        [(c, execution_id) for c in context_ids],
    )
    return execution_id, [a if a is not None else -1 for a in artifact_ids], context_ids


def put_lineage_subgraph(
    tx: Tx,
    executions: Sequence[Any],
    artifacts: Sequence[Any],
    contexts: Sequence[Any],
    event_edges: Sequence[tuple[int | None, int | None, Any]],
    *,
    reuse_context_if_already_exist: bool,
    reuse_artifact_if_already_exist_by_external_id: bool,
) -> tuple[list[int], list[int], list[int]]:
    """Write executions, artifacts, contexts and the events between them in one transaction."""
    for i, (exec_index, art_index, event) in enumerate(event_edges):
        where = f"event_edges[{i}]"
        if event is None:
            raise InvalidArgumentError(f"{where}: the event is missing")
        for index, items, field, label in (
            (exec_index, executions, "execution_id", "execution"),
            (art_index, artifacts, "artifact_id", "artifact"),
        ):
            if index is None:
                if not event.HasField(field):
                    raise InvalidArgumentError(
                        f"{where}: neither {label}_index nor event.{field} is set"
                    )
                continue
            if index < 0 or index >= len(items):
                raise OutOfRangeError(
                    f"{where}.{label}_index {index} is outside the {len(items)} {label}s given"
                )
            node = items[index]
            if event.HasField(field) and (
                not node.HasField("id") or int(node.id) != int(getattr(event, field))
            ):
                raise InvalidArgumentError(
                    f"{where}: event.{field} {getattr(event, field)} does not match the "
                    f"{label} at index {index}"
                )
    types = _preload_types(tx, executions, artifacts, contexts)
    context_ids = _put_contexts(
        tx, contexts, types, reuse_if_exists=reuse_context_if_already_exist, force_reuse=False
    )
    arts = list(artifacts)
    if reuse_artifact_if_already_exist_by_external_id:
        arts = _reuse_artifacts_by_external_id(tx, arts)
    artifact_ids = _put_artifacts(tx, arts, types, reuse_artifact_if_already_exist_by_external_id)
    execution_ids = put_nodes(tx, EXECUTION, list(executions), types=types)
    link_contexts(
        tx,
        [(c, a) for c in context_ids for a in artifact_ids],
        [(c, e) for c in context_ids for e in execution_ids],
    )
    events = []
    referenced_a: list[int] = []
    referenced_e: list[int] = []
    for exec_index, art_index, event in event_edges:
        copy = type(event)()
        copy.CopyFrom(event)
        if exec_index is not None:
            copy.execution_id = execution_ids[exec_index]
        else:
            referenced_e.append(int(copy.execution_id))
        if art_index is not None:
            copy.artifact_id = artifact_ids[art_index]
        else:
            referenced_a.append(int(copy.artifact_id))
        events.append(copy)
    for kind, ids, label in (
        (ARTIFACT, referenced_a, "artifact_id"),
        (EXECUTION, referenced_e, "execution_id"),
    ):
        missing = sorted(set(ids) - existing_ids(tx, kind, ids))
        if missing:
            raise InvalidArgumentError(f"Event.{label}: no {kind.name} with id {missing[0]} exists")
    created = {i for i, e in zip(execution_ids, executions, strict=True) if not e.HasField("id")}
    put_events(tx, events, check_nodes=False, new_executions=created)
    return execution_ids, artifact_ids, context_ids
