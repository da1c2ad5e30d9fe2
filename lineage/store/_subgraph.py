"""``get_lineage_subgraph``: MLMD's lineage query on the recursive-SQL walk, hydrated in one go."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from lineage.errors import InvalidArgumentError, NotFoundError
from lineage.proto import metadata_store_pb2 as pb
from lineage.store._backend import Tx
from lineage.store._edges import events_from_rows
from lineage.store._kinds import ARTIFACT, CONTEXT, EXECUTION
from lineage.store._nodes import get_nodes_by_ids
from lineage.store._traverse import BOTH, DOWNSTREAM, UPSTREAM, Traversal, traverse
from lineage.store._types import get_types_by_id

__all__ = ["FIELDS", "assemble", "lineage_subgraph"]

FIELDS = (
    "artifact_types",
    "execution_types",
    "context_types",
    "artifacts",
    "executions",
    "contexts",
    "events",
    "attributions",
    "associations",
    "parent_contexts",
)
_DIRECTIONS = {0: BOTH, 1: UPSTREAM, 2: DOWNSTREAM, 3: BOTH}


def _ids_matching(tx: Tx, kind_name: str, query: str) -> Any:
    from lineage.store._filters import filter_node_ids

    return filter_node_ids(query, kind_name, tx.backend.tables).select


def lineage_subgraph(tx: Tx, options: Any, paths: Sequence[str]) -> Any:
    """Run a ``LineageSubgraphQueryOptions`` query and build the ``LineageGraph``."""
    which = options.WhichOneof("starting_nodes")
    if which is None:
        raise InvalidArgumentError("query_options: Missing arguments for listing starting nodes.")
    query = getattr(options, which).filter_query
    if not query:
        raise InvalidArgumentError(
            f"query_options.{which}.filter_query: Cannot list starting nodes if "
            "`filter_query` is unspecified."
        )
    max_hops: int | None = None
    if options.HasField("max_num_hops"):
        max_hops = int(options.max_num_hops)
        if max_hops < 0:
            raise InvalidArgumentError(
                f"max_num_hops cannot be negative: max_num_hops = {max_hops}"
            )
    kind_name = "artifact" if which == "starting_artifacts" else "execution"
    start = [int(r[0]) for r in tx.adhoc(_ids_matching(tx, kind_name, query))]
    if not start:
        raise NotFoundError("Cannot find qualified nodes to start the traversal.")
    ending_a = ending_x = None
    if options.HasField("ending_artifacts") and options.ending_artifacts.filter_query:
        ending_a = _ids_matching(tx, "artifact", options.ending_artifacts.filter_query)
    if options.HasField("ending_executions") and options.ending_executions.filter_query:
        ending_x = _ids_matching(tx, "execution", options.ending_executions.filter_query)
    walk = traverse(
        tx,
        start_artifacts=start if kind_name == "artifact" else (),
        start_executions=start if kind_name == "execution" else (),
        direction=_DIRECTIONS.get(int(options.direction), BOTH),
        max_hops=max_hops,
        ending_artifacts=ending_a,
        ending_executions=ending_x,
        include_ending_artifacts=options.ending_artifacts.include_ending_nodes,
        include_ending_executions=options.ending_executions.include_ending_nodes,
    )
    return assemble(tx, walk, paths)


def assemble(tx: Tx, walk: Traversal, paths: Sequence[str]) -> Any:
    """Hydrate a walk into a ``LineageGraph`` with the fields in ``paths`` (all when empty)."""
    wanted = set(paths) if paths else set(FIELDS)
    graph = pb.LineageGraph()
    artifact_ids = sorted(walk.artifacts)
    execution_ids = sorted(walk.executions)
    artifacts: list[Any] = []
    executions: list[Any] = []
    if wanted & {"artifacts", "artifact_types"}:
        artifacts = get_nodes_by_ids(tx, ARTIFACT, artifact_ids)
        if "artifacts" in wanted:
            graph.artifacts.extend(artifacts)
        if "artifact_types" in wanted:
            graph.artifact_types.extend(
                get_types_by_id(tx, ARTIFACT.types, sorted({a.type_id for a in artifacts}))
            )
    if wanted & {"executions", "execution_types"}:
        executions = get_nodes_by_ids(tx, EXECUTION, execution_ids)
        if "executions" in wanted:
            graph.executions.extend(executions)
        if "execution_types" in wanted:
            graph.execution_types.extend(
                get_types_by_id(tx, EXECUTION.types, sorted({e.type_id for e in executions}))
            )
    if wanted & {"contexts", "context_types"}:
        contexts = get_nodes_by_ids(tx, CONTEXT, _context_ids(tx, artifact_ids, execution_ids))
        if "contexts" in wanted:
            graph.contexts.extend(contexts)
        if "context_types" in wanted:
            graph.context_types.extend(
                get_types_by_id(tx, CONTEXT.types, sorted({c.type_id for c in contexts}))
            )
    if "events" in wanted and walk.events:
        rows = [
            (eid, a, x, etype, ms)
            for a, x, etype, ms, eid in sorted(walk.events, key=lambda e: e[4])
        ]
        graph.events.extend(events_from_rows(tx, rows))
    if "attributions" in wanted:
        for context_id, artifact_id in _links(tx, "attribution", "artifact_id", artifact_ids):
            graph.attributions.add(artifact_id=artifact_id, context_id=context_id)
    if "associations" in wanted:
        for context_id, execution_id in _links(tx, "association", "execution_id", execution_ids):
            graph.associations.add(execution_id=execution_id, context_id=context_id)
    return graph


def _links(tx: Tx, table: str, column: str, ids: list[int]) -> list[tuple[int, int]]:
    if not ids:
        return []
    sql = tx.backend.sql(
        ("links_by_node", table),
        lambda t: (
            sa.select(getattr(t, table).c.context_id, getattr(t, table).c[column])
            .where(getattr(t, table).c[column].in_(sa.bindparam("ids", expanding=True)))
            .order_by(getattr(t, table).c.id)
        ),
    )
    return [(int(c), int(n)) for c, n in tx.rows_chunked(sql, "ids", ids)]


def _context_ids(tx: Tx, artifact_ids: list[int], execution_ids: list[int]) -> list[int]:
    found = {c for c, _ in _links(tx, "attribution", "artifact_id", artifact_ids)}
    found.update(c for c, _ in _links(tx, "association", "execution_id", execution_ids))
    return sorted(found)
