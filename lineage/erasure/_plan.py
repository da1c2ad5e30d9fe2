"""Erasure plans: targets, the downstream closure, and one action per node."""

from __future__ import annotations

import datetime as dt
import getpass
import hashlib
import json
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from lineage import conventions as cv
from lineage.errors import InvalidArgumentError, NotFoundError
from lineage.graph import downstream
from lineage.graph._nodes import resolve_nodes
from lineage.graph._values import artifact_kind
from lineage.proto import metadata_store_pb2 as pb
from lineage.query import (
    Attribute,
    BoolLiteral,
    Comparison,
    Like,
    PropertyRef,
    StringLiteral,
)

__all__ = ["Action", "Plan", "Target", "node_state", "plan", "target_artifacts"]

#: What happens to each kind of node reached downstream of erased data.
DERIVED_ACTIONS = {
    "dataset": "tombstone",
    "statistics": "tombstone",
    "other": "tombstone",
    "model": "review",
    "metrics": "review",
    "config": "keep",
    "environment": "keep",
}
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Target:
    """What to erase: artifacts, a URI prefix, a filter query, or a data subject.

    Build with the class methods: ``Target.artifacts(...)``, ``Target.uri_prefix(...)``,
    ``Target.query(...)``, ``Target.subject(...)``.
    """

    kind: str  # artifacts | uri_prefix | query | subject
    value: Any

    @classmethod
    def artifacts(cls, *nodes: Any) -> Target:
        """Artifacts by id, ``artifact:ID``, ``TYPE:NAME`` or URI."""
        return cls("artifacts", list(nodes))

    @classmethod
    def uri_prefix(cls, prefix: str) -> Target:
        """Every artifact whose URI starts with ``prefix``."""
        return cls("uri_prefix", str(prefix))

    @classmethod
    def query(cls, filter_query: str) -> Target:
        """Every artifact matching an MLMD filter query."""
        return cls("query", str(filter_query))

    @classmethod
    def subject(cls, subject_id: str) -> Target:
        """Every artifact recorded as holding this data subject's records (``subject.<id>``)."""
        return cls("subject", str(subject_id))

    @classmethod
    def parse(cls, text: str) -> Target:
        """From CLI text: ``subject:ID``, ``uri:PREFIX``, ``query:FILTER``, else a node name."""
        for prefix, kind in (("subject:", "subject"), ("uri:", "uri_prefix"), ("query:", "query")):
            if text.startswith(prefix):
                return cls(kind, text[len(prefix) :])
        return cls("artifacts", [text])

    def describe(self, redact: bool = False) -> str:
        """One line for reports; ``redact`` replaces a subject's id with its sha256."""
        if self.kind == "subject" and redact:
            digest = hashlib.sha256(str(self.value).encode()).hexdigest()[:16]
            return f"subject sha256:{digest}"
        if self.kind == "artifacts":
            return "artifacts " + ", ".join(map(str, self.value))
        return f"{self.kind.replace('_', ' ')} {self.value!r}"


@dataclass(frozen=True)
class Action:
    """What the plan does to one node, and why."""

    key: str
    action: str  # tombstone | delete | review | keep
    kind: str
    type: str
    name: str | None
    uri: str | None
    reason: str
    hops: int
    state_digest: str
    scrub_name: bool = False


