"""``get_lineage_subgraph``: MLMD's lineage query on the recursive-SQL walk, hydrated in one go."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from lineage.errors import InvalidArgumentError, NotFoundError
from lineage.proto import metadata_store_pb2 as pb
from lineage.store._backend import Tx
from lineage.store._edges import path_rows
from lineage.store._kinds import ARTIFACT, CONTEXT, EXECUTION, Kind
from lineage.store._nodes import node_select, props_sql
from lineage.store._traverse import BOTH, DOWNSTREAM, UPSTREAM, Traversal, traverse
from lineage.store._types import get_types_by_id
from lineage.store._wire import NodeEncoder, event_bytes, link_bytes, repeated

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


def _node_rows(tx: Tx, kind: Kind, ids: list[int]) -> tuple[list[Any], list[Any]]:
    """``node_select`` rows (id order) and property rows of these nodes."""
    if not ids:
        return [], []

    def build(t: Any) -> Any:
        node = kind.table(t)
        return (
            node_select(t, kind)
            .where(node.c.id.in_(sa.bindparam("ids", expanding=True)))
            .order_by(node.c.id)
        )

    rows = tx.rows_chunked(tx.backend.sql(("nodes_by_id", kind.name), build), "ids", ids)
    props = tx.rows_chunked(props_sql(tx, kind), "ids", ids)
    return rows, props


_ENCODERS: dict[str, NodeEncoder] = {}


def _encoder(kind: Kind) -> NodeEncoder:
    found = _ENCODERS.get(kind.name)
    if found is None:
        found = _ENCODERS[kind.name] = NodeEncoder(kind)
    return found


def assemble(tx: Tx, walk: Traversal, paths: Sequence[str]) -> Any:
    """Hydrate a walk into a ``LineageGraph`` with the fields in ``paths`` (all when empty).

    The repeated node, event and link fields are written as protobuf wire format and parsed in
    one call (``_wire``); types are few and added as messages.
    """
    wanted = set(paths) if paths else set(FIELDS)
    artifact_ids = sorted(walk.artifacts)
    execution_ids = sorted(walk.executions)
    chunks: list[bytes] = []
    type_lists: list[tuple[str, Any, list[int]]] = []
    for kind, ids, field, types_field in (
        (ARTIFACT, artifact_ids, "artifacts", "artifact_types"),
        (EXECUTION, execution_ids, "executions", "execution_types"),
    ):
        if wanted & {field, types_field}:
            rows, props = _node_rows(tx, kind, ids)
            if field in wanted:
                chunks.append(repeated(field, _encoder(kind).encode(rows, props)))
            if types_field in wanted:
                type_lists.append((types_field, kind.types, sorted({int(r[1]) for r in rows})))
    attributions: list[tuple[int, int]] = []
    associations: list[tuple[int, int]] = []
    if wanted & {"contexts", "context_types", "attributions"}:
        attributions = _links(tx, "attribution", "artifact_id", artifact_ids)
    if wanted & {"contexts", "context_types", "associations"}:
        associations = _links(tx, "association", "execution_id", execution_ids)
    if wanted & {"contexts", "context_types"}:
        context_ids = sorted({c for c, _ in attributions} | {c for c, _ in associations})
        rows, props = _node_rows(tx, CONTEXT, context_ids)
        if "contexts" in wanted:
            chunks.append(repeated("contexts", _encoder(CONTEXT).encode(rows, props)))
        if "context_types" in wanted:
            type_lists.append(("context_types", CONTEXT.types, sorted({int(r[1]) for r in rows})))
    if "events" in wanted and walk.events:
        rows = [
            (eid, a, x, etype, ms)
            for a, x, etype, ms, eid in sorted(walk.events, key=lambda e: e[4])
        ]
        chunks.append(repeated("events", event_bytes(rows, path_rows(tx, [r[0] for r in rows]))))
    if "attributions" in wanted:
        chunks.append(
            repeated("attributions", link_bytes(pb.Attribution, "artifact_id", attributions))
        )
    if "associations" in wanted:
        chunks.append(
            repeated("associations", link_bytes(pb.Association, "execution_id", associations))
        )
    graph = pb.LineageGraph.FromString(b"".join(chunks))
    for types_field, type_kind, type_ids in type_lists:
        getattr(graph, types_field).extend(get_types_by_id(tx, type_kind, type_ids))
    return graph


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
