"""Helpers for the OpenLineage tests: small events, and a store's graph as comparable data."""

from __future__ import annotations

import json
import uuid
from typing import Any

from google.protobuf import json_format

PRODUCER = "https://github.com/example/scheduler/tree/1.0.0"
SCHEMA_URL = "https://openlineage.io/spec/2-0-2/OpenLineage.json#/$defs/RunEvent"


def run_id(key: str) -> str:
    """A fixed UUID for a readable key."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"lineage-tests/{key}"))


def facet(**fields: Any) -> dict[str, Any]:
    return {"_producer": PRODUCER, "_schemaURL": "https://example.com/facet.json", **fields}


def dataset(namespace: str, name: str, version: str | None = None, **facets: Any) -> dict:
    item: dict[str, Any] = {"namespace": namespace, "name": name}
    all_facets = dict(facets)
    if version is not None:
        all_facets["version"] = facet(datasetVersion=version)
    if all_facets:
        item["facets"] = all_facets
    return item


def event(
    kind: str,
    run: str,
    job: str,
    time: str,
    *,
    namespace: str = "scheduler",
    inputs: list[dict] | None = None,
    outputs: list[dict] | None = None,
    run_facets: dict[str, Any] | None = None,
    job_facets: dict[str, Any] | None = None,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "eventType": kind,
        "eventTime": time,
        "producer": PRODUCER,
        "schemaURL": SCHEMA_URL,
        "run": {"runId": run},
        "job": {"namespace": namespace, "name": job},
    }
    if run_facets:
        body["run"]["facets"] = run_facets
    if job_facets:
        body["job"]["facets"] = job_facets
    if inputs is not None:
        body["inputs"] = inputs
    if outputs is not None:
        body["outputs"] = outputs
    return body


def _props(node: Any) -> dict[str, Any]:
    data = json_format.MessageToDict(node, preserving_proto_field_name=True)
    return {
        "properties": data.get("properties", {}),
        "custom_properties": data.get("custom_properties", {}),
    }


def snapshot(store: Any, *, times: bool = False) -> dict[str, Any]:
    """Everything a reader sees in ``store``, keyed by type and name instead of ids.

    Nodes with their type, name, uri, state, external id and every property; events with
    their path; associations, attributions and parent contexts. Times are left out unless
    ``times`` (a fresh store writes its own create and update times).
    """

    def type_names(types: list[Any]) -> dict[int, str]:
        return {t.id: t.name for t in types}

    atypes = type_names(store.get_artifact_types())
    etypes = type_names(store.get_execution_types())
    ctypes = type_names(store.get_context_types())
    artifacts = {a.id: a for a in store.get_artifacts()}
    executions = {e.id: e for e in store.get_executions()}
    contexts = {c.id: c for c in store.get_contexts()}

    def node_data(kind: str, node: Any) -> dict[str, Any]:
        data = {"external_id": node.external_id, **_props(node)}
        if kind == "artifact":
            data.update(uri=node.uri, state=int(node.state))
        if kind == "execution":
            data["state"] = int(node.last_known_state)
        if times:
            data["create_time"] = node.create_time_since_epoch
        return data

    # Named nodes are keyed by type and name; unnamed ones by type, URI and properties, with
    # a counter where several look alike (they are interchangeable to a reader).
    keys: dict[tuple[str, int], str] = {}
    nodes: dict[str, Any] = {}
    for kind, group in (("artifact", artifacts), ("execution", executions), ("context", contexts)):
        names = {"artifact": atypes, "execution": etypes, "context": ctypes}[kind]
        seen: dict[str, int] = {}
        for node in sorted(
            group.values(), key=lambda n, k=kind: json.dumps(node_data(k, n), sort_keys=True)
        ):
            data = node_data(kind, node)
            base = f"{kind}:{names[node.type_id]}:"
            if node.name:
                base += node.name
            else:
                base += getattr(node, "uri", "") + json.dumps(data, sort_keys=True)[:200]
            count = seen.get(base, 0)
            seen[base] = count + 1
            text = base if count == 0 else f"{base}#{count}"
            keys[(kind, node.id)] = text
            nodes[text] = data

    def key(kind: str, node: Any) -> str:
        return keys[(kind, node.id)]

    events = sorted(
        json.dumps(
            [
                key("execution", executions[e.execution_id]),
                key("artifact", artifacts[e.artifact_id]),
                int(e.type),
                json_format.MessageToDict(e.path),
            ],
            sort_keys=True,
        )
        for e in store.get_events_by_execution_ids(list(executions))
    )
    links = []
    for context in contexts.values():
        ckey = key("context", context)
        for a in store.get_artifacts_by_context(context.id):
            links.append(("attribution", ckey, key("artifact", a)))
        for e in store.get_executions_by_context(context.id):
            links.append(("association", ckey, key("execution", e)))
        for p in store.get_parent_contexts_by_context(context.id):
            links.append(("parent", ckey, key("context", p)))
    return {"nodes": nodes, "events": events, "links": sorted(links)}
