"""Reading what reports need from nodes and the store: tags, erasure markers and receipts."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from typing import Any

from lineage import conventions as cv
from lineage.graph import NodeKey, key
from lineage.graph._values import plain, prop
from lineage.graph.nx import python_value
from lineage.proto import metadata_store_pb2 as pb
from lineage.report._records import ErasureMark, ReceiptRecord, iso

__all__ = [
    "artifact_state",
    "erasure_mark",
    "execution_state",
    "metric_values",
    "node_name",
    "pii_of",
    "properties_of",
    "receipt_record",
    "receipts_touching",
    "subject_digest",
    "subjects_of",
    "tags_of",
]

#: Custom-property prefixes that are bookkeeping, not properties worth showing of a model.
_BOOKKEEPING = (cv.SUBJECT_PREFIX, cv.TAG_PREFIX, "erasure.", cv.SERIES_PREFIX, cv.NOTES)
#: Properties reports show in their own fields (not again among "properties").
_SHOWN = frozenset({cv.FINGERPRINT, cv.VERSION, cv.SIZE_BYTES, cv.FILE_COUNT, cv.PII, cv.LICENSE})
#: Numbers on a Metrics artifact that are not metrics.
_NOT_METRICS = (*_BOOKKEEPING, "run.", "lineage.", cv.SIZE_BYTES, cv.FILE_COUNT, cv.VERSION, "span")


def subject_digest(subject: str) -> str:
    """The hash that stands for a data subject in receipts and dossiers (``sha256:<16 hex>``).

    The same as :meth:`lineage.erasure.Target.describe` with ``redact=True`` writes.

    Example:
        >>> subject_digest("alice")
        'sha256:2bd806c97f0e00af'
    """
    return "sha256:" + hashlib.sha256(str(subject).encode()).hexdigest()[:16]


def node_name(node: Any) -> str | None:
    """A node's name, or None when it has none (or it was scrubbed)."""
    return node.name if node.HasField("name") and node.name else None


def artifact_state(artifact: Any) -> str | None:
    """An artifact's state name (LIVE, DELETED, ...), or None when unset."""
    return pb.Artifact.State.Name(artifact.state) if artifact.HasField("state") else None


def execution_state(execution: Any) -> str | None:
    """An execution's last known state name (COMPLETE, FAILED, ...), or None when unset."""
    if not execution.HasField("last_known_state"):
        return None
    return pb.Execution.State.Name(execution.last_known_state)


def tags_of(node: Any) -> tuple[str, ...]:
    """The tags on a node (``tag.<name>`` = true)."""
    return tuple(
        sorted(
            name[len(cv.TAG_PREFIX) :]
            for name, value in node.custom_properties.items()
            if name.startswith(cv.TAG_PREFIX) and python_value(value) is True
        )
    )


def pii_of(node: Any) -> bool | None:
    """True/False when ``pii`` was recorded on the node, else None."""
    value = prop(node, cv.PII)
    return bool(value) if value is not None else None


def subjects_of(node: Any, *, reveal: bool = False) -> tuple[str, ...]:
    """The data subjects recorded on a node, as hashes (or as given, with ``reveal``)."""
    found = sorted(
        name[len(cv.SUBJECT_PREFIX) :]
        for name, value in node.custom_properties.items()
        if name.startswith(cv.SUBJECT_PREFIX) and python_value(value) is True
    )
    return tuple(found if reveal else sorted(subject_digest(s) for s in found))


def properties_of(node: Any) -> dict[str, Any]:
    """Properties and custom properties, without lineage's bookkeeping (tags, subjects, ...)."""
    out: dict[str, Any] = {}
    for values in (node.properties, node.custom_properties):
        for name, value in values.items():
            if not name.startswith(_BOOKKEEPING) and name not in _SHOWN:
                out[name] = plain(python_value(value))
    return dict(sorted(out.items()))


def metric_values(node: Any) -> dict[str, Any]:
    """The metrics a node holds: ``metric.*`` custom properties, else (for a Metrics
    artifact) its numeric properties that are not bookkeeping (erasure markers, sizes, ...)."""
    found = {
        name[len(cv.METRIC_PREFIX) :]: plain(python_value(value))
        for name, value in node.custom_properties.items()
        if name.startswith(cv.METRIC_PREFIX)
    }
    if found or isinstance(node, pb.Execution):
        return dict(sorted(found.items()))
    out: dict[str, Any] = {}
    for values in (node.properties, node.custom_properties):
        for name, value in values.items():
            number = python_value(value)
            if (
                isinstance(number, (int, float))
                and not isinstance(number, bool)
                and not name.startswith(_NOT_METRICS)
            ):
                out[name] = number
    return dict(sorted(out.items()))


