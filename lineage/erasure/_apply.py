"""Applying an erasure plan in one transaction, and the receipt it leaves in the store."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from lineage import conventions as cv
from lineage.erasure._plan import Plan, closure_digest, node_state
from lineage.errors import FailedPreconditionError
from lineage.graph import downstream
from lineage.graph.nx import python_value
from lineage.proto import metadata_store_pb2 as pb
from lineage.query import Comparison, PropertyRef, StringLiteral

__all__ = ["Receipt", "apply", "find_receipt"]


@dataclass(frozen=True)
class Receipt:
    """Proof that an erasure was applied: what changed, when, by whom, why.

    Attributes:
        erasure_id: The plan's id (also on every node it touched).
        receipt: The key of the ``Erasure`` execution that records it in the store.
        applied / applied_by / reason: When, by whom and why.
        plan_sha256: sha256 of the plan that was applied.
        tombstoned / deleted / review: Node keys by what happened to them.
        removed: Node key → sha256 of the content removed from it.
        already_applied: True when this call found the erasure done and changed nothing.
    """

    erasure_id: str
    receipt: str
    applied: str
    applied_by: str
    reason: str
    plan_sha256: str
    tombstoned: tuple[str, ...]
    deleted: tuple[str, ...]
    review: tuple[str, ...]
    removed: Mapping[str, str]
    already_applied: bool = False
    store: str = ""

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready data."""
        return asdict(self)

    def to_json(self) -> str:
        """The receipt as JSON."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    def to_markdown(self) -> str:
        """The receipt as Markdown."""
        lines = [
            f"# Erasure receipt {self.erasure_id}",
            "",
            f"- **Applied**: {self.applied} by {self.applied_by}",
            f"- **Reason**: {self.reason}",
            f"- **Recorded as**: `{self.receipt}` in {self.store or 'the store'}",
            f"- **Plan**: `{self.plan_sha256}`",
            "",
            "| node | action | sha256 of what was removed |",
            "|---|---|---|",
        ]
        for key in self.tombstoned:
            lines.append(f"| {key} | tombstoned | `{self.removed.get(key, '')}` |")
        for key in self.deleted:
            lines.append(f"| {key} | deleted | `{self.removed.get(key, '')}` |")
        for key in self.review:
            lines.append(f"| {key} | review (retrain or justify) | |")
        return "\n".join(lines) + "\n"

    def to_text(self) -> str:
        """One readable summary."""
        return (
            f"erasure {self.erasure_id}: {len(self.tombstoned)} tombstoned, "
            f"{len(self.deleted)} deleted, {len(self.review)} to review; receipt {self.receipt}"
            + (" (already applied: nothing changed)" if self.already_applied else "")
        )

    def __str__(self) -> str:
        return self.to_text()


def _ids(keys: list[str]) -> list[int]:
    return [int(k.split(":")[1]) for k in keys]


def find_receipt(store: Any, erasure_id: str) -> Any | None:
    """The ``Erasure`` execution recording ``erasure_id``, or None."""
    from lineage.store import ListOptions

    query = Comparison(
        "=", PropertyRef(cv.ERASURE_ID, "string_value", True, "STRING"), StringLiteral(erasure_id)
    )
    found = [
        e
        for e in store.get_executions(list_options=ListOptions(filter_query=query))
        if e.type == cv.ERASURE_TYPE
    ]
    return found[0] if found else None


def _receipt_from(store: Any, execution: Any, plan: Plan, already: bool) -> Receipt:
    custom = execution.custom_properties
    removed = python_value(custom[cv.ERASURE_REMOVED]) if cv.ERASURE_REMOVED in custom else {}
    lists = python_value(custom["erasure.nodes"]) if "erasure.nodes" in custom else {}
    return Receipt(
        erasure_id=plan.erasure_id,
        receipt=f"execution:{execution.id}",
        applied=dt.datetime.fromtimestamp(
            execution.create_time_since_epoch / 1000, tz=dt.timezone.utc
        ).strftime("%Y-%m-%dT%H:%M:%SZ"),
        applied_by=str(python_value(custom[cv.ERASURE_REQUESTED_BY]))
        if cv.ERASURE_REQUESTED_BY in custom
        else "",
        reason=str(python_value(custom[cv.ERASURE_REASON])) if cv.ERASURE_REASON in custom else "",
        plan_sha256=str(python_value(custom[cv.ERASURE_PLAN_SHA256]))
        if cv.ERASURE_PLAN_SHA256 in custom
        else "",
        tombstoned=tuple(lists.get("tombstoned", ())),
        deleted=tuple(lists.get("deleted", ())),
        review=tuple(lists.get("review", ())),
        removed=dict(removed),
        already_applied=already,
        store=getattr(store, "url", ""),
    )


def _check_unchanged(store: Any, plan: Plan) -> None:
    seeds = [a.key for a in plan.actions if a.reason == "target of the erasure"]
    walk = downstream(store, [("artifact", int(k.split(":")[1])) for k in seeds])
    nodes = {k: n for k, n in walk.nodes().items() if n.type != cv.ERASURE_TYPE}
    planned = {a.key: a for a in plan.actions if not a.key.startswith("context:")}
    new = sorted(set(nodes) - set(planned))
    gone = sorted(set(planned) - set(nodes))
    if new or gone or closure_digest(nodes) != plan.closure_digest:
        detail = (f"new downstream nodes {new[:5]}" if new else "") + (
            f" missing nodes {gone[:5]}" if gone else ""
        )
        raise FailedPreconditionError(
            f"the store changed under erasure plan {plan.erasure_id} ({detail.strip()}); "
            "make a new plan"
        )
    changed = [k for k, a in planned.items() if node_state(nodes[k]) != a.state_digest]
    contexts = {a.key: a for a in plan.actions if a.key.startswith("context:")}
    current = {f"context:{c.id}": c for c in store.get_contexts_by_id(_ids(list(contexts)))}
    changed += [
        k
        for k, a in contexts.items()
        if k not in current or node_state(current[k]) != a.state_digest
    ]
    if changed:
        raise FailedPreconditionError(
            f"the store changed under erasure plan {plan.erasure_id}: {', '.join(changed[:5])} "
            "changed since it was planned; make a new plan"
        )


def _value(text: Any) -> Any:
    value = pb.Value()
    if isinstance(text, int):
        # Times go in double_value: exact for ms, and they fit the 32-bit int_value columns
        # of databases ml-metadata created on MySQL/PostgreSQL.
        value.double_value = float(text)
    else:
        value.string_value = str(text)
    return value


def apply(
    store: Any, plan: Plan, *, applied_by: str | None = None, compact: bool = True
) -> Receipt:
    """Apply an erasure plan in one transaction and record its receipt in the store.

    Args:
        store: The ``lineage.MetadataStore`` the plan was made on.
        plan: The plan (from :func:`lineage.erasure.plan` or ``Plan.load``).
        applied_by: Who applies it (default: the plan's requester).
        compact: Afterwards, scrub the database files (SQLite: checkpoint, truncate the WAL,
            VACUUM; servers: VACUUM / OPTIMIZE TABLE) so erased bytes leave the disk.

    Returns:
        The :class:`Receipt` (``already_applied`` when the plan had been applied before: then
        nothing changes).

    Raises:
        FailedPreconditionError: The store changed under the plan in a way that matters.
    """
    if getattr(store, "is_remote", False):
        # A remote store: the server applies the plan in one transaction of its own.
        already = store.apply_erasure(plan.to_json(), applied_by, compact)
        recorded = find_receipt(store, plan.erasure_id)
        if recorded is None:  # pragma: no cover - the server recorded it in the same call
            raise FailedPreconditionError(f"the server recorded no receipt for {plan.erasure_id}")
        return _receipt_from(store, recorded, plan, already=already)
    existing = find_receipt(store, plan.erasure_id)
    if existing is not None:
        return _receipt_from(store, existing, plan, already=True)
    _check_unchanged(store, plan)
    who = applied_by or plan.created_by
    now = int(dt.datetime.now(dt.timezone.utc).timestamp() * 1000)
    tomb = [a.key for a in plan.actions if a.action == "tombstone"]
    gone = [a.key for a in plan.actions if a.action == "delete"]
    review = [a.key for a in plan.actions if a.action == "review"]
    scrub = [a.key for a in plan.actions if a.scrub_name]
    scrub_artifacts = [k for k in scrub if k.startswith("artifact:")]
    scrub_executions = [k for k in scrub if k.startswith("execution:")]
    scrub_contexts = [k for k in scrub if k.startswith("context:")]

    def marker(action: str) -> dict[str, Any]:
        return {
            cv.ERASURE_ID: _value(plan.erasure_id),
            cv.ERASURE_TIME: _value(now),
            cv.ERASURE_ACTION: _value(action),
            cv.ERASURE_REASON: _value(plan.reason),
        }

    with store.transaction():
        # Other people's subject tags stay on a tombstone, so their own requests still find it.
        keep = {
            a.id: [
                n
                for n in a.custom_properties
                if n.startswith(cv.SUBJECT_PREFIX)
                and n[len(cv.SUBJECT_PREFIX) :] not in plan.subjects
            ]
            for a in store.get_artifacts_by_id(_ids(tomb))
        }
        removed = {
            f"artifact:{i}": d
            for i, d in store.tombstone_artifacts(
                _ids(tomb),
                scrub_names=_ids(scrub_artifacts),
                marker=marker("tombstoned"),
                keep=keep,
            ).items()
        }
        if gone:
            # Tombstone first so the receipt carries digests of what the delete removes.
            digests = store.tombstone_artifacts(_ids(gone), scrub_names=_ids(gone), marker={})
            removed.update({f"artifact:{i}": d for i, d in digests.items()})
            store.delete_artifacts(_ids(gone), detach=True)
        store.clear_names(executions=_ids(scrub_executions), contexts=_ids(scrub_contexts))
        marked = []
        for artifact in store.get_artifacts_by_id(_ids(review)):
            update = pb.Artifact(id=artifact.id)
            for name, value in marker("review").items():
                update.custom_properties[name].CopyFrom(value)
            marked.append(update)
        if marked:
            store.put_artifacts(
                marked, field_mask_paths=[f"custom_properties.{n}" for n in marker("review")]
            )
        etype = store.put_execution_type(
            pb.ExecutionType(name=cv.ERASURE_TYPE, base_type=pb.ExecutionType.PROCESS),
            can_add_fields=True,
            can_omit_fields=True,
        )
        receipt = pb.Execution(
            type_id=etype, name=f"erasure-{plan.erasure_id}", last_known_state=pb.Execution.COMPLETE
        )
        for name, value in (
            (cv.ERASURE_ID, plan.erasure_id),
            (cv.ERASURE_REQUESTED_BY, who),
            (cv.ERASURE_REASON, plan.reason),
            (cv.ERASURE_PLAN_SHA256, plan.sha256()),
        ):
            receipt.custom_properties[name].string_value = value
        receipt.custom_properties[cv.ERASURE_REMOVED].struct_value.update(removed)
        receipt.custom_properties["erasure.nodes"].struct_value.update(
            {"tombstoned": tomb, "deleted": gone, "review": review}
        )
        # Subjects appear hashed: the receipt must not re-identify the person it erased.
        receipt.custom_properties["erasure.targets"].string_value = "; ".join(
            t.describe(redact=True) for t in plan.targets
        )
        pairs = []
        for artifact in store.get_artifacts_by_id(_ids(tomb) + _ids(review)):
            event = pb.Event(type=pb.Event.INPUT)
            key = f"artifact:{artifact.id}"
            event.path.steps.add().key = cv.EVENT_KEY_ERASED if key in tomb else cv.EVENT_KEY_REVIEW
            pairs.append((artifact, event))
        execution_id, _, _ = store.put_execution(receipt, pairs, [])
    if compact:
        store.compact()
    [recorded] = store.get_executions_by_id([execution_id])
    return _receipt_from(store, recorded, plan, already=False)
