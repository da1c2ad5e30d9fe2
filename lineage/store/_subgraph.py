"""``get_lineage_subgraph``: MLMD's lineage query on the recursive-SQL walk, hydrated in one go."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import sqlalchemy as sa

from lineage.errors import InvalidArgumentError, NotFoundError
from lineage.proto import metadata_store_pb2 as pb
from lineage.store._backend import Tx
from lineage.store._edges import events_from_rows
from lineage.store._kinds import ARTIFACT, CONTEXT, EXECUTION, Kind
from lineage.store._nodes import build_nodes, node_select, props_sql
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
    start = [
        int(r[0])
        for r in tx.adhoc_cached(
            ("lineage_start", kind_name, query), lambda: _ids_matching(tx, kind_name, query)
        )
    ]
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
        distances=False,
    )
    return assemble(tx, walk, paths)


def _node_rows(
    tx: Tx, kind: Kind, ids: list[int], with_props: bool
) -> tuple[list[Any], Iterator[Any]]:
    """``node_select`` rows (id order) and, when asked, a stream of their property rows.

    Consume the stream before the next statement (see ``Tx.iter_chunked``).
    """
    if not ids:
        return [], iter(())

    def build(t: Any) -> Any:
        node = kind.table(t)
        return (
            node_select(t, kind)
            .where(node.c.id.in_(sa.bindparam("ids", expanding=True)))
            .order_by(node.c.id)
        )

    rows = tx.rows_chunked(tx.backend.sql(("nodes_by_id", kind.name), build), "ids", ids)
    props = tx.iter_chunked(props_sql(tx, kind), "ids", ids) if with_props else iter(())
    return rows, props


def assemble(tx: Tx, walk: Traversal, paths: Sequence[str]) -> Any:
    """Hydrate a walk into a ``LineageGraph`` with the fields in ``paths`` (all when empty).

    Every message is created in place in its repeated field (``add`` with keyword arguments),
    never built apart and copied in.
    """
    wanted = set(paths) if paths else set(FIELDS)
    graph = pb.LineageGraph()
    artifact_ids = sorted(walk.artifacts)
    execution_ids = sorted(walk.executions)
    for kind, ids, field, types_field in (
        (ARTIFACT, artifact_ids, "artifacts", "artifact_types"),
        (EXECUTION, execution_ids, "executions", "execution_types"),
    ):
        if wanted & {field, types_field}:
            rows, props = _node_rows(tx, kind, ids, field in wanted)
            if field in wanted:
                build_nodes(kind, rows, props, getattr(graph, field).add)
            if types_field in wanted:
                _add_types(tx, graph, types_field, kind, rows)
    attributions: list[tuple[int, int]] = []
    associations: list[tuple[int, int]] = []
    if wanted & {"contexts", "context_types", "attributions"}:
        attributions = _links(tx, "attribution", "artifact_id", artifact_ids)
    if wanted & {"contexts", "context_types", "associations"}:
        associations = _links(tx, "association", "execution_id", execution_ids)
    if wanted & {"contexts", "context_types"}:
        context_ids = sorted({c for c, _ in attributions} | {c for c, _ in associations})
        rows, props = _node_rows(tx, CONTEXT, context_ids, "contexts" in wanted)
        if "contexts" in wanted:
            build_nodes(CONTEXT, rows, props, graph.contexts.add)
        if "context_types" in wanted:
            _add_types(tx, graph, "context_types", CONTEXT, rows)
    if "events" in wanted and walk.events:
        rows = [
            (eid, a, x, etype, ms)
            for a, x, etype, ms, eid in sorted(walk.events, key=lambda e: e[4])
        ]
        events_from_rows(tx, rows, graph.events.add, collect=False)
    if "attributions" in wanted:
        add = graph.attributions.add
        for context_id, artifact_id in attributions:
            add(artifact_id=artifact_id, context_id=context_id)
    if "associations" in wanted:
        add_association = graph.associations.add
        for context_id, execution_id in associations:
            add_association(execution_id=execution_id, context_id=context_id)
    return graph


def _add_types(tx: Tx, graph: Any, field: str, kind: Kind, rows: Sequence[Any]) -> None:
    type_ids = sorted({int(r[1]) for r in rows})
    getattr(graph, field).extend(get_types_by_id(tx, kind.types, type_ids))


def _links(tx: Tx, table: str, column: str, ids: list[int]) -> list[tuple[int, int]]:
    """(context_id, node_id) links of these nodes, in link id order.

    MLMD's schema has no index on Attribution.artifact_id / Association.execution_id, so every
    statement scans the table; ``rows_chunked`` keeps the statements few (one on SQLite).
    """
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
