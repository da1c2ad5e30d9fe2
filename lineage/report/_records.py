"""The records reports are made of (frozen dataclasses), and turning them into JSON-ready data."""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from lineage.graph import NodeKey

__all__ = [
    "ConfigRecord",
    "ContextRecord",
    "EnvironmentRecord",
    "ErasureMark",
    "EvaluationRecord",
    "InputRecord",
    "MetricRecord",
    "ModelRecord",
    "OutputRecord",
    "ReceiptRecord",
    "StepRecord",
    "iso",
    "jsonable",
]

_MAX_EXACT = 2**53


def iso(ms: Any) -> str | None:
    """Milliseconds since the epoch as ISO 8601 UTC text with milliseconds; None for none."""
    if ms is None or ms == 0 or isinstance(ms, bool) or not isinstance(ms, (int, float)):
        return None
    moment = dt.datetime.fromtimestamp(int(ms) / 1000, tz=dt.timezone.utc)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(ms) % 1000:03d}Z"


def jsonable(value: Any) -> Any:
    """A JSON value with a canonical form: dataclasses and mappings become objects, tuples lists.

    Non-finite floats become the strings ``"NaN"``, ``"Infinity"``, ``"-Infinity"`` and
    integers beyond ±2**53 become decimal strings (RFC 8785 cannot hold them exactly); other
    objects become their ``str``.
    """
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, int):
        return value if abs(value) <= _MAX_EXACT else str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            f.name: jsonable(getattr(value, f.name))
            for f in dataclasses.fields(value)
            if f.repr  # fields kept out of repr (walks, graphs) are not report content
        }
    if isinstance(value, Mapping):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [jsonable(v) for v in value]
        return sorted(items, key=str) if isinstance(value, (set, frozenset)) else items
    return str(value)


@dataclass(frozen=True)
class ErasureMark:
    """The erasure marker on a node (``erasure.*`` custom properties).

    Attributes:
        erasure_id: The erasure that marked it.
        action: 'tombstoned' (its content was scrubbed) or 'review' (retrain or justify).
        time: When (ISO 8601 UTC).
        reason: The erasure's reason.
    """

    erasure_id: str | None
    action: str | None
    time: str | None
    reason: str | None


@dataclass(frozen=True)
class ReceiptRecord:
    """An applied erasure as its receipt (an ``Erasure`` execution) records it.

    Attributes:
        key: The receipt's execution key.
        erasure_id: The erasure's id (also on every node it marked).
        applied: When it was applied (ISO 8601 UTC).
        requested_by: Who requested and applied it.
        reason: Why.
        plan_sha256: sha256 of the plan that was applied.
        targets: What was erased, with data subjects given as hashes.
        tombstoned / deleted / review: Node keys by what happened to them.
        removed: Node key → sha256 of the content removed from it.
    """

    key: NodeKey
    erasure_id: str
    applied: str | None
    requested_by: str | None
    reason: str | None
    plan_sha256: str | None
    targets: str | None
    tombstoned: tuple[NodeKey, ...]
    deleted: tuple[NodeKey, ...]
    review: tuple[NodeKey, ...]
    removed: Mapping[NodeKey, str]

    def action_on(self, key: NodeKey) -> str | None:
        """What this erasure did to a node: 'tombstoned', 'deleted', 'review' or None."""
        for action, keys in (
            ("tombstoned", self.tombstoned),
            ("deleted", self.deleted),
            ("review", self.review),
        ):
            if key in keys:
                return action
        return None


@dataclass(frozen=True)
class ModelRecord:
    """The artifact a dossier is about."""

    key: NodeKey
    id: int
    type: str
    kind: str
    name: str | None
    uri: str | None
    state: str | None
    created: str | None
    updated: str | None
    fingerprint: str | None
    version: Any
    size_bytes: Any
    properties: Mapping[str, Any]
    tags: tuple[str, ...]
    pii: bool | None
    license: str | None
    subjects: tuple[str, ...]
    erasure: ErasureMark | None


@dataclass(frozen=True)
class StepRecord:
    """An execution that led to the model, in run order: who ran it, when, how it ended."""

    key: NodeKey
    type: str
    name: str | None
    state: str | None
    started: str | None
    ended: str | None
    user: str | None
    host: str | None
    parameters: Mapping[str, Any]
    metrics: Mapping[str, Any]
    inputs: tuple[NodeKey, ...]
    outputs: tuple[NodeKey, ...]
    contexts: tuple[NodeKey, ...]
    code: Mapping[str, Any] | None
    error: str | None


@dataclass(frozen=True)
class InputRecord:
    """An artifact the model derives from, with what was recorded about its content."""

    key: NodeKey
    kind: str
    type: str
    name: str | None
    uri: str | None
    version: Any
    fingerprint: str | None
    size_bytes: Any
    state: str | None
    root: bool
    hops: int
    produced_by: NodeKey | None
    consumed_by: tuple[NodeKey, ...]
    pii: bool | None
    license: str | None
    subjects: tuple[str, ...]
    tags: tuple[str, ...]
    erasure: ErasureMark | None


@dataclass(frozen=True)
class EnvironmentRecord:
    """An execution environment the steps ran in."""

    key: NodeKey
    python_version: str | None
    python_implementation: str | None
    platform: str | None
    fingerprint: str | None
    packages: Mapping[str, str]
    used_by: tuple[NodeKey, ...]


@dataclass(frozen=True)
class ConfigRecord:
    """A configuration file the steps read."""

    key: NodeKey
    uri: str | None
    fingerprint: str | None
    values: Mapping[str, Any]
    used_by: tuple[NodeKey, ...]


@dataclass(frozen=True)
class ContextRecord:
    """A pipeline, pipeline run or experiment the lineage belongs to."""

    key: NodeKey
    type: str
    name: str


@dataclass(frozen=True)
class OutputRecord:
    """An artifact an evaluation wrote (metrics, blessings, reports...)."""

    key: NodeKey
    kind: str
    type: str
    name: str | None
    uri: str | None
    metrics: Mapping[str, Any]
    erasure: ErasureMark | None


@dataclass(frozen=True)
class EvaluationRecord:
    """An execution that read the model (an evaluation, a push, a batch prediction...)."""

    key: NodeKey
    type: str
    name: str | None
    state: str | None
    started: str | None
    ended: str | None
    user: str | None
    metrics: Mapping[str, Any]
    outputs: tuple[OutputRecord, ...]


@dataclass(frozen=True)
class MetricRecord:
    """One metric value, and where it was recorded.

    Attributes:
        name: The metric's name.
        value: Its value.
        source: The node holding it (a step, or an evaluation's Metrics artifact).
        source_type: The type of that node.
        source_name: Its name.
        via: 'step' (``metric.*`` on a step that led to the model) or 'evaluation' (an
            output of an execution that read the model).
    """

    name: str
    value: Any
    source: NodeKey
    source_type: str
    source_name: str | None
    via: str
