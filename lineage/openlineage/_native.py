"""Events that lineage exported go back in as the MLMD records they came from.

A RunEvent written by :func:`lineage.openlineage.events` for an execution that did not come from
OpenLineage carries the ``lineage_mlmd`` facets: the execution, its type and contexts (with their
parents) on the run, each artifact with its type, event path and contexts on its dataset. Such
an event is recorded as those records (the same types, names, properties, events, associations,
attributions and parent contexts), not through the OpenLineage mapping, so a store exported and
imported into a fresh store holds the same graph. Nodes are matched by type and name when they
have a name, by external id when they have one, and within one import by their exported id.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import json_format

from lineage.openlineage._values import all_found
from lineage.proto import (
    Artifact,
    ArtifactType,
    Association,
    Attribution,
    Context,
    ContextType,
    Event,
    Execution,
    ExecutionType,
    ParentContext,
)

__all__ = ["NativeImport", "is_native"]

_KINDS: dict[str, tuple[Any, Any]] = {
    "artifact": (Artifact, ArtifactType),
    "execution": (Execution, ExecutionType),
    "context": (Context, ContextType),
}
_OUTPUT_ONLY = ("id", "type_id", "type", "create_time_since_epoch", "last_update_time_since_epoch")


def is_native(event: dict[str, Any]) -> bool:
    """Whether ``event`` was exported by lineage from an MLMD execution."""
    facets = (event.get("run") or {}).get("facets") or {}
    return isinstance(facets.get("lineage_mlmd"), dict)


class NativeImport:
    """Records exported MLMD runs; keeps exported id -> new id for the length of one import."""

    def __init__(self, store: Any) -> None:
        self.store = store
        self.ids: dict[str, dict[str, int]] = {k: {} for k in _KINDS}
        self.type_ids: dict[tuple[str, str, str], int] = {}

    def apply(self, events: list[dict[str, Any]]) -> set[int]:
        """Record these events (inside the caller's transaction); return the ``id()`` of those
        that changed the store."""
        new = set()
        for event in events:
            facet = event["run"]["facets"]["lineage_mlmd"]
            if "execution" not in facet:
                continue  # the START of an ended run: the record comes with its end
            if self._apply(event, facet):
                new.add(id(event))
        return new

    # -- types and nodes
    def _type_id(self, kind: str, data: dict[str, Any]) -> int:
        key = (kind, str(data.get("name", "")), str(data.get("version", "")))
        if key not in self.type_ids:
            message = json_format.ParseDict(data, _KINDS[kind][1](), ignore_unknown_fields=True)
            put = getattr(self.store, f"put_{kind}_type")
            self.type_ids[key] = int(put(message, can_add_fields=True, can_omit_fields=True))
        return self.type_ids[key]

    def _node(self, kind: str, data: dict[str, Any], type_data: dict[str, Any]) -> tuple[int, bool]:
        """The new id of an exported node, creating it if no match exists; and whether it was
        created."""
        old = str(data.get("id", ""))
        if old and old in self.ids[kind]:
            return self.ids[kind][old], False
        cls = _KINDS[kind][0]
        message = json_format.ParseDict(data, cls(), ignore_unknown_fields=True)
        for field in _OUTPUT_ONLY:
            message.ClearField(field)
        type_id = self._type_id(kind, type_data)
        message.type_id = type_id
        found = None
        store = self.store
        if message.name:
            getter = getattr(store, f"get_{kind}_by_type_and_name")
            found = getter(type_data["name"], message.name, type_data.get("version") or None)
        elif message.external_id:
            matches = all_found(
                getattr(store, f"get_{kind}s_by_external_ids"), [message.external_id]
            )
            found = matches[0] if matches else None
        created = found is None
        if found is not None:
            new_id = int(found.id)
        else:
            [new_id] = getattr(store, f"put_{kind}s")([message])
        if old:
            self.ids[kind][old] = int(new_id)
        return int(new_id), created

    def _apply(self, event: dict[str, Any], facet: dict[str, Any]) -> int:
        store = self.store
        contexts: dict[str, int] = {}
        for record in facet.get("contexts") or ():
            new_id, _ = self._node("context", record["context"], record["type"])
            contexts[str(record["context"].get("id", ""))] = new_id
        execution_id, created = self._node("execution", facet["execution"], facet["type"])
        parents = []
        for record in facet.get("contexts") or ():
            child = contexts[str(record["context"].get("id", ""))]
            have = {p.id for p in all_found(store.get_parent_contexts_by_context, child)}
            for parent in record.get("parents") or ():
                parent_id = contexts.get(str(parent))
                if parent_id is not None and parent_id not in have:
                    parents.append(ParentContext(child_id=child, parent_id=parent_id))
                    have.add(parent_id)
        if parents:
            store.put_parent_contexts(parents)
        associations = [
            Association(
                context_id=contexts[str(r["context"].get("id", ""))], execution_id=execution_id
            )
            for r in facet.get("contexts") or ()
            if r.get("associated")
        ]
        have_events = set()
        if not created:
            have_events = {
                (e.artifact_id, e.type)
                for e in all_found(store.get_events_by_execution_ids, [execution_id])
            }
        new_events, attributions = [], []
        for item in [*(event.get("inputs") or ()), *(event.get("outputs") or ())]:
            record = (item.get("facets") or {}).get("lineage_mlmd")
            if not isinstance(record, dict):
                continue
            artifact_id, _ = self._node("artifact", record["artifact"], record["type"])
            path = dict(record.get("event") or {})
            kind = Event.Type.Value(str(path.pop("type", "UNKNOWN")))
            if (artifact_id, kind) not in have_events:
                message = Event(artifact_id=artifact_id, execution_id=execution_id, type=kind)
                json_format.ParseDict(path, message.path, ignore_unknown_fields=True)
                new_events.append(message)
                have_events.add((artifact_id, kind))
            for context in record.get("attributedTo") or ():
                if str(context) in contexts:
                    attributions.append(
                        Attribution(artifact_id=artifact_id, context_id=contexts[str(context)])
                    )
        if new_events:
            store.put_events(new_events)
        if associations or attributions:
            store.put_attributions_and_associations(attributions, associations)
        return 1 if created or new_events else 0