def erasure_mark(node: Any) -> ErasureMark | None:
    """The erasure marker of a node, or None when no erasure marked it."""
    custom = node.custom_properties
    if cv.ERASURE_ID not in custom and cv.ERASURE_ACTION not in custom:
        return None

    def text(name: str) -> str | None:
        value = python_value(custom[name]) if name in custom else None
        return None if value is None else str(value)

    when = python_value(custom[cv.ERASURE_TIME]) if cv.ERASURE_TIME in custom else None
    return ErasureMark(
        erasure_id=text(cv.ERASURE_ID),
        action=text(cv.ERASURE_ACTION),
        time=iso(when),
        reason=text(cv.ERASURE_REASON),
    )


def receipt_record(execution: Any, events: Iterable[Any] = ()) -> ReceiptRecord:
    """A receipt from its ``Erasure`` execution (and its events, for older receipts)."""
    custom = execution.custom_properties

    def value(name: str) -> Any:
        return python_value(custom[name]) if name in custom else None

    nodes = value("erasure.nodes")
    lists: Mapping[str, Any] = nodes if isinstance(nodes, dict) else {}
    tombstoned = [str(k) for k in lists.get("tombstoned", ())]
    review = [str(k) for k in lists.get("review", ())]
    if not lists:  # no node lists: read them off the events
        for event in events:
            steps = list(event.path.steps)
            label = steps[0].key if steps and steps[0].HasField("key") else ""
            target = key("artifact", event.artifact_id)
            (review if label == cv.EVENT_KEY_REVIEW else tombstoned).append(target)
    removed = value(cv.ERASURE_REMOVED)
    text = {name: value(name) for name in (cv.ERASURE_REQUESTED_BY, cv.ERASURE_REASON)}
    return ReceiptRecord(
        key=key("execution", execution.id),
        erasure_id=str(value(cv.ERASURE_ID) or ""),
        applied=iso(execution.create_time_since_epoch),
        requested_by=None
        if text[cv.ERASURE_REQUESTED_BY] is None
        else str(text[cv.ERASURE_REQUESTED_BY]),
        reason=None if text[cv.ERASURE_REASON] is None else str(text[cv.ERASURE_REASON]),
        plan_sha256=None
        if value(cv.ERASURE_PLAN_SHA256) is None
        else str(value(cv.ERASURE_PLAN_SHA256)),
        targets=None if value("erasure.targets") is None else str(value("erasure.targets")),
        tombstoned=tuple(sorted(set(tombstoned), key=_key_order)),
        deleted=tuple(sorted({str(k) for k in lists.get("deleted", ())}, key=_key_order)),
        review=tuple(sorted(set(review), key=_key_order)),
        removed={str(k): str(v) for k, v in sorted((removed or {}).items())},
    )


def _key_order(node_key: str) -> tuple[str, int]:
    kind, _, ident = node_key.partition(":")
    return (kind, int(ident) if ident.isdigit() else -1)


def receipts_touching(store: Any, artifact_ids: Iterable[int]) -> list[ReceiptRecord]:
    """The receipts of every erasure that touched one of these artifacts, oldest first.

    Three queries: the artifacts' events, the executions they lead to, those receipts' events.
    """
    ids = sorted(set(artifact_ids))
    if not ids:
        return []
    executions = sorted({e.execution_id for e in store.get_events_by_artifact_ids(ids)})
    if not executions:
        return []
    receipts = [x for x in store.get_executions_by_id(executions) if x.type == cv.ERASURE_TYPE]
    return records_of(store, receipts)


def records_of(store: Any, receipts: list[Any]) -> list[ReceiptRecord]:
    """:class:`ReceiptRecord` s of ``Erasure`` executions, oldest first."""
    if not receipts:
        return []
    events: dict[int, list[Any]] = {}
    for event in store.get_events_by_execution_ids([r.id for r in receipts]):
        events.setdefault(event.execution_id, []).append(event)
    ordered = sorted(receipts, key=lambda r: (r.create_time_since_epoch, r.id))
    return [receipt_record(r, events.get(r.id, ())) for r in ordered]


def all_receipts(store: Any) -> list[Any]:
    """Every ``Erasure`` execution in the store."""
    return list(store.get_executions_by_type(cv.ERASURE_TYPE))


def receipts_by_node(receipts: Iterable[ReceiptRecord]) -> dict[NodeKey, list[ReceiptRecord]]:
    """Node key → the receipts that touched it (oldest first)."""
    out: dict[NodeKey, list[ReceiptRecord]] = {}
    for receipt in receipts:
        for node_key in (*receipt.tombstoned, *receipt.deleted, *receipt.review):
            out.setdefault(node_key, []).append(receipt)
    return out
