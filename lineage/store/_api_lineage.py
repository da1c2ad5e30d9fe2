"""``MetadataStore`` methods for events, multi-writes, contexts and lineage walks."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from lineage.proto import metadata_store_pb2 as pb
from lineage.store import _edges, _writes
from lineage.store._api_common import ExtraOptions, StoreBase, as_ints, as_message, as_messages
from lineage.store._kinds import ARTIFACT, EXECUTION
from lineage.store._listing import ListOptions, OrderByField
from lineage.store._subgraph import lineage_subgraph
from lineage.store._walk import Walk, run_walk

__all__ = ["LineageMethods"]


class LineageMethods(StoreBase):
    """Events, ``put_execution``, ``put_lineage_subgraph``, contexts and lineage queries."""

    def put_events(self, events: Sequence[Any], extra_options: ExtraOptions | None = None) -> None:
        """Insert events (insert only).

        Raises:
            InvalidArgumentError: An event without artifact id, execution id or type, or one that
                points to a missing node.
            AlreadyExistsError: An event with the same (artifact, execution, type) exists.
        """
        messages = as_messages(events, pb.Event, "events")
        self._write(lambda tx: _edges.put_events(tx, messages))

    def put_execution(
        self,
        execution: Any,
        artifact_and_events: Sequence[tuple[Any, ...]],
        contexts: Sequence[Any] | None,
        reuse_context_if_already_exist: bool = False,
        reuse_artifact_if_already_exist_by_external_id: bool = False,
        force_reuse_context: bool = False,
        force_update_time: bool = False,
        extra_options: ExtraOptions | None = None,
    ) -> tuple[int, list[int], list[int]]:
        """Write an execution with its artifacts, events and contexts atomically.

        Returns:
            (execution id, artifact ids aligned with ``artifact_and_events`` (-1 for a pair
            without artifact or event artifact id), context ids aligned with ``contexts``).
        """
        message = as_message(execution, pb.Execution, "execution")
        pairs: list[tuple[Any, Any]] = []
        for i, pair in enumerate(artifact_and_events or ()):
            if not pair:
                continue
            artifact = pair[0]
            event = pair[1] if len(pair) == 2 else None
            if artifact is not None:
                as_message(artifact, pb.Artifact, f"artifact_and_events[{i}][0]")
            if event is not None:
                as_message(event, pb.Event, f"artifact_and_events[{i}][1]")
            pairs.append((artifact, event))
        context_list = as_messages(contexts or (), pb.Context, "contexts")
        return self._write(
            lambda tx: _writes.put_execution(
                tx,
                message,
                pairs,
                context_list,
                reuse_context_if_already_exist=reuse_context_if_already_exist,
                reuse_artifact_if_already_exist_by_external_id=reuse_artifact_if_already_exist_by_external_id,
                force_reuse_context=force_reuse_context,
                force_update_time=force_update_time,
            )
        )

    def put_lineage_subgraph(
        self,
        executions: Sequence[Any],
        artifacts: Sequence[Any],
        contexts: Sequence[Any],
        event_edges: Sequence[tuple[int | None, int | None, Any]],
        reuse_context_if_already_exist: bool = False,
        reuse_artifact_if_already_exist_by_external_id: bool = False,
        extra_options: ExtraOptions | None = None,
    ) -> tuple[list[int], list[int], list[int]]:
        """Write executions, artifacts, contexts and their events atomically.

        Every context is associated with every execution and attributed to every artifact.

        Returns:
            The execution, artifact and context ids, aligned with the inputs.
        """
        execs = as_messages(executions, pb.Execution, "executions")
        arts = as_messages(artifacts, pb.Artifact, "artifacts")
        ctxs = as_messages(contexts, pb.Context, "contexts")
        edges = []
        for i, edge in enumerate(event_edges):
            exec_index, art_index, event = edge
            if event is not None:
                as_message(event, pb.Event, f"event_edges[{i}][2]")
            edges.append((exec_index, art_index, event))
        return self._write(
            lambda tx: _writes.put_lineage_subgraph(
                tx,
                execs,
                arts,
                ctxs,
                edges,
                reuse_context_if_already_exist=reuse_context_if_already_exist,
                reuse_artifact_if_already_exist_by_external_id=reuse_artifact_if_already_exist_by_external_id,
            )
        )

    def get_lineage_subgraph(
        self,
        query_options: Any,
        field_mask_paths: Sequence[str] | None = None,
        extra_options: ExtraOptions | None = None,
    ) -> Any:
        """The lineage subgraph around the nodes that ``query_options`` selects.

        MLMD's semantics (direction, ending nodes, field masks), walked in one recursive SQL
        statement. Unlike ml-metadata, the walk is not silently cut at 100 hops or 101 starting
        nodes: an unset ``max_num_hops`` walks to the end.

        Raises:
            InvalidArgumentError: No starting nodes, an empty filter, or negative max_num_hops.
            NotFoundError: The starting filter matches nothing.
        """
        options = as_message(query_options, pb.LineageSubgraphQueryOptions, "query_options")
        paths = [str(p) for p in field_mask_paths or ()]
        return self._read(lambda tx: lineage_subgraph(tx, options, paths))

    def walk(
        self,
        artifacts: Iterable[int] = (),
        executions: Iterable[int] = (),
        *,
        direction: str = "upstream",
        max_hops: int | None = None,
        stop_artifacts: Any = None,
        stop_executions: Any = None,
        include_stop: bool = True,
        where_artifacts: Any = None,
        where_executions: Any = None,
        as_of: int | None = None,
        limit: int | None = None,
        hydrate: bool = True,
        fields: Sequence[str] = (),
    ) -> Walk:
        """Walk the lineage graph from artifacts and/or executions (beyond MLMD).

        One recursive SQL statement, then one batched fetch of what is kept.

        Args:
            artifacts: Artifact ids to start from.
            executions: Execution ids to start from.
            direction: 'upstream' (what produced it), 'downstream' (what it produced) or 'both',
                with MLMD's event-type rules.
            max_hops: The most node → event → node hops; None walks to the end.
            stop_artifacts: A filter query (text or parsed); matching artifacts end the walk
                (the start nodes themselves are always walked from).
            stop_executions: The same for executions.
            include_stop: Keep the nodes where the walk stopped in the result.
            where_artifacts: A filter query; only matching artifacts are returned (the walk still
                passes through the others). Start nodes are always returned.
            where_executions: The same for executions.
            as_of: Milliseconds since the epoch: the graph as it was then (events recorded and
                nodes created up to that time).
            limit: The most nodes to return; nearer nodes win and ``truncated`` says so.
            hydrate: Build ``Walk.graph`` (nodes, properties, types, contexts, events with
                paths); False returns the ids and nothing else (hop distances only when
                ``max_hops`` or ``limit`` is given: an unbounded ids-only walk skips them).
            fields: LineageGraph fields to hydrate (all when empty).

        Raises:
            InvalidArgumentError: No start node, an unknown direction, a negative hop limit, a
                malformed filter.
        """
        start_a = as_ints(artifacts, "artifacts")
        start_x = as_ints(executions, "executions")
        return self._read(
            lambda tx: run_walk(
                tx,
                artifacts=start_a,
                executions=start_x,
                direction=direction,
                max_hops=max_hops,
                stop_artifacts=stop_artifacts,
                stop_executions=stop_executions,
                include_stop=include_stop,
                where_artifacts=where_artifacts,
                where_executions=where_executions,
                as_of=as_of,
                limit=limit,
                hydrate=hydrate,
                fields=[str(f) for f in fields],
            )
        )

    def put_attributions_and_associations(
        self,
        attributions: Sequence[Any],
        associations: Sequence[Any],
        extra_options: ExtraOptions | None = None,
    ) -> None:
        """Link artifacts and executions to contexts; existing links stay as they are."""
        attrs = as_messages(attributions, pb.Attribution, "attributions")
        assocs = as_messages(associations, pb.Association, "associations")
        self._write(lambda tx: _edges.put_attributions_and_associations(tx, attrs, assocs))

    def put_parent_contexts(
        self, parent_contexts: Sequence[Any], extra_options: ExtraOptions | None = None
    ) -> None:
        """Insert parent-child context links.

        Raises:
            AlreadyExistsError: The link exists.
            InvalidArgumentError: A missing context, a self-link, or a cycle.
        """
        links = as_messages(parent_contexts, pb.ParentContext, "parent_contexts")
        self._write(lambda tx: _edges.put_parent_contexts(tx, links))

    def get_contexts_by_artifact(
        self, artifact_id: int, extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Contexts an artifact is attributed to. Raises NotFoundError when there are none."""
        node_id = as_ints([artifact_id], "artifact_id")[0]
        return self._read(lambda tx: _edges.get_contexts_of(tx, ARTIFACT, node_id))

    def get_contexts_by_execution(
        self, execution_id: int, extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Contexts an execution is associated with. Raises NotFoundError when there are none."""
        node_id = as_ints([execution_id], "execution_id")[0]
        return self._read(lambda tx: _edges.get_contexts_of(tx, EXECUTION, node_id))

    def get_artifacts_by_context(
        self,
        context_id: int,
        list_options: ListOptions | None = None,
        extra_options: ExtraOptions | None = None,
    ) -> list[Any]:
        """Artifacts attributed to a context."""
        cid = as_ints([context_id], "context_id")[0]
        return self._list(ARTIFACT, list_options, ("context", cid))

    def get_executions_by_context(
        self,
        context_id: int,
        list_options: ListOptions | None = None,
        extra_options: ExtraOptions | None = None,
    ) -> list[Any]:
        """Executions associated with a context, newest first unless ``list_options`` say else."""
        cid = as_ints([context_id], "context_id")[0]
        if list_options is None:
            list_options = ListOptions(order_by=OrderByField.CREATE_TIME, is_asc=False)
        return self._list(EXECUTION, list_options, ("context", cid))

    def get_events_by_execution_ids(
        self, execution_ids: Iterable[int], extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Events of these executions."""
        ids = as_ints(execution_ids, "execution_ids")
        return self._read(lambda tx: _edges.get_events(tx, "execution_id", ids))

    def get_events_by_artifact_ids(
        self, artifact_ids: Iterable[int], extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Events of these artifacts."""
        ids = as_ints(artifact_ids, "artifact_ids")
        return self._read(lambda tx: _edges.get_events(tx, "artifact_id", ids))

    def get_parent_contexts_by_context(
        self, context_id: int, extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Parent contexts of a context."""
        cid = as_ints([context_id], "context_id")[0]
        return self._read(lambda tx: _edges.get_parent_contexts(tx, [cid]))[cid]

    def get_children_contexts_by_context(
        self, context_id: int, extra_options: ExtraOptions | None = None
    ) -> list[Any]:
        """Child contexts of a context."""
        cid = as_ints([context_id], "context_id")[0]
        return self._read(lambda tx: _edges.get_children_contexts(tx, [cid]))[cid]

    def get_parent_contexts_by_contexts(self, context_ids: Iterable[int]) -> dict[int, list[Any]]:
        """Parents of many contexts at once: context id → parents (beyond MLMD's Python API)."""
        ids = as_ints(context_ids, "context_ids")
        return self._read(lambda tx: _edges.get_parent_contexts(tx, ids))

    def get_children_contexts_by_contexts(self, context_ids: Iterable[int]) -> dict[int, list[Any]]:
        """Children of many contexts at once: context id → children (beyond MLMD's Python API)."""
        ids = as_ints(context_ids, "context_ids")
        return self._read(lambda tx: _edges.get_children_contexts(tx, ids))
