"""``lineage.LineageService``: lineage's operations that MLMD's service has no RPC for.

Each handler is one public call of the library: ``MetadataStore.walk``, the delete and erasure
methods, ``lineage.erasure.apply`` (its several calls run in one transaction on the server) and
the store's description. The messages are in ``schemas/lineage_service.proto``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from lineage.errors import InvalidArgumentError
from lineage.proto import lineage_service_pb2 as ls
from lineage.store import MetadataStore

__all__ = ["HANDLERS", "SERVICE_NAME", "WRITES"]

SERVICE_NAME = "lineage.LineageService"

Handler = Callable[[MetadataStore, Any], Any]
HANDLERS: dict[str, Handler] = {}
WRITES: set[str] = set()


def rpc(name: str, write: bool = False) -> Callable[[Handler], Handler]:
    def register(fn: Handler) -> Handler:
        HANDLERS[name] = fn
        if write:
            WRITES.add(name)
        return fn

    return register


def _opt(request: Any, name: str) -> Any:
    return getattr(request, name) if request.HasField(name) else None


@rpc("Walk")
def _walk(store: MetadataStore, request: Any) -> Any:
    include_stop = _opt(request, "include_stop")
    walk = store.walk(
        list(request.artifacts),
        list(request.executions),
        direction=request.direction or "upstream",
        max_hops=_opt(request, "max_hops"),
        stop_artifacts=request.stop_artifacts or None,
        stop_executions=request.stop_executions or None,
        include_stop=True if include_stop is None else bool(include_stop),
        where_artifacts=request.where_artifacts or None,
        where_executions=request.where_executions or None,
        as_of=_opt(request, "as_of"),
        limit=_opt(request, "limit"),
        hydrate=request.hydrate,
        fields=list(request.fields),
    )
    response = ls.WalkResponse(
        truncated=walk.truncated,
        total_artifacts=walk.total_artifacts,
        total_executions=walk.total_executions,
        start_artifacts=walk.start_artifacts,
        start_executions=walk.start_executions,
        stopped_at=sorted(walk.stopped_at),
    )
    response.artifacts.update(walk.artifacts)
    response.executions.update(walk.executions)
    for artifact_id, execution_id, event_type, ms, event_id in walk.events:
        edge = response.events.add(
            artifact_id=artifact_id, execution_id=execution_id, type=event_type, event_id=event_id
        )
        if ms is not None:
            edge.milliseconds_since_epoch = ms
    if walk.graph is not None:
        response.graph.CopyFrom(walk.graph)
        response.has_graph = True
    return response


_DELETES = {
    ls.DeleteRequest.ARTIFACTS: "delete_artifacts",
    ls.DeleteRequest.EXECUTIONS: "delete_executions",
    ls.DeleteRequest.CONTEXTS: "delete_contexts",
    ls.DeleteRequest.ARTIFACT_TYPES: "delete_artifact_types",
    ls.DeleteRequest.EXECUTION_TYPES: "delete_execution_types",
    ls.DeleteRequest.CONTEXT_TYPES: "delete_context_types",
}


@rpc("Delete", write=True)
def _delete(store: MetadataStore, request: Any) -> Any:
    method = _DELETES.get(request.target)
    if method is None:
        raise InvalidArgumentError(f"target: unknown delete target {request.target}")
    ids = list(request.ids)
    if request.target == ls.DeleteRequest.ARTIFACTS:
        gone = store.delete_artifacts(ids, cascade=request.cascade, detach=request.detach)
    elif request.detach:
        raise InvalidArgumentError("detach applies to artifacts only")
    else:
        gone = getattr(store, method)(ids, cascade=request.cascade)
    response = ls.DeleteResponse(
        artifacts=gone.artifacts,
        executions=gone.executions,
        contexts=gone.contexts,
        events=gone.events,
        types=gone.types,
    )
    response.details.update(gone.details)
    return response


@rpc("TombstoneArtifacts", write=True)
def _tombstone(store: MetadataStore, request: Any) -> Any:
    removed = store.tombstone_artifacts(
        list(request.artifact_ids),
        scrub_names=list(request.scrub_names),
        marker=dict(request.marker),
        keep={k: list(v.names) for k, v in request.keep.items()},
    )
    response = ls.TombstoneArtifactsResponse()
    response.removed.update(removed)
    return response


@rpc("ClearNames", write=True)
def _clear_names(store: MetadataStore, request: Any) -> Any:
    store.clear_names(executions=list(request.executions), contexts=list(request.contexts))
    return ls.ClearNamesResponse()


@rpc("Compact", write=True)
def _compact(store: MetadataStore, request: Any) -> Any:
    store.compact()
    return ls.CompactResponse()


@rpc("ApplyErasure", write=True)
def _apply_erasure(store: MetadataStore, request: Any) -> Any:
    import json

    from lineage import erasure

    try:
        plan = erasure.Plan.from_dict(json.loads(request.plan_json))
    except (ValueError, KeyError, TypeError) as exc:
        raise InvalidArgumentError(f"plan_json is not an erasure plan: {exc}") from exc
    receipt = erasure.apply(
        store, plan, applied_by=request.applied_by or None, compact=request.compact
    )
    return ls.ApplyErasureResponse(
        erasure_id=plan.erasure_id, already_applied=receipt.already_applied
    )


@rpc("StoreInfo")
def _store_info(store: MetadataStore, request: Any) -> Any:
    import lineage
    from lineage.store import link_indexes

    response = ls.StoreInfoResponse(
        dialect=store.dialect,
        url=store.url,
        schema_version=store.get_schema_version(),
        lineage_version=lineage.__version__,
        read_only=False,
        link_indexes=sorted(name for name, present in link_indexes(store).items() if present),
    )
    response.counts.update(store.counts())
    return response


def _check_complete() -> None:
    service = ls.DESCRIPTOR.services_by_name["LineageService"]
    missing = [m.name for m in service.methods if m.name not in HANDLERS]
    if missing:  # pragma: no cover - a programming error caught by the tests
        raise AssertionError(f"RPCs without a handler: {missing}")


_check_complete()