@dataclass(frozen=True)
class Plan:
    """An erasure plan (see the package docstring). Save with ``save``, load with ``load``."""

    erasure_id: str
    created: str
    created_by: str
    reason: str
    targets: tuple[Target, ...]
    subjects: tuple[str, ...]
    actions: tuple[Action, ...]
    store: str = ""
    version: int = FORMAT_VERSION
    closure_digest: str = ""

    def by_action(self, action: str) -> list[Action]:
        """The planned actions of one kind."""
        return [a for a in self.actions if a.action == action]

    def counts(self) -> dict[str, int]:
        """Action → number of nodes."""
        out: dict[str, int] = {}
        for a in self.actions:
            out[a.action] = out.get(a.action, 0) + 1
        return out

    def to_dict(self) -> dict[str, Any]:
        """The plan as JSON-ready data."""
        data = asdict(self)
        data["targets"] = [{"kind": t.kind, "value": t.value} for t in self.targets]
        return data

    def to_json(self) -> str:
        """The plan as JSON (stable key order)."""
        return json.dumps(self.to_dict(), indent=2, sort_keys=True)

    def sha256(self) -> str:
        """sha256 over the plan's canonical JSON."""
        canonical = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return "sha256:" + hashlib.sha256(canonical.encode()).hexdigest()

    def save(self, path: str | Path) -> None:
        """Write the plan as JSON."""
        Path(path).write_text(self.to_json() + "\n")

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Plan:
        """A plan from its JSON data.

        Raises:
            InvalidArgumentError: The data is not an erasure plan of a known format.
        """
        try:
            if "erasure_id" not in data or "actions" not in data:
                raise InvalidArgumentError("not an erasure plan: no erasure_id or actions")
            if int(data.get("version", 0)) != FORMAT_VERSION:
                raise InvalidArgumentError(
                    f"unsupported erasure plan version {data.get('version')!r} "
                    f"(this lineage reads version {FORMAT_VERSION})"
                )
            return cls(
                erasure_id=str(data["erasure_id"]),
                created=str(data["created"]),
                created_by=str(data["created_by"]),
                reason=str(data["reason"]),
                targets=tuple(Target(t["kind"], t["value"]) for t in data["targets"]),
                subjects=tuple(data.get("subjects", ())),
                actions=tuple(Action(**a) for a in data["actions"]),
                store=str(data.get("store", "")),
                version=FORMAT_VERSION,
                closure_digest=str(data.get("closure_digest", "")),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise InvalidArgumentError(f"not an erasure plan: {exc}") from exc

    @classmethod
    def load(cls, path: str | Path) -> Plan:
        """Read a plan saved with ``save``.

        Raises:
            InvalidArgumentError: The file is missing, unreadable or not a plan.
        """
        try:
            data = json.loads(Path(path).read_text())
        except (OSError, ValueError) as exc:
            raise InvalidArgumentError(f"cannot read erasure plan {path}: {exc}") from exc
        if not isinstance(data, dict):
            raise InvalidArgumentError(f"{path} is not an erasure plan")
        return cls.from_dict(data)

    def to_text(self) -> str:
        """A readable summary."""
        lines = [
            f"Erasure plan {self.erasure_id} ({self.created}, by {self.created_by})",
            f"Reason: {self.reason}",
            "Targets: " + "; ".join(t.describe() for t in self.targets),
            "Actions: " + ", ".join(f"{n} {a}" for a, n in sorted(self.counts().items())),
            "",
        ]
        for a in sorted(
            self.actions, key=lambda x: (x.action != "tombstone", x.action, x.hops, x.key)
        ):
            label = a.name or a.uri or ""
            lines.append(f"  {a.action:<9} {a.key:<16} {a.type} {label}  ({a.reason})")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.to_text()


def node_state(node: Any) -> str:
    """A digest of a node's current state; a plan refuses to apply when it changed."""
    return "sha256:" + hashlib.sha256(node.SerializeToString(deterministic=True)).hexdigest()[:32]


def closure_digest(keys: Iterable[str]) -> str:
    """A digest of the set of nodes a plan covers."""
    return "sha256:" + hashlib.sha256("\n".join(sorted(keys)).encode()).hexdigest()[:32]


def _escape_like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def target_artifacts(store: Any, target: Target) -> list[int]:
    """The artifact ids a target names (what an erasure of it would start from)."""
    if target.kind == "artifacts":
        values = target.value if isinstance(target.value, (list, tuple)) else [target.value]
        artifacts, executions = resolve_nodes(store, list(values))
        if executions:
            raise InvalidArgumentError("erasure targets are artifacts; got an execution")
        return artifacts
    if target.kind == "uri_prefix":
        if not target.value:
            raise InvalidArgumentError("an empty URI prefix would match every artifact")
        query: Any = Like(
            Attribute("uri", "STRING"), StringLiteral(_escape_like(target.value) + "%")
        )
    elif target.kind == "query":
        query = target.value
    elif target.kind == "subject":
        if not target.value:
            raise InvalidArgumentError("a data subject id is empty")
        prop = PropertyRef(cv.SUBJECT_PREFIX + target.value, "bool_value", True, "BOOL")
        query = Comparison("=", prop, BoolLiteral(True))
    else:
        raise InvalidArgumentError(f"unknown erasure target kind {target.kind!r}")
    from lineage.store import ListOptions

    # ListOptions takes filter text or an already parsed tree (no text round trip needed).
    return [a.id for a in store.get_artifacts(list_options=ListOptions(filter_query=query))]


def plan(
    store: Any,
    targets: Sequence[Target | str] | Target | str,
    *,
    reason: str,
    requested_by: str | None = None,
    delete_targets: bool = False,
) -> Plan:
    """Plan an erasure: the targets, everything derived from them, and what to do with each.

    Args:
        store: A ``lineage.MetadataStore``.
        targets: :class:`Target` values (or text: ``subject:ID``, ``uri:PREFIX``,
            ``query:FILTER``, or a node name).
        reason: Why (e.g. "GDPR art. 17 request #4711"); recorded in the receipt.
        requested_by: Who asks for it (default: the current user).
        delete_targets: Delete the target artifacts instead of tombstoning them (their events
            go too, which disconnects the lineage; tombstones are the default).

    Raises:
        InvalidArgumentError: No reason, no target, or a malformed target.
        NotFoundError: The targets match no artifact.
    """
    if not reason or not reason.strip():
        raise InvalidArgumentError("an erasure needs a reason (it is recorded in the receipt)")
    items = [targets] if isinstance(targets, (Target, str)) else list(targets)
    if not items:
        raise InvalidArgumentError("no erasure target given")
    parsed = [Target.parse(t) if isinstance(t, str) else t for t in items]
    seeds: list[int] = []
    for target in parsed:
        seeds.extend(target_artifacts(store, target))
    seeds = sorted(set(seeds))
    if not seeds:
        raise NotFoundError(
            "the erasure targets match no artifact: " + "; ".join(t.describe() for t in parsed)
        )
    subjects = tuple(t.value for t in parsed if t.kind == "subject")
    walk = downstream(store, [("artifact", s) for s in seeds])
    graph = walk.lineage_graph
    base_types = {
        t.id: (t.base_type if t.HasField("base_type") else None) for t in graph.artifact_types
    }
    seed_keys = {f"artifact:{s}" for s in seeds}
    actions = []
    for key, node in sorted(walk.nodes().items()):
        hops = walk.hops.get(key, 0)
        if isinstance(node, pb.Artifact):
            kind = artifact_kind(node, base_types.get(node.type_id))
            if node.type == cv.ERASURE_TYPE:
                continue
            if key in seed_keys:
                action = "delete" if delete_targets else "tombstone"
                why = "target of the erasure"
            else:
                action = DERIVED_ACTIONS.get(kind, "tombstone")
                why = {
                    "tombstone": "derived from erased data",
                    "review": "trained or computed on erased data: retrain or justify keeping it",
                    "keep": "not derived from the data itself",
                }[action]
            name = node.name if node.HasField("name") and node.name else None
            scrub = name is not None and (key in seed_keys or any(s in name for s in subjects))
            actions.append(
                Action(
                    key=key,
                    action=action,
                    kind=kind,
                    type=node.type,
                    name=name,
                    uri=node.uri or None,
                    reason=why,
                    hops=hops,
                    state_digest=node_state(node),
                    scrub_name=scrub,
                )
            )
        else:
            if node.type == cv.ERASURE_TYPE:
                continue
            name = node.name or None
            actions.append(
                Action(
                    key=key,
                    action="keep",
                    kind="execution",
                    type=node.type,
                    name=name,
                    uri=None,
                    reason="a step on the way; its record stays",
                    hops=hops,
                    state_digest=node_state(node),
                    scrub_name=name is not None and any(s in name for s in subjects),
                )
            )
    for context in sorted(graph.contexts, key=lambda c: c.id):
        if any(s in context.name for s in subjects):
            actions.append(
                Action(
                    key=f"context:{context.id}",
                    action="keep",
                    kind="context",
                    type=context.type,
                    name=context.name,
                    uri=None,
                    reason="its name identifies the data subject",
                    hops=0,
                    state_digest=node_state(context),
                    scrub_name=True,
                )
            )
    return Plan(
        erasure_id=uuid.uuid4().hex,
        created=dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
        created_by=requested_by or _user(),
        reason=reason.strip(),
        targets=tuple(parsed),
        subjects=subjects,
        actions=tuple(actions),
        store=getattr(store, "url", ""),
        closure_digest=closure_digest(a.key for a in actions),
    )


def _user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no user database entry (containers)
        return "unknown"
