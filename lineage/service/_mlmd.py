"""The 52 RPCs of ``ml_metadata.MetadataStoreService``, each one call of ``lineage.MetadataStore``.

A handler unpacks the request, calls the store's public method and packs the response; the store
does all the work (validation, one transaction, retries). What is RPC-only lives here as MLMD's
server has it: pages with tokens (``ListOperationOptions``: 20 nodes by default, at most 100, no
options for everything), ``Get*ByTypeAndName`` answering OK and empty for a missing node, the
deprecated ``can_delete_fields`` / ``all_fields_match=false`` type options as UNIMPLEMENTED.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lineage.errors import NotFoundError, UnimplementedError
from lineage.proto import metadata_store_service_pb2 as svc
from lineage.store import MetadataStore

__all__ = ["HANDLERS", "SERVICE_NAME", "WRITES"]

SERVICE_NAME = "ml_metadata.MetadataStoreService"

Handler = Callable[[MetadataStore, Any], Any]
HANDLERS: dict[str, Handler] = {}
#: The RPCs that write (refused by a read-only server or a read-only token).
WRITES: set[str] = set()


def rpc(name: str, write: bool = False) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[name] = fn
        if write:
            WRITES.add(name)
        return fn

    return register


# -- types ------------------------------------------------------------------------------------


def _type_flags(request: Any) -> tuple[bool, bool]:
    if request.can_delete_fields:
        raise UnimplementedError("can_delete_fields is deprecated and not supported")
    if not request.all_fields_match:
        raise UnimplementedError("all_fields_match=false is deprecated and not supported")
    return bool(request.can_add_fields), bool(request.can_omit_fields)


@rpc("PutArtifactType", write=True)
def _put_artifact_type(store: MetadataStore, request: Any) -> Any:
    add, omit = _type_flags(request)
    type_id = store.put_artifact_type(request.artifact_type, add, omit)
    return svc.PutArtifactTypeResponse(type_id=type_id)


@rpc("PutExecutionType", write=True)
def _put_execution_type(store: MetadataStore, request: Any) -> Any:
    add, omit = _type_flags(request)
    type_id = store.put_execution_type(request.execution_type, add, omit)
    return svc.PutExecutionTypeResponse(type_id=type_id)


@rpc("PutContextType", write=True)
def _put_context_type(store: MetadataStore, request: Any) -> Any:
    add, omit = _type_flags(request)
    type_id = store.put_context_type(request.context_type, add, omit)
    return svc.PutContextTypeResponse(type_id=type_id)


@rpc("PutTypes", write=True)
def _put_types(store: MetadataStore, request: Any) -> Any:
    add, omit = _type_flags(request)
    a, x, c = store.put_types(
        request.artifact_types, request.execution_types, request.context_types, add, omit
    )
    return svc.PutTypesResponse(artifact_type_ids=a, execution_type_ids=x, context_type_ids=c)


def _version(request: Any) -> str | None:
    return request.type_version if request.HasField("type_version") else None


@rpc("GetArtifactType")
def _get_artifact_type(store: MetadataStore, request: Any) -> Any:
    found = store.get_artifact_type(request.type_name, _version(request))
    return svc.GetArtifactTypeResponse(artifact_type=found)


@rpc("GetExecutionType")
def _get_execution_type(store: MetadataStore, request: Any) -> Any:
    found = store.get_execution_type(request.type_name, _version(request))
    return svc.GetExecutionTypeResponse(execution_type=found)


@rpc("GetContextType")
def _get_context_type(store: MetadataStore, request: Any) -> Any:
    found = store.get_context_type(request.type_name, _version(request))
    return svc.GetContextTypeResponse(context_type=found)


@rpc("GetArtifactTypesByID")
def _artifact_types_by_id(store: MetadataStore, request: Any) -> Any:
    found = store.get_artifact_types_by_id(list(request.type_ids))
    return svc.GetArtifactTypesByIDResponse(artifact_types=found)


@rpc("GetExecutionTypesByID")
def _execution_types_by_id(store: MetadataStore, request: Any) -> Any:
    found = store.get_execution_types_by_id(list(request.type_ids))
    return svc.GetExecutionTypesByIDResponse(execution_types=found)


@rpc("GetContextTypesByID")
def _context_types_by_id(store: MetadataStore, request: Any) -> Any:
    found = store.get_context_types_by_id(list(request.type_ids))
    return svc.GetContextTypesByIDResponse(context_types=found)


@rpc("GetArtifactTypes")
def _artifact_types(store: MetadataStore, request: Any) -> Any:
    return svc.GetArtifactTypesResponse(artifact_types=store.get_artifact_types())


@rpc("GetExecutionTypes")
def _execution_types(store: MetadataStore, request: Any) -> Any:
    return svc.GetExecutionTypesResponse(execution_types=store.get_execution_types())


@rpc("GetContextTypes")
def _context_types(store: MetadataStore, request: Any) -> Any:
    return svc.GetContextTypesResponse(context_types=store.get_context_types())


@rpc("GetArtifactTypesByExternalIds")
def _artifact_types_by_external_ids(store: MetadataStore, request: Any) -> Any:
    found = store.get_artifact_types_by_external_ids(list(request.external_ids))
    return svc.GetArtifactTypesByExternalIdsResponse(artifact_types=found)


@rpc("GetExecutionTypesByExternalIds")
def _execution_types_by_external_ids(store: MetadataStore, request: Any) -> Any:
    found = store.get_execution_types_by_external_ids(list(request.external_ids))
    return svc.GetExecutionTypesByExternalIdsResponse(execution_types=found)


@rpc("GetContextTypesByExternalIds")
def _context_types_by_external_ids(store: MetadataStore, request: Any) -> Any:
    found = store.get_context_types_by_external_ids(list(request.external_ids))
    return svc.GetContextTypesByExternalIdsResponse(context_types=found)


# -- nodes ------------------------------------------------------------------------------------


def _mask(request: Any) -> list[str]:
    return list(request.update_mask.paths) if request.HasField("update_mask") else []


@rpc("PutArtifacts", write=True)
def _put_artifacts(store: MetadataStore, request: Any) -> Any:
    ids = store.put_artifacts(
        request.artifacts,
        _mask(request),
        abort_if_latest_updated_time_changed=request.options.abort_if_latest_updated_time_changed,
    )
    return svc.PutArtifactsResponse(artifact_ids=ids)


@rpc("PutExecutions", write=True)
def _put_executions(store: MetadataStore, request: Any) -> Any:
    ids = store.put_executions(request.executions, _mask(request))
    return svc.PutExecutionsResponse(execution_ids=ids)


@rpc("PutContexts", write=True)
def _put_contexts(store: MetadataStore, request: Any) -> Any:
    ids = store.put_contexts(request.contexts, _mask(request))
    return svc.PutContextsResponse(context_ids=ids)


def _options(request: Any) -> Any:
    return request.options if request.HasField("options") else None


@rpc("GetArtifacts")
def _get_artifacts(store: MetadataStore, request: Any) -> Any:
    page = store.get_page("artifact", _options(request))
    return svc.GetArtifactsResponse(artifacts=page.nodes, next_page_token=page.next_page_token)


@rpc("GetExecutions")
def _get_executions(store: MetadataStore, request: Any) -> Any:
    page = store.get_page("execution", _options(request))
    return svc.GetExecutionsResponse(executions=page.nodes, next_page_token=page.next_page_token)


@rpc("GetContexts")
def _get_contexts(store: MetadataStore, request: Any) -> Any:
    page = store.get_page("context", _options(request))
    return svc.GetContextsResponse(contexts=page.nodes, next_page_token=page.next_page_token)


@rpc("GetArtifactsByID")
def _artifacts_by_id(store: MetadataStore, request: Any) -> Any:
    ids = list(request.artifact_ids)
    if request.populate_artifact_types:
        artifacts, types = store.get_artifacts_and_types_by_artifact_ids(ids)
        return svc.GetArtifactsByIDResponse(artifacts=artifacts, artifact_types=types)
    return svc.GetArtifactsByIDResponse(artifacts=store.get_artifacts_by_id(ids))


@rpc("GetExecutionsByID")
def _executions_by_id(store: MetadataStore, request: Any) -> Any:
    found = store.get_executions_by_id(list(request.execution_ids))
    return svc.GetExecutionsByIDResponse(executions=found)


@rpc("GetContextsByID")
def _contexts_by_id(store: MetadataStore, request: Any) -> Any:
    return svc.GetContextsByIDResponse(contexts=store.get_contexts_by_id(list(request.context_ids)))


def _by_type(store: MetadataStore, kind: str, request: Any) -> tuple[list[Any], str]:
    getter = {
        "artifact": store.get_artifact_type,
        "execution": store.get_execution_type,
        "context": store.get_context_type,
    }[kind]
    try:
        node_type = getter(request.type_name, _version(request))
    except NotFoundError:
        return [], ""  # MLMD: an unknown type has no nodes
    page = store.get_page(kind, _options(request), type_id=node_type.id)
    return page.nodes, page.next_page_token


@rpc("GetArtifactsByType")
def _artifacts_by_type(store: MetadataStore, request: Any) -> Any:
    nodes, token = _by_type(store, "artifact", request)
    return svc.GetArtifactsByTypeResponse(artifacts=nodes, next_page_token=token)


@rpc("GetExecutionsByType")
def _executions_by_type(store: MetadataStore, request: Any) -> Any:
    nodes, token = _by_type(store, "execution", request)
    return svc.GetExecutionsByTypeResponse(executions=nodes, next_page_token=token)


@rpc("GetContextsByType")
def _contexts_by_type(store: MetadataStore, request: Any) -> Any:
    nodes, token = _by_type(store, "context", request)
    return svc.GetContextsByTypeResponse(contexts=nodes, next_page_token=token)


@rpc("GetArtifactByTypeAndName")
def _artifact_by_type_and_name(store: MetadataStore, request: Any) -> Any:
    found = store.get_artifact_by_type_and_name(
        request.type_name, request.artifact_name, _version(request)
    )
    return svc.GetArtifactByTypeAndNameResponse(artifact=found)


@rpc("GetExecutionByTypeAndName")
def _execution_by_type_and_name(store: MetadataStore, request: Any) -> Any:
    found = store.get_execution_by_type_and_name(
        request.type_name, request.execution_name, _version(request)
    )
    return svc.GetExecutionByTypeAndNameResponse(execution=found)


@rpc("GetContextByTypeAndName")
def _context_by_type_and_name(store: MetadataStore, request: Any) -> Any:
    found = store.get_context_by_type_and_name(
        request.type_name, request.context_name, _version(request)
    )
    return svc.GetContextByTypeAndNameResponse(context=found)


@rpc("GetArtifactsByURI")
def _artifacts_by_uri(store: MetadataStore, request: Any) -> Any:
    found: list[Any] = []
    seen: set[int] = set()
    for uri in dict.fromkeys(request.uris):
        for artifact in store.get_artifacts_by_uri(uri):
            if artifact.id not in seen:
                seen.add(artifact.id)
                found.append(artifact)
    return svc.GetArtifactsByURIResponse(artifacts=found)


@rpc("GetArtifactsByExternalIds")
def _artifacts_by_external_ids(store: MetadataStore, request: Any) -> Any:
    found = store.get_artifacts_by_external_ids(list(request.external_ids))
    return svc.GetArtifactsByExternalIdsResponse(artifacts=found)


@rpc("GetExecutionsByExternalIds")
def _executions_by_external_ids(store: MetadataStore, request: Any) -> Any:
    found = store.get_executions_by_external_ids(list(request.external_ids))
    return svc.GetExecutionsByExternalIdsResponse(executions=found)


@rpc("GetContextsByExternalIds")
def _contexts_by_external_ids(store: MetadataStore, request: Any) -> Any:
    found = store.get_contexts_by_external_ids(list(request.external_ids))
    return svc.GetContextsByExternalIdsResponse(contexts=found)


# -- edges, contexts, lineage -----------------------------------------------------------------


@rpc("PutEvents", write=True)
def _put_events(store: MetadataStore, request: Any) -> Any:
    store.put_events(request.events)
    return svc.PutEventsResponse()


@rpc("PutExecution", write=True)
def _put_execution(store: MetadataStore, request: Any) -> Any:
    pairs = [
        (
            pair.artifact if pair.HasField("artifact") else None,
            pair.event if pair.HasField("event") else None,
        )
        for pair in request.artifact_event_pairs
    ]
    o = request.options
    execution_id, artifact_ids, context_ids = store.put_execution(
        request.execution,
        pairs,
        list(request.contexts),
        reuse_context_if_already_exist=o.reuse_context_if_already_exist,
        reuse_artifact_if_already_exist_by_external_id=o.reuse_artifact_if_already_exist_by_external_id,
        force_reuse_context=o.force_reuse_context,
        force_update_time=o.force_update_time,
    )
    return svc.PutExecutionResponse(
        execution_id=execution_id, artifact_ids=artifact_ids, context_ids=context_ids
    )


@rpc("PutLineageSubgraph", write=True)
def _put_lineage_subgraph(store: MetadataStore, request: Any) -> Any:
    edges = [
        (
            e.execution_index if e.HasField("execution_index") else None,
            e.artifact_index if e.HasField("artifact_index") else None,
            e.event,
        )
        for e in request.event_edges
    ]
    o = request.options
    x, a, c = store.put_lineage_subgraph(
        list(request.executions),
        list(request.artifacts),
        list(request.contexts),
        edges,
        reuse_context_if_already_exist=o.reuse_context_if_already_exist,
        reuse_artifact_if_already_exist_by_external_id=o.reuse_artifact_if_already_exist_by_external_id,
    )
    return svc.PutLineageSubgraphResponse(execution_ids=x, artifact_ids=a, context_ids=c)


@rpc("PutAttributionsAndAssociations", write=True)
def _put_attributions_and_associations(store: MetadataStore, request: Any) -> Any:
    store.put_attributions_and_associations(list(request.attributions), list(request.associations))
    return svc.PutAttributionsAndAssociationsResponse()


@rpc("PutParentContexts", write=True)
def _put_parent_contexts(store: MetadataStore, request: Any) -> Any:
    store.put_parent_contexts(list(request.parent_contexts))
    return svc.PutParentContextsResponse()


@rpc("GetEventsByExecutionIDs")
def _events_by_execution_ids(store: MetadataStore, request: Any) -> Any:
    found = store.get_events_by_execution_ids(list(request.execution_ids))
    return svc.GetEventsByExecutionIDsResponse(events=found)


@rpc("GetEventsByArtifactIDs")
def _events_by_artifact_ids(store: MetadataStore, request: Any) -> Any:
    found = store.get_events_by_artifact_ids(list(request.artifact_ids))
    return svc.GetEventsByArtifactIDsResponse(events=found)


@rpc("GetContextsByArtifact")
def _contexts_by_artifact(store: MetadataStore, request: Any) -> Any:
    found = store.get_contexts_by_artifact(request.artifact_id)
    return svc.GetContextsByArtifactResponse(contexts=found)


@rpc("GetContextsByExecution")
def _contexts_by_execution(store: MetadataStore, request: Any) -> Any:
    found = store.get_contexts_by_execution(request.execution_id)
    return svc.GetContextsByExecutionResponse(contexts=found)


@rpc("GetParentContextsByContext")
def _parents(store: MetadataStore, request: Any) -> Any:
    found = store.get_parent_contexts_by_context(request.context_id)
    return svc.GetParentContextsByContextResponse(contexts=found)


@rpc("GetChildrenContextsByContext")
def _children(store: MetadataStore, request: Any) -> Any:
    found = store.get_children_contexts_by_context(request.context_id)
    return svc.GetChildrenContextsByContextResponse(contexts=found)


@rpc("GetParentContextsByContexts")
def _parents_batch(store: MetadataStore, request: Any) -> Any:
    response = svc.GetParentContextsByContextsResponse()
    for child, parents in store.get_parent_contexts_by_contexts(list(request.context_ids)).items():
        if parents:
            response.contexts[child].parent_contexts.extend(parents)
    return response


@rpc("GetChildrenContextsByContexts")
def _children_batch(store: MetadataStore, request: Any) -> Any:
    response = svc.GetChildrenContextsByContextsResponse()
    found = store.get_children_contexts_by_contexts(list(request.context_ids))
    for parent, children in found.items():
        if children:
            response.contexts[parent].children_contexts.extend(children)
    return response


@rpc("GetArtifactsByContext")
def _artifacts_by_context(store: MetadataStore, request: Any) -> Any:
    page = store.get_page("artifact", _options(request), context_id=request.context_id)
    return svc.GetArtifactsByContextResponse(
        artifacts=page.nodes, next_page_token=page.next_page_token
    )


@rpc("GetExecutionsByContext")
def _executions_by_context(store: MetadataStore, request: Any) -> Any:
    page = store.get_page("execution", _options(request), context_id=request.context_id)
    return svc.GetExecutionsByContextResponse(
        executions=page.nodes, next_page_token=page.next_page_token
    )


@rpc("GetLineageSubgraph")
def _lineage_subgraph(store: MetadataStore, request: Any) -> Any:
    paths = list(request.read_mask.paths) if request.HasField("read_mask") else []
    graph = store.get_lineage_subgraph(request.lineage_subgraph_query_options, paths)
    return svc.GetLineageSubgraphResponse(lineage_subgraph=graph)


@rpc("GetLineageGraph")
def _lineage_graph(store: MetadataStore, request: Any) -> Any:
    from lineage.service._legacy import lineage_graph

    return svc.GetLineageGraphResponse(subgraph=lineage_graph(store, request.options))


def _check_complete() -> None:
    """Every RPC of the service descriptor has a handler (checked at import)."""
    service = svc.DESCRIPTOR.services_by_name["MetadataStoreService"]
    missing = [m.name for m in service.methods if m.name not in HANDLERS]
    if missing:  # pragma: no cover - a programming error caught by the tests
        raise AssertionError(f"RPCs without a handler: {missing}")


_check_complete()
